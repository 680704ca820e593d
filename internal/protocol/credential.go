// Package protocol knows the wire formats nxcred speaks to its clients:
// client-go exec plugins, git and docker credential helpers, the EngFlow
// credential-helper spec used by Bazel, GOAUTH commands and plain shell output,
// and the set-up snippets that point each client at nxcred (setup.go).
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
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

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

// Host name limits from RFC 1035 §2.3.4.
const (
	maxHostnameLen = 253
	maxLabelLen    = 63
)

// NormalizeHost returns the canonical form of a "host[:port]" as used for
// host scoping, or "" when hostport is not a host nxcred will ever hand a
// token to. "" matches nothing, so callers compare the result with their
// configured hosts (themselves normalized) and never need to special-case it.
//
// The rules, in order:
//   - hostport must be non-empty printable ASCII with no space: a Unicode
//     host is refused before lower-casing, because Unicode case folding maps
//     look-alikes onto ASCII (U+212A KELVIN SIGN lowers to "k"), and
//     percent-encoding, userinfo ("@"), paths, backslashes and control
//     characters are refused because a valid host never contains them;
//   - ASCII letters are lower-cased (DNS names are case-insensitive, RFC 4343);
//   - "[v6]" or "[v6]:port" is an IPv6 literal, as is a bare address with two
//     or more colons and no port; it must parse as IPv6 with no zone and is
//     rewritten in its RFC 5952 form ("[0:0::1]" becomes "::1");
//   - otherwise the host is a name or IPv4 address: one trailing dot is
//     dropped (an absolute name is the same host), then it must be 1 to 253
//     bytes of dot-separated labels of 1 to 63 letters, digits, "-" or "_";
//   - the port must be decimal 1-65535 and is rewritten without leading
//     zeros; an empty port ("host:") is dropped (RFC 3986 §6.2.3); the
//     scheme's default port is dropped: 443 for "https" or "", 80 for "http"
//     (scheme compared case-insensitively; other schemes keep every port);
//   - brackets stay around an IPv6 literal only while a port follows it.
//
// The result carries no scheme: "http://h" and "https://h" both normalize to
// "h". A caller that must not send a token over plain HTTP checks the scheme
// itself.
//
// NormalizeHost is idempotent: NormalizeHost(s, NormalizeHost(s, h)) equals
// NormalizeHost(s, h).
func NormalizeHost(scheme, hostport string) string {
	if hostport == "" || len(hostport) > maxHostnameLen+len("[]:65535") {
		return ""
	}
	for i := 0; i < len(hostport); i++ {
		if b := hostport[i]; b <= ' ' || b >= 0x7f {
			return ""
		}
	}
	s := strings.ToLower(hostport)

	var host, port string
	var hasPort, ip6 bool
	switch {
	case s[0] == '[':
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return ""
		}
		host, ip6 = s[1:end], true
		if rest := s[end+1:]; rest != "" {
			if rest[0] != ':' {
				return ""
			}
			port, hasPort = rest[1:], true
		}
	case strings.Count(s, ":") > 1:
		// A bare IPv6 literal cannot carry a port: the colons are ambiguous.
		host, ip6 = s, true
	default:
		host, port, hasPort = strings.Cut(s, ":")
	}

	if ip6 {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return ""
		}
		host = addr.String()
	} else {
		host = strings.TrimSuffix(host, ".")
		if !validHostname(host) {
			return ""
		}
	}

	if hasPort && port != "" {
		if !allDigits(port) {
			return ""
		}
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil || n == 0 {
			return ""
		}
		if n == defaultPort(scheme) {
			hasPort = false
		} else {
			port = strconv.FormatUint(n, 10)
		}
	} else {
		hasPort = false
	}

	switch {
	case !hasPort:
		return host
	case ip6:
		return "[" + host + "]:" + port
	default:
		return host + ":" + port
	}
}

// defaultPort is the port a scheme implies; 0 when nxcred knows none.
func defaultPort(scheme string) uint64 {
	switch strings.ToLower(scheme) {
	case "", "https":
		return 443
	case "http":
		return 80
	}
	return 0
}

// validHostname reports whether h (already lower case, no trailing dot) is a
// dot-separated list of labels of letters, digits, hyphens and underscores.
// Underscores are not valid in host names (RFC 952) but exist in the wild;
// they cannot confuse a comparison, so they are let through.
func validHostname(h string) bool {
	if h == "" || len(h) > maxHostnameLen {
		return false
	}
	for label := range strings.SplitSeq(h, ".") {
		if label == "" || len(label) > maxLabelLen {
			return false
		}
		for i := 0; i < len(label); i++ {
			b := label[i]
			if !('a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
				return false
			}
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// HostFromURL returns the normalized host (see NormalizeHost) of an https URL
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

	host := NormalizeHost(scheme, authority)
	if host == "" {
		return "", fmt.Errorf("invalid host %q", authority)
	}
	return host, nil
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
