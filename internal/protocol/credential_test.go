package protocol

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testToken looks like the JWTs Nexthink issues.
const testToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJueGNyZWQifQ.c2lnbmF0dXJl-_"

var testExpiry = time.Date(2025, 3, 1, 12, 14, 0, 0, time.UTC)

// recorder counts Write calls, so tests can check that a writer hands its
// whole payload over at once.
type recorder struct {
	writes int
	buf    strings.Builder
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	return r.buf.Write(p)
}

// failWriter fails every Write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// shortWriter accepts one byte less than it is given.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return max(len(p)-1, 0), nil }

// checkWriteResult holds the invariants every writer promises: on error
// nothing was written and the error does not contain the token; on success
// exactly one Write happened.
func checkWriteResult(t *testing.T, name string, rec *recorder, err error, token string) {
	t.Helper()
	if err != nil {
		if rec.writes != 0 {
			t.Errorf("%s: error %q after %d writes (%q), want nothing written", name, err, rec.writes, rec.buf.String())
		}
		if len(token) >= 8 && strings.Contains(err.Error(), token) {
			t.Errorf("%s: error %q contains the token", name, err)
		}
		return
	}
	if rec.writes != 1 {
		t.Errorf("%s: %d writes, want 1", name, rec.writes)
	}
}

// quotes reports whether s, or its %q form, contains token: an error may
// quote a non-secret input, and a token that is part of it proves nothing.
func quotes(token string, inputs ...string) bool {
	for _, s := range inputs {
		if strings.Contains(s, token) || strings.Contains(fmt.Sprintf("%q", s), token) {
			return true
		}
	}
	return false
}

func TestCheckCredential(t *testing.T) {
	tests := []struct {
		name string
		c    Credential
		ok   bool
	}{
		{"jwt", Credential{Token: testToken, TokenType: "Bearer", Expires: testExpiry}, true},
		{"no type no expiry", Credential{Token: testToken}, true},
		{"lower-case bearer", Credential{Token: testToken, TokenType: "bearer"}, true},
		{"b64 padding", Credential{Token: "abc+/~=="}, true},
		{"empty", Credential{}, false},
		{"only padding", Credential{Token: "=="}, false},
		{"padding inside", Credential{Token: "ab=cd"}, false},
		{"space", Credential{Token: "ab cd"}, false},
		{"newline", Credential{Token: "abcd\nX-Evil: 1"}, false},
		{"cr", Credential{Token: "abcd\r"}, false},
		{"nul", Credential{Token: "ab\x00cd"}, false},
		{"quote", Credential{Token: `ab"cd`}, false},
		{"non-ascii", Credential{Token: "abcé"}, false},
		{"mac type", Credential{Token: testToken, TokenType: "MAC"}, false},
		{"before epoch", Credential{Token: testToken, Expires: time.Unix(-5, 0)}, false},
		{"at epoch", Credential{Token: testToken, Expires: time.Unix(0, 0)}, false},
		{"year 10000", Credential{Token: testToken, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"last second of 9999", Credential{Token: testToken, Expires: maxExpiry}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCredential(tt.c)
			if got := err == nil; got != tt.ok {
				t.Errorf("checkCredential(%s) error = %v, want ok %v", tt.name, err, tt.ok)
			}
			if err != nil && len(tt.c.Token) >= 4 && strings.Contains(err.Error(), tt.c.Token) {
				t.Errorf("checkCredential(%s) error %q contains the token", tt.name, err)
			}
		})
	}
}

// normalizeHostTests are shared by the unit test and the fuzz seeds.
var normalizeHostTests = []struct {
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

func TestNormalizeHost(t *testing.T) {
	for _, tt := range normalizeHostTests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeHost(tt.scheme, tt.in); got != tt.want {
				t.Errorf("NormalizeHost(%q, %q) = %q, want %q", tt.scheme, tt.in, got, tt.want)
			}
		})
	}
}

// hostAllowedByte is the alphabet of a non-empty NormalizeHost result.
func hostAllowedByte(b byte) bool {
	return 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || strings.IndexByte("-_.:[]", b) >= 0
}

// splitNormalized splits a NormalizeHost result into host and port.
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

func FuzzNormalizeHost(f *testing.F) {
	for _, tt := range normalizeHostTests {
		f.Add(tt.scheme, tt.in)
	}
	f.Fuzz(func(t *testing.T, scheme, in string) {
		got := NormalizeHost(scheme, in)
		if got == "" {
			return
		}
		if again := NormalizeHost(scheme, got); again != got {
			t.Fatalf("NormalizeHost(%q, %q) = %q, not idempotent: NormalizeHost of it = %q", scheme, in, got, again)
		}
		for i := 0; i < len(got); i++ {
			if !hostAllowedByte(got[i]) {
				t.Fatalf("NormalizeHost(%q, %q) = %q, contains byte %q outside [a-z0-9-_.:[]]", scheme, in, got, got[i])
			}
		}
		host, port, ip6 := splitNormalized(got)
		if strings.HasSuffix(host, ".") {
			t.Fatalf("NormalizeHost(%q, %q) = %q, want no trailing dot", scheme, in, got)
		}
		if port != "" && (port[0] == '0' || port == "443" && defaultPort(scheme) == 443 || port == "80" && defaultPort(scheme) == 80) {
			t.Fatalf("NormalizeHost(%q, %q) = %q, want a non-default port without leading zeros", scheme, in, got)
		}
		// The result names the same host the input did: a name is the input's
		// own text, lower-cased, never something built from elsewhere.
		if !ip6 && !strings.Contains(strings.ToLower(in), host) {
			t.Fatalf("NormalizeHost(%q, %q) = %q, host %q is not in the input", scheme, in, got, host)
		}
		// net/url agrees on where the host is.
		if d := defaultPort(scheme); d == 443 {
			hp := got
			if ip6 && port == "" {
				hp = "[" + got + "]"
			}
			u, err := url.Parse("https://" + hp + "/")
			if err != nil {
				t.Fatalf("NormalizeHost(%q, %q) = %q, which net/url cannot parse: %v", scheme, in, got, err)
			}
			if back := NormalizeHost("https", u.Host); back != got {
				t.Fatalf("NormalizeHost(%q, %q) = %q, but net/url reads host %q from it", scheme, in, got, back)
			}
		}
	})
}

// hostFromURLTests are shared by the unit test and the fuzz seeds; want ""
// means an error.
var hostFromURLTests = []struct {
	name, in, want string
}{
	{"https url", "https://acme.api.eu.nexthink.cloud/", "acme.api.eu.nexthink.cloud"},
	{"no path", "https://acme.api.eu.nexthink.cloud", "acme.api.eu.nexthink.cloud"},
	{"upper case, port, query, fragment", "HTTPS://ACME.api.eu.nexthink.cloud:443/api/v1?x=1#f", "acme.api.eu.nexthink.cloud"},
	{"bare host", "acme.api.eu.nexthink.cloud", "acme.api.eu.nexthink.cloud"},
	{"bare host default port", "acme.api.eu.nexthink.cloud:443", "acme.api.eu.nexthink.cloud"},
	{"bare host path", "acme.api.eu.nexthink.cloud/v1/", "acme.api.eu.nexthink.cloud"},
	{"bare host query after path", "acme.api.eu.nexthink.cloud/v1?next=https://evil.com", "acme.api.eu.nexthink.cloud"},
	{"extra host port", "extra.example.com:8443", "extra.example.com:8443"},
	{"extra host url port", "https://extra.example.com:8443/x", "extra.example.com:8443"},
	{"ipv6 url", "https://[2001:db8::1]:8443/", "[2001:db8::1]:8443"},
	{"ipv6 bare", "[2001:db8::1]:5000/v2/", "[2001:db8::1]:5000"},
	{"docker hub", "https://index.docker.io/v1/", "index.docker.io"},
	{"trailing dot", "https://acme.api.eu.nexthink.cloud./", "acme.api.eu.nexthink.cloud"},
	{"fragment at sign", "https://acme.api.eu.nexthink.cloud#@evil.com", "acme.api.eu.nexthink.cloud"},
	{"fragment at sign other way", "https://evil.com#@acme.api.eu.nexthink.cloud", "evil.com"},
	{"query at sign", "https://evil.com?@acme.api.eu.nexthink.cloud/", "evil.com"},
	{"suffix attack", "https://acme.api.eu.nexthink.cloud.evil.com/", "acme.api.eu.nexthink.cloud.evil.com"},
	{"empty", "", ""},
	{"scheme only", "https://", ""},
	{"empty host", "https:///api", ""},
	{"http", "http://acme.api.eu.nexthink.cloud/", ""},
	{"ftp", "ftp://acme.api.eu.nexthink.cloud/", ""},
	{"host as scheme", "acme.api.eu.nexthink.cloud://x", ""},
	{"scheme without slashes", "https:acme.api.eu.nexthink.cloud", ""},
	{"scheme-relative", "//acme.api.eu.nexthink.cloud/", ""},
	{"userinfo", "https://acme.api.eu.nexthink.cloud@evil.com/", ""},
	{"userinfo with port", "https://acme.api.eu.nexthink.cloud:443@evil.com/", ""},
	{"user and password", "https://u:p@acme.api.eu.nexthink.cloud/", ""},
	{"bare userinfo", "acme.api.eu.nexthink.cloud@evil.com", ""},
	{"backslash", `https://evil.com\@acme.api.eu.nexthink.cloud/`, ""},
	{"backslash path", `https://acme.api.eu.nexthink.cloud\.evil.com/`, ""},
	{"percent host", "https://acme%2Eapi.eu.nexthink.cloud/", ""},
	{"percent utf-8 host", "https://%D0%B0cme.api.eu.nexthink.cloud/", ""},
	{"percent bare", "acme%2eapi.eu.nexthink.cloud", ""},
	{"leading space", " https://acme.api.eu.nexthink.cloud/", ""},
	{"trailing newline", "https://acme.api.eu.nexthink.cloud/\n", ""},
	{"space in host", "https://acme .api.eu.nexthink.cloud/", ""},
	{"tab in path", "https://acme.api.eu.nexthink.cloud/a\tb", ""},
	{"nul", "https://acme.api.eu.nexthink.cloud\x00.evil.com/", ""},
	{"cyrillic", "https://\u0430cme.api.eu.nexthink.cloud/", ""},
	{"bad port", "https://acme.api.eu.nexthink.cloud:99999/", ""},
	{"letters port", "https://acme.api.eu.nexthink.cloud:https/", ""},
	{"query in bare host", "evil.com?https://acme.api.eu.nexthink.cloud", ""},
	{"bare path only", "/v1/", ""},
}

func TestHostFromURL(t *testing.T) {
	for _, tt := range hostFromURLTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := HostFromURL(tt.in)
			if tt.want == "" {
				if err == nil {
					t.Errorf("HostFromURL(%q) = %q, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("HostFromURL(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzHostFromURL(f *testing.F) {
	for _, tt := range hostFromURLTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := HostFromURL(in)
		if err != nil {
			if got != "" {
				t.Fatalf("HostFromURL(%q) = %q, %v, want \"\" with the error", in, got, err)
			}
			return
		}
		if got == "" || NormalizeHost("https", got) != got {
			t.Fatalf("HostFromURL(%q) = %q, not a normalized host", in, got)
		}
		if strings.ContainsAny(in, "\\ \t\r\n\x00") {
			t.Fatalf("HostFromURL(%q) = %q, want an error for a backslash, space or control character", in, got)
		}
		authority, _, _ := strings.Cut(in, "/")
		if scheme, rest, ok := strings.Cut(in, "://"); ok && validScheme(scheme) {
			authority, _, _ = cutAny(rest, "/?#")
		}
		if strings.ContainsAny(authority, "@%") {
			t.Fatalf("HostFromURL(%q) = %q, want an error for userinfo or percent-encoding in %q", in, got, authority)
		}
		host, _, ip6 := splitNormalized(got)
		if !ip6 && !strings.Contains(strings.ToLower(in), host) {
			t.Fatalf("HostFromURL(%q) = %q, host %q is not in the input", in, got, host)
		}
		// Where the input is a URL, net/url finds the same host.
		if scheme, _, ok := strings.Cut(in, "://"); ok && validScheme(scheme) {
			u, err := url.Parse(in)
			if err != nil {
				t.Fatalf("HostFromURL(%q) = %q, but net/url fails: %v", in, got, err)
			}
			if !strings.EqualFold(u.Scheme, "https") || NormalizeHost(u.Scheme, u.Host) != got {
				t.Fatalf("HostFromURL(%q) = %q, but net/url reads %s://%s", in, got, u.Scheme, u.Host)
			}
		}
	})
}
