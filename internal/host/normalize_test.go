package host

import (
	"net/url"
	"strings"
	"testing"
)

// normalizeTests are shared by the unit test and the fuzz seeds.
var normalizeTests = []struct {
	name, scheme, in, want string
}{
	{"plain", "https", "acme.api.eu.nexthink.cloud", "acme.api.eu.nexthink.cloud"},
	{"upper case", "https", "ACME.Api.EU.Nexthink.Cloud", "acme.api.eu.nexthink.cloud"},
	{"trailing dot", "https", "acme.api.eu.nexthink.cloud.", "acme.api.eu.nexthink.cloud"},
	{"two trailing dots", "https", "acme.api.eu.nexthink.cloud..", ""},
	{"trailing dot and port", "https", "acme.api.eu.nexthink.cloud.:443", "acme.api.eu.nexthink.cloud"},
	{"https default port", "https", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud"},
	{"no scheme default port", "", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud"},
	{"upper-case scheme", "HTTPS", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud"},
	{"443 on http", "http", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud:443"},
	{"http default port", "http", "example.com:80", "example.com"},
	{"80 on https", "https", "example.com:80", "example.com:80"},
	{"other scheme keeps 443", "grpcs", "example.com:443", "example.com:443"},
	{"extra host port", "https", "extra.example.com:8443", "extra.example.com:8443"},
	{"port leading zeros", "https", "extra.example.com:08443", "extra.example.com:8443"},
	{"default port leading zeros", "https", "extra.example.com:0443", "extra.example.com"},
	{"empty port", "https", "extra.example.com:", "extra.example.com"},
	{"port zero", "https", "example.com:0", ""},
	{"port too big", "https", "example.com:65536", ""},
	{"port max", "https", "example.com:65535", "example.com:65535"},
	{"port sign", "https", "example.com:+443", ""},
	{"port hex", "https", "example.com:0x1bb", ""},
	{"two ports", "https", "example.com:443:443", ""},
	{"ipv4", "https", "192.0.2.1:443", "192.0.2.1"},
	{"ipv6 bracketed", "https", "[2001:DB8::1]", "2001:db8::1"},
	{"ipv6 default port", "https", "[2001:db8::1]:443", "2001:db8::1"},
	{"ipv6 port", "https", "[2001:db8::1]:8443", "[2001:db8::1]:8443"},
	{"ipv6 bare", "https", "2001:db8::1", "2001:db8::1"},
	{"ipv6 long form", "https", "[2001:0db8:0:0:0:0:0:1]", "2001:db8::1"},
	{"ipv6 zone", "https", "[fe80::1%25eth0]", ""},
	{"ipv6 raw zone", "https", "fe80::1%eth0", ""},
	{"ipv4 in brackets", "https", "[192.0.2.1]", ""},
	{"ipv6 junk after bracket", "https", "[::1]x", ""},
	{"ipv6 unclosed", "https", "[::1", ""},
	{"ipv6 empty port", "https", "[::1]:", "::1"},
	{"punycode", "https", "xn--bcher-kva.example", "xn--bcher-kva.example"},
	{"underscore", "https", "my_host.example", "my_host.example"},
	{"suffix attack stays distinct", "https", "acme.api.eu.nexthink.cloud.evil.com", "acme.api.eu.nexthink.cloud.evil.com"},
	{"userinfo", "https", "acme.api.eu.nexthink.cloud@evil.com", ""},
	{"backslash", "https", `evil.com\acme.api.eu.nexthink.cloud`, ""},
	{"slash", "https", "acme.api.eu.nexthink.cloud/x", ""},
	{"percent", "https", "acme%2eapi.eu.nexthink.cloud", ""},
	{"leading space", "https", " acme.api.eu.nexthink.cloud", ""},
	{"trailing newline", "https", "acme.api.eu.nexthink.cloud\n", ""},
	{"tab inside", "https", "acme.api\t.eu.nexthink.cloud", ""},
	{"nul", "https", "acme.api.eu.nexthink.cloud\x00.evil.com", ""},
	{"del", "https", "acme\x7f.example", ""},
	{"kelvin sign", "https", "\u212Acme.example", ""},
	{"cyrillic a", "https", "\u0430cme.api.eu.nexthink.cloud", ""},
	{"fullwidth dot", "https", "acme\uff0eexample", ""},
	{"empty", "https", "", ""},
	{"only dot", "https", ".", ""},
	{"only port", "https", ":443", ""},
	{"empty label", "https", "a..b", ""},
	{"leading dot", "https", ".example.com", ""},
	{"label 63", "https", strings.Repeat("a", 63) + ".com", strings.Repeat("a", 63) + ".com"},
	{"label 64", "https", strings.Repeat("a", 64) + ".com", ""},
	{"name too long", "https", strings.Repeat("a.", 127) + "com", ""},
	{"query", "https", "example.com?x", ""},
	{"star", "https", "*.example.com", ""},
}

func TestNormalize(t *testing.T) {
	for _, tt := range normalizeTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.scheme, tt.in); got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q, want %q", tt.scheme, tt.in, got, tt.want)
			}
		})
	}
}

// hostAllowedByte is the alphabet of a non-empty Normalize result.
func hostAllowedByte(b byte) bool {
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || strings.IndexByte("-_.:[]", b) >= 0
}

// splitNormalized splits a Normalize result into host and port.
func splitNormalized(h string) (host, port string, ip6 bool) {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		return h[1:end], h[end+2:], true
	}
	if strings.Count(h, ":") > 1 {
		return h, "", true
	}
	host, port, _ = strings.Cut(h, ":")
	return host, port, false
}

func FuzzNormalize(f *testing.F) {
	for _, tt := range normalizeTests {
		f.Add(tt.scheme, tt.in)
	}
	f.Fuzz(func(t *testing.T, scheme, in string) {
		got := Normalize(scheme, in)
		if got == "" {
			return
		}
		if again := Normalize(scheme, got); again != got {
			t.Fatalf("Normalize(%q, %q) = %q, not idempotent: NormalizeHost of it = %q", scheme, in, got, again)
		}
		for i := 0; i < len(got); i++ {
			if !hostAllowedByte(got[i]) {
				t.Fatalf("Normalize(%q, %q) = %q, contains byte %q outside [a-z0-9-_.:[]]", scheme, in, got, got[i])
			}
		}
		host, port, ip6 := splitNormalized(got)
		if strings.HasSuffix(host, ".") {
			t.Fatalf("Normalize(%q, %q) = %q, want no trailing dot", scheme, in, got)
		}
		if port != "" && (port[0] == '0' || port == "443" && defaultPort(scheme) == 443 || port == "80" && defaultPort(scheme) == 80) {
			t.Fatalf("Normalize(%q, %q) = %q, want a non-default port without leading zeros", scheme, in, got)
		}
		// The result names the same host the input did: a name is the input's
		// own text, lower-cased, never something built from elsewhere.
		if !ip6 && !strings.Contains(strings.ToLower(in), host) {
			t.Fatalf("Normalize(%q, %q) = %q, host %q is not in the input", scheme, in, got, host)
		}
		// net/url agrees on where the host is.
		if d := defaultPort(scheme); d == 443 {
			hp := got
			if ip6 && port == "" {
				hp = "[" + got + "]"
			}
			u, err := url.Parse("https://" + hp + "/")
			if err != nil {
				t.Fatalf("Normalize(%q, %q) = %q, which net/url cannot parse: %v", scheme, in, got, err)
			}
			if back := Normalize("https", u.Host); back != got {
				t.Fatalf("Normalize(%q, %q) = %q, but net/url reads host %q from it", scheme, in, got, back)
			}
		}
	})
}
