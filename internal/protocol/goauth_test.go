package protocol

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// goAuthResponse is what the go command writes on stdin after a 4xx
// (cmd/go/internal/auth, writeResponseToStdin): LF line ends, then a blank line.
const goAuthResponse = "HTTP/1.1 401 Unauthorized\nContent-Type: text/plain; charset=utf-8\nWww-Authenticate: Bearer realm=\"nexthink\"\n\n"

var parseGoAuthTests = []struct {
	name       string
	args       []string
	stdin      string
	wantURL    string // "" with ok means no URL
	wantStatus int
	ok         bool
}{
	{"first call", nil, "", "", 0, true},
	{"first call ignores stdin", []string{}, "garbage", "", 0, true},
	{"401", []string{"https://acme.api.eu.nexthink.cloud/mod/@v/list"}, goAuthResponse, "https://acme.api.eu.nexthink.cloud/mod/@v/list", 401, true},
	{"404 http/2", []string{"https://proxy.example/x"}, "HTTP/2.0 404 Not Found\n\n", "https://proxy.example/x", 404, true},
	{"crlf", []string{"https://proxy.example/x"}, "HTTP/1.1 403 Forbidden\r\nA: b\r\n\r\n", "https://proxy.example/x", 403, true},
	{"no stdin", []string{"https://proxy.example/x"}, "", "https://proxy.example/x", 0, true},
	{"blank stdin", []string{"https://proxy.example/x"}, "\n", "https://proxy.example/x", 0, true},
	{"headers without final blank line", []string{"https://proxy.example/x"}, "HTTP/1.1 401 Unauthorized\nA: b\n", "", 0, false},
	{"not a status line", []string{"https://proxy.example/x"}, "hello\n\n", "", 0, false},
	{"bad status", []string{"https://proxy.example/x"}, "HTTP/1.1 4x1 Bad\n\n", "", 0, false},
	{"status below 100", []string{"https://proxy.example/x"}, "HTTP/1.1 001 Low\n\n", "", 0, false},
	{"status above 599", []string{"https://proxy.example/x"}, "HTTP/1.1 600 High\n\n", "", 0, false},
	{"two urls", []string{"https://a.example/", "https://b.example/"}, goAuthResponse, "", 0, false},
	{"http url", []string{"http://proxy.example/x"}, goAuthResponse, "", 0, false},
	{"no host", []string{"https:///x"}, goAuthResponse, "", 0, false},
	{"relative", []string{"/x"}, goAuthResponse, "", 0, false},
	{"bad url", []string{"https://a b/"}, goAuthResponse, "", 0, false},
}

func TestParseGoAuth(t *testing.T) {
	for _, tt := range parseGoAuthTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGoAuth(tt.args, strings.NewReader(tt.stdin))
			if !tt.ok {
				if err == nil {
					t.Errorf("ParseGoAuth(%q, %q) = %+v, want an error", tt.args, tt.stdin, got)
				}
				return
			}
			gotURL := ""
			if got.URL != nil {
				gotURL = got.URL.String()
			}
			if err != nil || gotURL != tt.wantURL || got.Status != tt.wantStatus {
				t.Errorf("ParseGoAuth(%q, %q) = {%q, %d}, %v, want {%q, %d}", tt.args, tt.stdin, gotURL, got.Status, err, tt.wantURL, tt.wantStatus)
			}
		})
	}
}

// Only 401 and 403 refuse the token; a proxy's 404 or 410 says "not here".
func TestGoAuthRefused(t *testing.T) {
	for status, want := range map[int]bool{0: false, 400: false, 401: true, 403: true, 404: false, 407: false, 410: false, 429: false, 500: false} {
		if got := (GoAuthRequest{Status: status}).Refused(); got != want {
			t.Errorf("GoAuthRequest{Status: %d}.Refused() = %v, want %v", status, got, want)
		}
	}
}

// stdinTrap fails the test if read.
type stdinTrap struct{ t *testing.T }

func (s stdinTrap) Read([]byte) (int, error) {
	s.t.Errorf("ParseGoAuth read stdin on the URL-less call")
	return 0, errors.New("unexpected read")
}

func TestParseGoAuthStdin(t *testing.T) {
	if _, err := ParseGoAuth(nil, stdinTrap{t}); err != nil {
		t.Errorf("ParseGoAuth(nil, stdin) = %v, want success", err)
	}
	if got, err := ParseGoAuth([]string{"https://h.example/"}, nil); err != nil || got.Status != 0 {
		t.Errorf("ParseGoAuth(url, nil stdin) = %+v, %v, want Status 0", got, err)
	}
	big := "HTTP/1.1 401 Unauthorized\nX: " + strings.Repeat("a", 1<<20) + "\n\n"
	if _, err := ParseGoAuth([]string{"https://h.example/"}, strings.NewReader(big)); err == nil {
		t.Errorf("ParseGoAuth(url, >1 MiB stdin) = nil error, want an error")
	}
}

func FuzzParseGoAuth(f *testing.F) {
	for _, tt := range parseGoAuthTests {
		if len(tt.args) <= 1 {
			u := ""
			if len(tt.args) == 1 {
				u = tt.args[0]
			}
			f.Add(u, tt.stdin)
		}
	}
	f.Fuzz(func(t *testing.T, rawURL, stdin string) {
		var args []string
		if rawURL != "" {
			args = []string{rawURL}
		}
		got, err := ParseGoAuth(args, strings.NewReader(stdin))
		if err != nil {
			return
		}
		if rawURL == "" {
			if got != (GoAuthRequest{}) {
				t.Fatalf("ParseGoAuth(no args, %q) = %+v, want zero", stdin, got)
			}
			return
		}
		if got.URL == nil || got.URL.Scheme != "https" || got.URL.Host == "" {
			t.Fatalf("ParseGoAuth(%q, %q).URL = %v, want an https URL with a host", rawURL, stdin, got.URL)
		}
		if got.Status != 0 && (got.Status < 100 || got.Status > 599) {
			t.Fatalf("ParseGoAuth(%q, %q).Status = %d, want 0 or 100-599", rawURL, stdin, got.Status)
		}
	})
}

// parseGoAuthOutput is the go command's parseUserAuth
// (cmd/go/internal/auth/userauth.go): credential sets of URL lines, a blank
// line, "Name: value" header lines, a blank line. It returns
// prefix (without "https://") → header.
func parseGoAuthOutput(data string) (map[string]http.Header, error) {
	creds := map[string]http.Header{}
	for data != "" {
		var line string
		var ok bool
		var urls []string
		for {
			if line, data, ok = strings.Cut(data, "\n"); !ok {
				return nil, errors.New("missing empty line after URLs")
			}
			if line == "" {
				break
			}
			u, err := url.ParseRequestURI(line)
			if err != nil {
				return nil, fmt.Errorf("could not parse URL %s: %v", line, err)
			}
			urls = append(urls, u.String())
		}
		header := http.Header{}
		for {
			if line, data, ok = strings.Cut(data, "\n"); !ok {
				return nil, errors.New("missing empty line after headers")
			}
			if line == "" {
				break
			}
			name, value, ok := strings.Cut(line, ": ")
			value = strings.TrimSpace(value)
			if !ok || name == "" || strings.ContainsAny(name, " \t\r\n:") || strings.ContainsAny(value, "\r\n\x00") {
				return nil, errors.New("invalid header line")
			}
			header.Add(name, value)
		}
		for _, p := range urls {
			p = strings.TrimSuffix(strings.TrimPrefix(p, "https://"), "/")
			creds[p] = header.Clone()
		}
	}
	return creds, nil
}

func TestWriteGoAuth(t *testing.T) {
	tests := []struct {
		name     string
		prefixes []string
		c        Credential
		want     string // "-" means an error
	}{
		{"one host", []string{"acme.api.eu.nexthink.cloud"}, Credential{Token: testToken, Expires: testExpiry},
			"https://acme.api.eu.nexthink.cloud/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"two prefixes", []string{"acme.api.eu.nexthink.cloud", "extra.example.com:8443"}, Credential{Token: testToken},
			"https://acme.api.eu.nexthink.cloud/\n\nAuthorization: Bearer " + testToken + "\n\n" +
				"https://extra.example.com:8443/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"full url", []string{"https://proxy.example/mods/"}, Credential{Token: testToken},
			"https://proxy.example/mods/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"bare path", []string{"proxy.example/mods"}, Credential{Token: testToken},
			"https://proxy.example/mods/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"ipv6", []string{"2001:db8::1"}, Credential{Token: testToken},
			"https://[2001:db8::1]/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"ipv6 port", []string{"[2001:db8::1]:8443"}, Credential{Token: testToken},
			"https://[2001:db8::1]:8443/\n\nAuthorization: Bearer " + testToken + "\n\n"},
		{"no prefixes", nil, Credential{}, ""},
		{"empty prefix", []string{""}, Credential{Token: testToken}, "-"},
		{"http prefix", []string{"http://h.example/"}, Credential{Token: testToken}, "-"},
		{"newline in prefix", []string{"h.example\n\nAuthorization: Bearer x"}, Credential{Token: testToken}, "-"},
		{"space in prefix", []string{"h.example/a b"}, Credential{Token: testToken}, "-"},
		{"query in prefix", []string{"https://h.example/?x"}, Credential{Token: testToken}, "-"},
		{"userinfo in prefix", []string{"https://u@h.example/"}, Credential{Token: testToken}, "-"},
		{"no host", []string{"https:///x"}, Credential{Token: testToken}, "-"},
		{"second prefix bad", []string{"h.example", "http://x/"}, Credential{Token: testToken}, "-"},
		{"empty token", []string{"h.example"}, Credential{}, "-"},
		{"token with newline", []string{"h.example"}, Credential{Token: "abc\n\nhttps://evil.com/"}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := WriteGoAuth(&rec, tt.prefixes, tt.c)
			if tt.want == "-" {
				testenv.CheckWriteResult(t, "WriteGoAuth", &rec, err, tt.c.Token)
				if err == nil {
					t.Errorf("WriteGoAuth(%q) = %q, want an error", tt.prefixes, rec.Buf.String())
				}
				return
			}
			if got := rec.Buf.String(); err != nil || got != tt.want {
				t.Errorf("WriteGoAuth(%q) = %q, %v, want %q", tt.prefixes, got, err, tt.want)
			}
			if _, err := parseGoAuthOutput(rec.Buf.String()); err != nil {
				t.Errorf("WriteGoAuth(%q) = %q, which the go command rejects: %v", tt.prefixes, rec.Buf.String(), err)
			}
		})
	}
}

func FuzzWriteGoAuth(f *testing.F) {
	f.Add("acme.api.eu.nexthink.cloud", "", testToken)
	f.Add("https://proxy.example/mods/", "extra.example.com:8443", testToken)
	f.Add("2001:db8::1", "h\n", "a=")
	f.Fuzz(func(t *testing.T, p1, p2, token string) {
		prefixes := []string{p1}
		if p2 != "" {
			prefixes = append(prefixes, p2)
		}
		var rec testenv.Recorder
		err := WriteGoAuth(&rec, prefixes, Credential{Token: token})
		if err != nil && quotes(token, p1, p2) {
			token = "" // the error may quote a prefix, which is not secret
		}
		testenv.CheckWriteResult(t, "WriteGoAuth", &rec, err, token)
		if err != nil {
			return
		}
		out := rec.Buf.String()
		creds, err := parseGoAuthOutput(out)
		if err != nil {
			t.Fatalf("WriteGoAuth(%q, %q) = %q, which the go command rejects: %v", prefixes, token, out, err)
		}
		if len(creds) == 0 || len(creds) > len(prefixes) {
			t.Fatalf("WriteGoAuth(%q, %q) = %q, parses to %d prefixes", prefixes, token, out, len(creds))
		}
		for p, h := range creds {
			if len(h) != 1 || len(h["Authorization"]) != 1 || h.Get("Authorization") != "Bearer "+token {
				t.Fatalf("WriteGoAuth(%q, %q) = %q, prefix %q gets headers %q", prefixes, token, out, p, h)
			}
			// Every prefix the go command will match names a host; the host
			// is the one the caller gave, as HostFromURL reads it.
			host, _, _ := strings.Cut(p, "/")
			if host == "" {
				t.Fatalf("WriteGoAuth(%q) = %q, prefix %q has no host", prefixes, out, p)
			}
		}
	})
}
