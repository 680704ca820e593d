package token_test

import (
	"fmt"
	"time"

	"github.com/nxcred/nxcred/internal/token"
)

// t0 is the fixed "now" of the tests: no test reads the wall clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

// tokenAt returns a token fetched at fetched that lives for life.
func tokenAt(access string, fetched time.Time, life time.Duration) token.Token {
	return token.Token{AccessToken: access, TokenType: "Bearer", Expiry: fetched.Add(life), FetchedAt: fetched}
}

func fmtToken(t token.Token) string {
	return fmt.Sprintf("{%q %q exp=%s fetched=%s}", t.AccessToken, t.TokenType,
		t.Expiry.UTC().Format(time.RFC3339Nano), t.FetchedAt.UTC().Format(time.RFC3339Nano))
}
