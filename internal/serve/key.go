package serve

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
)

// keyBytes is the key's entropy: 256 bits, beyond guessing at any rate a
// local server answers.
const keyBytes = 32

// keyLen is the length of the key's text: base64url without padding, so it
// is safe in a URL path, a header and an environment variable unchanged.
var keyLen = base64.RawURLEncoding.EncodedLen(keyBytes)

func newKey(r io.Reader) (string, error) {
	b := make([]byte, keyBytes)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", errors.New("serve: cannot read random bytes for the local key")
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// validKeySyntax reports whether k could be a key: keyLen characters of the
// base64url alphabet.
func validKeySyntax(k string) bool {
	if len(k) != keyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// equal compares a presented value with a secret in time independent of
// where they differ.
func equal(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// splitKeyPath reports whether the first segment of the escaped path is the
// key, and returns the rest of the path ("/" when nothing follows).
func (s *Server) splitKeyPath(escaped string) (rest string, ok bool) {
	if !strings.HasPrefix(escaped, "/") {
		return "", false
	}
	seg, rest, _ := strings.Cut(escaped[1:], "/")
	if !equal(seg, s.key) {
		return "", false
	}
	return "/" + rest, true
}

// headerKey reports whether the request's Authorization carries the key, as
// a bearer value or as a Basic password (any user name).
func (s *Server) headerKey(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, value, _ := strings.Cut(h, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return equal(strings.TrimSpace(value), s.key)
	case strings.EqualFold(scheme, "Basic"):
		_, pass, ok := r.BasicAuth()
		return ok && equal(pass, s.key)
	}
	return false
}
