package token

import (
	"strconv"
	"strings"
)

// Identity is what a cached token belongs to. It is bound into the file as
// additional authenticated data, so a file copied to another profile, or left
// over from another client id, scope or token URL, does not open.
type Identity struct {
	TokenURL string
	ClientID string
	Scope    string
}

// String encodes the fields unambiguously, each with its length, so no two
// identities give the same string whatever their fields hold.
func (id Identity) String() string {
	var b strings.Builder
	for _, f := range []string{id.TokenURL, id.ClientID, id.Scope} {
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return b.String()
}
