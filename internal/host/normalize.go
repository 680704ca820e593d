package host

import (
	"net/netip"
	"strconv"
	"strings"
)

// Normalize returns the canonical form of a "host[:port]" as used for host
// scoping, or "" when hostport is not a host nxcred will ever hand a token
// to. "" matches nothing, so callers compare the result with their
// configured hosts (which Validate holds to this form) and never need to
// special-case it.
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
//     dropped (an absolute name is the same host), then it must be a name
//     read leniently (see the package comment): 1 to 253 bytes of
//     dot-separated labels of 1 to 63 letters, digits, "-" or "_";
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
// Normalize is idempotent: Normalize(s, Normalize(s, h)) equals
// Normalize(s, h).
func Normalize(scheme, hostport string) string {
	if !printableASCII(hostport) {
		return ""
	}
	name, port, ip6, ok := splitPort(strings.ToLower(hostport))
	if !ok {
		return ""
	}
	if name, ok = canonicalName(name, ip6); !ok {
		return ""
	}
	if port, ok = canonicalPort(scheme, port); !ok {
		return ""
	}
	switch {
	case port == "":
		return name
	case ip6:
		return "[" + name + "]:" + port
	default:
		return name + ":" + port
	}
}

// printableASCII reports whether hostport is non-empty printable ASCII
// without space, and short enough to be a name and a port.
func printableASCII(hostport string) bool {
	if hostport == "" || len(hostport) > MaxName+len("[]:65535") {
		return false
	}
	for i := 0; i < len(hostport); i++ {
		if b := hostport[i]; b <= ' ' || b >= 0x7f {
			return false
		}
	}
	return true
}

// splitPort splits a lower-cased "host[:port]" into the host and the port
// ("" when there is none or it is empty), and says whether the host is an
// IPv6 literal (bracketed, or bare with two or more colons). A bare IPv6
// literal cannot carry a port: the colons would be ambiguous.
func splitPort(s string) (name, port string, ip6, ok bool) {
	switch {
	case s[0] == '[':
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", false, false
		}
		rest := s[end+1:]
		if rest != "" && rest[0] != ':' {
			return "", "", false, false
		}
		return s[1:end], strings.TrimPrefix(rest, ":"), true, true
	case strings.Count(s, ":") > 1:
		return s, "", true, true
	}
	name, port, _ = strings.Cut(s, ":")
	return name, port, false, true
}

// canonicalName is an IPv6 literal in its RFC 5952 form (no zone), or a
// name or IPv4 address without its trailing dot.
func canonicalName(name string, ip6 bool) (string, bool) {
	if ip6 {
		addr, err := netip.ParseAddr(name)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return "", false
		}
		return addr.String(), true
	}
	name = strings.TrimSuffix(name, ".")
	return name, isName(name, true)
}

// canonicalPort is port without leading zeros, or "" for no port, an empty
// one or the scheme's default.
func canonicalPort(scheme, port string) (string, bool) {
	if port == "" {
		return "", true
	}
	if !allDigits(port) {
		return "", false
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", false
	}
	if n == defaultPort(scheme) {
		return "", true
	}
	return strconv.FormatUint(n, 10), true
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

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
