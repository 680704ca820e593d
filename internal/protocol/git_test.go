package protocol

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/host"
	"github.com/nxcred/nxcred/internal/testenv"
)

var parseGitRequestTests = []struct {
	name string
	in   string
	want GitRequest
	ok   bool
}{
	{"git 2.46 get",
		"capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=acme.api.eu.nexthink.cloud\nwwwauth[]=Bearer realm=\"example\"\nwwwauth[]=Basic realm=\"x\"\n\n",
		GitRequest{Protocol: "https", Host: "acme.api.eu.nexthink.cloud", Capabilities: []string{"authtype", "state"}}, true},
	{"eof without blank line", "protocol=https\nhost=h", GitRequest{Protocol: "https", Host: "h"}, true},
	{"stops at blank line", "host=h\n\nhost=evil.com\nno equals\n", GitRequest{Host: "h"}, true},
	{"crlf", "protocol=https\r\nhost=h\r\n\r\nhost=evil.com\n", GitRequest{Protocol: "https", Host: "h"}, true},
	{"empty input", "", GitRequest{}, true},
	{"only blank line", "\n", GitRequest{}, true},
	{"later value wins", "host=a\nhost=b\n", GitRequest{Host: "b"}, true},
	{"value with equals", "host=a=b\nprotocol==x\n", GitRequest{Host: "a=b", Protocol: "=x"}, true},
	{"unread keys", "path=a=b\nusername==x\nwwwauth[]=Basic realm=\"x\"\npassword=p\n", GitRequest{}, true},
	{"empty key[] clears", "capability[]=authtype\ncapability[]=\ncapability[]=state\nwwwauth[]=x\nwwwauth[]=\n", GitRequest{Capabilities: []string{"state"}}, true},
	{"unknown keys", "quit=1\nstate[]=nxcred:x\npassword_expiry_utc=5\n", GitRequest{}, true},
	{"url", "url=https://alice@acme.api.eu.nexthink.cloud:443/a/b/\n", GitRequest{Protocol: "https", Host: "acme.api.eu.nexthink.cloud:443"}, true},
	{"url then host", "url=https://a.example/\nhost=b.example\n", GitRequest{Protocol: "https", Host: "b.example"}, true},
	{"host then url", "username=bob\npath=p\nhost=b.example\nurl=https://a.example\n", GitRequest{Protocol: "https", Host: "a.example"}, true},
	{"url keeps capabilities", "capability[]=authtype\nurl=https://a.example\n", GitRequest{Protocol: "https", Host: "a.example", Capabilities: []string{"authtype"}}, true},
	{"no equals", "protocol=https\nhost\n", GitRequest{}, false},
	{"nul", "host=a\x00b\n", GitRequest{}, false},
	{"cr inside", "host=a\rb\n", GitRequest{}, false},
	{"cr at eof", "host=ab\r", GitRequest{}, false},
	{"two crs", "host=ab\r\r\n", GitRequest{}, false},
	{"url without scheme", "url=acme.api.eu.nexthink.cloud\n", GitRequest{}, false},
	{"url with encoded newline", "url=https://u%0a@h/\n", GitRequest{}, false},
	{"line of 65535", "path=" + strings.Repeat("a", 65530) + "\n", GitRequest{}, true},
	{"line of 65535 with crlf", "path=" + strings.Repeat("a", 65530) + "\r\n", GitRequest{}, true},
	{"line of 65535 at eof", "path=" + strings.Repeat("a", 65530), GitRequest{}, true},
	{"line of 65536", "path=" + strings.Repeat("a", 65531) + "\n", GitRequest{}, false},
	{"line of 65536 with crlf", "path=" + strings.Repeat("a", 65531) + "\r\n", GitRequest{}, false},
	{"line of 65536 at eof", "path=" + strings.Repeat("a", 65531), GitRequest{}, false},
	{"huge line", "path=" + strings.Repeat("a", 200000) + "\n", GitRequest{}, false},
	{"1000 lines", strings.Repeat("x=y\n", 1000), GitRequest{}, true},
	{"1000 lines then blank", strings.Repeat("x=y\n", 1000) + "\n" + strings.Repeat("x=y\n", 1000), GitRequest{}, true},
	{"1001 lines", strings.Repeat("x=y\n", 1001), GitRequest{}, false},
}

func TestParseGitRequest(t *testing.T) {
	for _, tt := range parseGitRequestTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseGitRequest(strings.NewReader(tt.in))
			short := tt.in
			if len(short) > 80 {
				short = short[:80] + "..."
			}
			if !tt.ok {
				if err == nil {
					t.Errorf("ParseGitRequest(%q) = %+v, want an error", short, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseGitRequest(%q) = %+v, %v, want %+v", short, got, err, tt.want)
			}
		})
	}
}

var splitGitURLTests = []struct {
	name, url                      string
	protocol, host, path, username string
	ok                             bool
}{
	{"host only", "https://acme.api.eu.nexthink.cloud", "https", "acme.api.eu.nexthink.cloud", "", "", true},
	{"user and path", "https://alice@acme.example/repo.git", "https", "acme.example", "repo.git", "alice", true},
	{"user, password, port, slashes", "https://us%40er:p%3Ass@acme.example:8443//a/b//", "https", "acme.example:8443", "a/b", "us@er", true},
	{"userinfo trick", "https://acme.api.eu.nexthink.cloud@evil.com/", "https", "evil.com", "", "acme.api.eu.nexthink.cloud", true},
	{"userinfo with port trick", "https://acme.api.eu.nexthink.cloud:443@evil.com/", "https", "evil.com", "", "acme.api.eu.nexthink.cloud", true},
	{"at in path", "https://evil.com/@acme.api.eu.nexthink.cloud", "https", "evil.com", "@acme.api.eu.nexthink.cloud", "", true},
	{"at in query", "https://evil.com?@acme.api.eu.nexthink.cloud", "https", "evil.com", "?@acme.api.eu.nexthink.cloud", "", true},
	{"at in fragment", "https://evil.com#@acme.api.eu.nexthink.cloud", "https", "evil.com", "#@acme.api.eu.nexthink.cloud", "", true},
	{"two ats", "https://a@b@evil.com/", "https", "b@evil.com", "", "a", true},
	{"colon after at", "https://a@h:8443", "https", "h:8443", "", "a", true},
	{"colon in path", "https://h/a:b@c", "https", "h", "a:b@c", "", true},
	{"percent host kept", "https://acme%2eapi.eu.nexthink.cloud/", "https", "acme%2eapi.eu.nexthink.cloud", "", "", true},
	{"nul escape kept", "https://h/%00", "https", "h", "%00", "", true},
	{"bad escapes kept", "https://h/%zz%4", "https", "h", "%zz%4", "", true},
	{"plus kept", "https://h/a+b", "https", "h", "a+b", "", true},
	{"encoded slash", "https://h/%2Fx/", "https", "h", "/x", "", true},
	{"only slashes", "https://h//", "https", "h", "", "", true},
	{"path of one slash after decode", "https://h/%2F", "https", "h", "/", "", true},
	{"empty host", "https:///x", "https", "", "x", "", true},
	{"nothing after scheme", "https://", "https", "", "", "", true},
	{"other protocol", "ssh://git@h:22/r", "ssh", "h:22", "r", "git", true},
	{"no scheme", "acme.api.eu.nexthink.cloud", "", "", "", "", false},
	{"empty scheme", "://h", "", "", "", "", false},
	{"encoded lf in user", "https://u%0aX@h/", "", "", "", "", false},
	{"encoded cr in path", "https://h/p%0d", "", "", "", "", false},
	{"encoded lf in host", "https://h%0a/", "https", "h%0a", "", "", true},
}

func TestSplitGitURL(t *testing.T) {
	for _, tt := range splitGitURLTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitGitURL(tt.url)
			if !tt.ok {
				if err == nil {
					t.Errorf("splitGitURL(%s) = %+v, want an error", tt.url, got)
				}
				return
			}
			want := gitURLParts{protocol: tt.protocol, host: tt.host, path: tt.path, username: tt.username}
			if err != nil || got != want {
				t.Errorf("splitGitURL(%s) = %+v, %v, want %+v", tt.url, got, err, want)
			}
			req, err := ParseGitRequest(strings.NewReader("url=" + tt.url + "\n"))
			if err != nil || req.Protocol != tt.protocol || req.Host != tt.host {
				t.Errorf("ParseGitRequest(url=%s) = %+v, %v, want protocol %q and host %q", tt.url, req, err, tt.protocol, tt.host)
			}
		})
	}
}

func TestGitHost(t *testing.T) {
	tests := []struct {
		name string
		req  GitRequest
		want string
	}{
		{"https", GitRequest{Protocol: "https", Host: "ACME.api.eu.nexthink.cloud"}, "acme.api.eu.nexthink.cloud"},
		{"https default port", GitRequest{Protocol: "https", Host: "acme.api.eu.nexthink.cloud:443"}, "acme.api.eu.nexthink.cloud"},
		{"https other port", GitRequest{Protocol: "https", Host: "extra.example.com:8443"}, "extra.example.com:8443"},
		{"http default port", GitRequest{Protocol: "http", Host: "h.example:80"}, "h.example"},
		{"443 on http", GitRequest{Protocol: "http", Host: "h.example:443"}, "h.example:443"},
		{"no host", GitRequest{Protocol: "https"}, ""},
		{"userinfo trick", GitRequest{Protocol: "https", Host: "b@evil.com"}, ""},
		{"percent host", GitRequest{Protocol: "https", Host: "acme%2eapi.eu.nexthink.cloud"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.req.GitHost(); got != tt.want {
				t.Errorf("GitRequest{Protocol: %q, Host: %q}.GitHost() = %q, want %q", tt.req.Protocol, tt.req.Host, got, tt.want)
			}
		})
	}
}

func TestHasCapability(t *testing.T) {
	r := GitRequest{Capabilities: []string{"authtype", "state"}}
	for _, tt := range []struct {
		name string
		want bool
	}{{"authtype", true}, {"state", true}, {"Authtype", false}, {"", false}} {
		if got := r.HasCapability(tt.name); got != tt.want {
			t.Errorf("HasCapability(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWriteGitCredential(t *testing.T) {
	authtype := GitRequest{Capabilities: []string{"authtype", "state"}}
	plain := GitRequest{}
	exp := strconv.FormatInt(testExpiry.Unix(), 10)
	tests := []struct {
		name     string
		req      GitRequest
		username string
		c        Credential
		want     string // "" means an error
	}{
		{"authtype with expiry", authtype, "nxcred", Credential{Token: testToken, TokenType: "Bearer", Expires: testExpiry},
			"capability[]=authtype\nauthtype=Bearer\ncredential=" + testToken + "\nephemeral=1\npassword_expiry_utc=" + exp + "\n"},
		{"authtype no expiry no username", authtype, "", Credential{Token: testToken},
			"capability[]=authtype\nauthtype=Bearer\ncredential=" + testToken + "\nephemeral=1\n"},
		{"password with expiry", plain, "nxcred", Credential{Token: testToken, Expires: testExpiry},
			"username=nxcred\npassword=" + testToken + "\npassword_expiry_utc=" + exp + "\n"},
		{"password no expiry", GitRequest{Capabilities: []string{"state"}}, "client-id", Credential{Token: testToken},
			"username=client-id\npassword=" + testToken + "\n"},
		{"password empty username", plain, "", Credential{Token: testToken}, ""},
		{"username lf", plain, "a\nquit=1", Credential{Token: testToken}, ""},
		{"username cr", authtype, "a\r", Credential{Token: testToken}, ""},
		{"username nul", plain, "a\x00", Credential{Token: testToken}, ""},
		{"token lf", authtype, "nxcred", Credential{Token: testToken + "\nquit=1"}, ""},
		{"token cr", plain, "nxcred", Credential{Token: testToken + "\r"}, ""},
		{"token nul", plain, "nxcred", Credential{Token: testToken + "\x00"}, ""},
		{"empty token", authtype, "nxcred", Credential{}, ""},
		{"expiry before epoch", plain, "nxcred", Credential{Token: testToken, Expires: time.Unix(-1, 0)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := WriteGitCredential(&rec, tt.req, tt.username, tt.c)
			testenv.CheckWriteResult(t, "WriteGitCredential", &rec, err, tt.c.Token)
			if tt.want == "" {
				if err == nil {
					t.Errorf("WriteGitCredential(%s) = %q, want an error", tt.name, rec.Buf.String())
				}
				return
			}
			if got := rec.Buf.String(); err != nil || got != tt.want {
				t.Errorf("WriteGitCredential(%s) = %q, %v, want %q", tt.name, got, err, tt.want)
			}
		})
	}
	if err := WriteGitCredential(testenv.FailWriter{}, plain, "nxcred", Credential{Token: testToken}); err == nil {
		t.Errorf("WriteGitCredential(failing writer) = nil, want an error")
	}
}

// formatGitRequest writes the named fields of r back as helper input.
func formatGitRequest(r GitRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol=%s\nhost=%s\n", r.Protocol, r.Host)
	for _, c := range r.Capabilities {
		fmt.Fprintf(&b, "capability[]=%s\n", c)
	}
	return b.String() + "\n"
}

func FuzzParseGitRequest(f *testing.F) {
	for _, tt := range parseGitRequestTests {
		if len(tt.in) < 1000 {
			f.Add(tt.in)
		}
	}
	for _, tt := range splitGitURLTests {
		f.Add("url=" + tt.url + "\n")
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseGitRequest(strings.NewReader(in))
		if err != nil {
			return
		}
		fields := append([]string{got.Protocol, got.Host}, got.Capabilities...)
		for _, v := range fields {
			if strings.ContainsAny(v, "\n\r\x00") {
				t.Fatalf("ParseGitRequest(%q) = %+v, a field contains CR, LF or NUL", in, got)
			}
		}
		if slices.Contains(got.Capabilities, "") {
			t.Fatalf("ParseGitRequest(%q).Capabilities = %q, want a list without \"\"", in, got.Capabilities)
		}
		if h := got.GitHost(); h != "" && host.Normalize(got.Protocol, h) != h {
			t.Fatalf("ParseGitRequest(%q).GitHost() = %q, not a normalized host", in, h)
		}
		again, err := ParseGitRequest(strings.NewReader(formatGitRequest(got)))
		if err != nil || !reflect.DeepEqual(again, got) {
			t.Fatalf("ParseGitRequest(%q) = %+v, but its re-encoding parses to %+v, %v", in, got, again, err)
		}
	})
}

func FuzzWriteGitCredential(f *testing.F) {
	f.Add(testToken, "nxcred", true, int64(1740831240))
	f.Add(testToken, "nxcred", false, int64(0))
	f.Add("tok\nquit=1", "u", false, int64(5))
	f.Add("tok", "u\r", true, int64(-5))
	f.Fuzz(func(t *testing.T, token, username string, authtype bool, unix int64) {
		req := GitRequest{}
		if authtype {
			req.Capabilities = []string{"authtype"}
		}
		c := Credential{Token: token}
		if unix != 0 {
			c.Expires = time.Unix(unix, 0)
		}
		var rec testenv.Recorder
		err := WriteGitCredential(&rec, req, username, c)
		testenv.CheckWriteResult(t, "WriteGitCredential", &rec, err, token)
		if err != nil {
			return
		}
		out := rec.Buf.String()
		got, err := ParseGitRequest(strings.NewReader(out))
		if err != nil {
			t.Fatalf("WriteGitCredential(%q, %q, %v) = %q, which does not parse: %v", token, username, authtype, out, err)
		}
		a := gitAttrs(out)
		if authtype {
			if !got.HasCapability("authtype") || !slices.Equal(a["authtype"], []string{"Bearer"}) ||
				!slices.Equal(a["credential"], []string{token}) || !slices.Equal(a["ephemeral"], []string{"1"}) || a["password"] != nil {
				t.Fatalf("WriteGitCredential(%q, %q, authtype) = %q, parses to %q", token, username, out, a)
			}
		} else {
			if !slices.Equal(a["username"], []string{username}) || !slices.Equal(a["password"], []string{token}) ||
				a["authtype"] != nil || a["credential"] != nil || a["ephemeral"] != nil || a["capability[]"] != nil {
				t.Fatalf("WriteGitCredential(%q, %q, no capability) = %q, parses to %q", token, username, out, a)
			}
		}
		wantExp := []string(nil)
		if unix != 0 {
			wantExp = []string{strconv.FormatInt(unix, 10)}
		}
		if !slices.Equal(a["password_expiry_utc"], wantExp) {
			t.Fatalf("WriteGitCredential(%q, %q, %v, %d) = %q, password_expiry_utc %q, want %q", token, username, authtype, unix, out, a["password_expiry_utc"], wantExp)
		}
	})
}

// gitAttrs reads helper lines the way git does, every key kept: for a key
// ending in "[]" each line appends and an empty value clears the list; any
// other key keeps its last value.
func gitAttrs(out string) map[string][]string {
	a := map[string][]string{}
	for line := range strings.Lines(out) {
		key, value, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		switch {
		case !strings.HasSuffix(key, "[]"):
			a[key] = []string{value}
		case value == "":
			a[key] = nil
		default:
			a[key] = append(a[key], value)
		}
	}
	return a
}
