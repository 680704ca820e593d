package cache

import (
	"crypto/hkdf"
	"crypto/sha256"
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

// hkdfSalt fixes the purpose of the derived key; bump it with the format.
const hkdfSalt = "nxcred token cache v1"

// DeriveKey returns the AES-256 key of the cache files of identity id:
// HKDF-SHA256 of the client secret. The cache needs no key of its own, and a
// rotated secret makes the old file unreadable, which is a miss.
func DeriveKey(secret string, id Identity) []byte {
	key, err := hkdf.Key(sha256.New, []byte(secret), []byte(hkdfSalt), id.String(), 32)
	if err != nil {
		// hkdf.Key fails only for a length over 255*32 bytes.
		panic(err)
	}
	return key
}
