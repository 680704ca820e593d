package protocol

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/host"
)

// testToken looks like the JWTs Nexthink issues.
const testToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJueGNyZWQifQ.c2lnbmF0dXJl-_"

var testExpiry = time.Date(2025, 3, 1, 12, 14, 0, 0, time.UTC)

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

// splitNormalized splits a host.Normalize result into host and port.
func splitNormalized(h string) (name, port string, ip6 bool) {
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		return h[1:end], h[end+2:], true
	}
	if strings.Count(h, ":") > 1 {
		return h, "", true
	}
	name, port, _ = strings.Cut(h, ":")
	return name, port, false
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
		if got == "" || host.Normalize("https", got) != got {
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
		name, _, ip6 := splitNormalized(got)
		if !ip6 && !strings.Contains(strings.ToLower(in), name) {
			t.Fatalf("HostFromURL(%q) = %q, host %q is not in the input", in, got, name)
		}
		// Where the input is a URL, net/url finds the same host.
		if scheme, _, ok := strings.Cut(in, "://"); ok && validScheme(scheme) {
			u, err := url.Parse(in)
			if err != nil {
				t.Fatalf("HostFromURL(%q) = %q, but net/url fails: %v", in, got, err)
			}
			if !strings.EqualFold(u.Scheme, "https") || host.Normalize(u.Scheme, u.Host) != got {
				t.Fatalf("HostFromURL(%q) = %q, but net/url reads %s://%s", in, got, u.Scheme, u.Host)
			}
		}
	})
}
