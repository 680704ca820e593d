package oauth

import (
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/nxcred/nxcred/internal/redact"
)

// The token endpoint's own words (a body, an error description, a content
// type) are the one part of an error message nxcred does not write, and the
// endpoint has just been sent the secret: a proxy page or a broken server
// may echo it. This file renders them.

// withheld stands for server text that holds the secret in a form the
// shared rule does not remove.
const withheld = "(not shown: it contains the client secret)"

// fromServer renders text the token endpoint sent for a message: control
// characters folded so it cannot forge lines or send escapes, any Basic or
// Bearer credential and the secret removed (package redact's rule), and
// withheld whole when it still holds the secret in any form, however short
// the secret.
func fromServer(s, secret string) string {
	s = printable(authHeaderValue().ReplaceAllString(redact.Clean(s, secret), "$1$2"+redact.Mark))
	if redact.Holds(s, secret, printable(secret)) {
		return withheld
	}
	return s
}

// quoteFromServer is fromServer's text quoted, or the withheld note.
func quoteFromServer(s, secret string) string {
	if s = fromServer(s, secret); s == withheld {
		return s
	}
	return strconv.Quote(s)
}

// oauthErrors are the error codes of RFC 6749 §5.2: words of the standard,
// shown as they are even when a short secret happens to be in them.
var oauthErrors = []string{"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client", "unsupported_grant_type", "invalid_scope"}

// errorCode renders the endpoint's OAuth error code.
func errorCode(code, secret string) string {
	for _, c := range oauthErrors {
		if code == c {
			return c
		}
	}
	return truncate(fromServer(code, secret), 64)
}

// excerpt renders the start of a response body for an error message: the
// secret removed first (from the whole captured body, so no cut can leave a
// piece of it), then control characters folded, then cut and quoted.
func excerpt(body []byte, secret string) string {
	s := fromServer(string(body), secret)
	switch s {
	case "":
		return "(empty body)"
	case withheld:
		return "(body " + withheld[1:]
	}
	return strconv.Quote(truncate(s, excerptLen))
}

// printable folds control characters and runs of white space to one space.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// authHeaderValue matches credentials after an authorization scheme, as a
// proxy page echoing the request would show them.
var authHeaderValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)\b(basic|bearer)(\s+)[A-Za-z0-9._~+/=-]{6,}`) })
