package cache

import (
	"github.com/nxcred/nxcred/internal/token"

	"crypto/hkdf"
	"crypto/sha256"
)

// hkdfSalt fixes the purpose of the derived key; bump it with the format.
const hkdfSalt = "nxcred token cache v1"

// DeriveKey returns the AES-256 key of the cache files of identity id:
// HKDF-SHA256 of the client secret. The cache needs no key of its own, and a
// rotated secret makes the old file unreadable, which is a miss.
func DeriveKey(secret string, id token.Identity) []byte {
	key, err := hkdf.Key(sha256.New, []byte(secret), []byte(hkdfSalt), id.String(), 32)
	if err != nil {
		// hkdf.Key fails only for a length over 255*32 bytes.
		panic(err)
	}
	return key
}
