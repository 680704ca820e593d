package cli

import (
	"github.com/nxcred/nxcred/internal/protocol"
	"github.com/nxcred/nxcred/internal/token"
)

// credential is what protocols hand out: the token and its reported expiry
// (token.Token.ReportedExpiry), the one place every protocol's expiry comes
// from.
func (a *app) credential(t token.Token) protocol.Credential {
	return protocol.Credential{Token: t.AccessToken, TokenType: "Bearer", Expires: t.ReportedExpiry(a.now())}
}
