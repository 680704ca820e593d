// Package protocol knows the wire formats nxcred speaks to its clients:
// client-go exec plugins, git and docker credential helpers, the EngFlow
// credential-helper spec used by Bazel, GOAUTH commands and plain shell output.
// The snippets that point each client at nxcred are package setup's.
//
// Everything here is a pure function over strings, io.Reader and io.Writer:
// no network, no keyring, no files, no environment, no clock. Writers build
// their whole payload in memory and hand it to one Write, so a refused
// credential never leaves half a payload on stdout, and no error ever carries
// the token.
package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/host"
	"github.com/nxcred/nxcred/internal/token"
)

// Credential is the token a protocol hands out.
type Credential struct {
	Token     string    // the bearer token (never logged, never in an error)
	TokenType string    // "Bearer"
	Expires   time.Time // the expiry to REPORT to the client (already minus nxcred's one-minute margin); zero = unknown
}

// Expiry bounds every writer accepts. Before the Unix epoch, git's
// password_expiry_utc cannot express the instant (git reads 0 as "never");
// after year 9999 an RFC 3339 timestamp has no four-digit year.
var (
	minExpiry = time.Unix(1, 0).UTC()
	maxExpiry = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// checkCredential validates what every writer puts on the wire. The messages
// name the problem, never the token.
func checkCredential(c Credential) error {
	if err := checkToken(c.Token); err != nil {
		return err
	}
	// Every protocol here sends "Bearer"; a different scheme would be a lie.
	if c.TokenType != "" && !strings.EqualFold(c.TokenType, "Bearer") {
		return fmt.Errorf("unsupported token type %q (want Bearer)", c.TokenType)
	}
	if !c.Expires.IsZero() && (c.Expires.Before(minExpiry) || c.Expires.After(maxExpiry)) {
		return errors.New("token expiry is outside 1970-9999")
	}
	return nil
}

// checkToken reports whether tok can travel as "Authorization: Bearer <tok>"
// (token.CheckBearer). Holding every token to that grammar also shuts out
// CR, LF, NUL, spaces and quotes, so no format below can be broken out of
// (git lines, GOAUTH headers, curl -H @-).
func checkToken(tok string) error { return token.CheckBearer(tok) }

// formatExpiry renders an (already checked) expiry the way client-go and
// Bazel parse it: RFC 3339 in UTC, whole seconds, "Z" (docs/protocols.md §0.6, §4.5).
func formatExpiry(t time.Time) string {
	return t.UTC().Format(time.RFC3339)
}

// encodeJSONLine returns v as one line of JSON followed by a newline.
// HTML escaping is off: the payload goes to a program, not a web page.
func encodeJSONLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeAll hands b to w in one Write and turns a short write into an error.
func writeAll(w io.Writer, b []byte) error {
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err
}

// HostFromURL returns the normalized host (see host.Normalize) of an https URL
// or of a bare "host[:port]", optionally followed by "/path" (docker and git
// hand out both forms). A bare host is treated as https.
//
// Because its answer decides where a token may go, HostFromURL refuses
// anything a client could read differently: empty input, spaces, control
// characters and backslashes anywhere (WHATWG parsers read "\" as "/"),
// userinfo ("https://acme.api.eu.nexthink.cloud@evil.com/" would otherwise
// be one careless parser away from the wrong host), percent-encoding in the
// host, schemes other than https (a token never travels in clear text), and
// a URL with no host.
func HostFromURL(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("empty url")
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b <= ' ' || b == 0x7f || b == '\\' {
			return "", errors.New("url contains a space, control character or backslash")
		}
	}

	var scheme, authority string
	if before, after, ok := strings.Cut(raw, "://"); ok && validScheme(before) {
		scheme = strings.ToLower(before)
		if scheme != "https" {
			return "", fmt.Errorf("url scheme %q is not https", before)
		}
		authority, _, _ = cutAny(after, "/?#")
	} else {
		// A bare "host[:port][/path]": RFC 3986 has no such form, so nothing
		// after the first "/" can change the host.
		authority, _, _ = strings.Cut(raw, "/")
	}
	switch {
	case authority == "":
		return "", errors.New("url has no host")
	case strings.Contains(authority, "@"):
		return "", errors.New("url carries user information")
	case strings.Contains(authority, "%"):
		return "", errors.New("url host is percent-encoded")
	}

	if scheme != "" {
		// Cross-check with net/url: if the two readings differ, refuse rather
		// than guess which one the client will use.
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("parse url: %w", unwrapURLError(err))
		}
		if u.Host != authority {
			return "", fmt.Errorf("url host %q is ambiguous", authority)
		}
	}

	h := host.Normalize(scheme, authority)
	if h == "" {
		return "", fmt.Errorf("invalid host %q", authority)
	}
	return h, nil
}

// validScheme reports whether s matches RFC 3986 §3.1:
// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
		case i > 0 && ('0' <= b && b <= '9' || b == '+' || b == '-' || b == '.'):
		default:
			return false
		}
	}
	return true
}

// cutAny is strings.Cut on the first byte of s found in chars.
func cutAny(s, chars string) (before, after string, found bool) {
	if i := strings.IndexAny(s, chars); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// unwrapURLError drops the *url.Error wrapper, whose text repeats the whole
// URL (which may carry a password in its userinfo).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
