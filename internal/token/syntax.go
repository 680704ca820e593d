package token

import "errors"

// CheckBearer reports whether tok can travel as "Authorization: Bearer <tok>".
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
// A JWT (what Nexthink issues) always fits. The token request checks it when
// a token arrives, and every protocol writer before it writes one: a token
// that fits cannot break out of any wire format nxcred writes. A loop, not a
// regexp: compiling one costs every start of nxcred.
func CheckBearer(tok string) error {
	if tok == "" {
		return errors.New("empty token")
	}
	i := 0
	for i < len(tok) && isB64TokenByte(tok[i]) {
		i++
	}
	if i == 0 {
		return errors.New("token is not an RFC 6750 bearer token")
	}
	for i < len(tok) && tok[i] == '=' {
		i++
	}
	if i != len(tok) {
		return errors.New("token is not an RFC 6750 bearer token")
	}
	return nil
}

func isB64TokenByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return b == '-' || b == '.' || b == '_' || b == '~' || b == '+' || b == '/'
}
