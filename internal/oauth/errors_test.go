package oauth

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestFromServer: the endpoint's words lose a long secret whole (as written
// and percent-encoded) and any Basic or Bearer credential, and are withheld
// whole when they hold a secret too short to remove without garbling them.
func TestFromServer(t *testing.T) {
	t.Parallel()
	const secret = "p+q/r=s:t%41u"
	enc := url.QueryEscape(secret) // as it travels in the Basic header
	tests := []struct {
		name, in, secret, want string
	}{
		{"whole", "got " + secret + " here", secret, "got [redacted] here"},
		{"percent-encoded", "got " + enc + " here", secret, "got [redacted] here"},
		{"both, twice", secret + enc + secret, secret, "[redacted][redacted][redacted]"},
		{"absent", "nothing to see", secret, "nothing to see"},
		{"empty secret", "nothing to see", "", "nothing to see"},
		{"bearer", "Authorization: Bearer eyJhbGciOi.x.y", secret, "Authorization: Bearer [redacted]"},
		{"short secret echoed", "a s3cret b", "s3cret", withheld},
		{"one letter", "Internal Server Error", "e", withheld},
		{"one letter absent", "Gat timout", "z", "Gat timout"},
		{"folded into the secret", "pass\tword", "pass word", withheld},
		{"control characters", "a\x1b[2Jb\r\nc", secret, "a [2Jb c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := strings.NewReplacer(`\t`, "\t", `\x1b`, "\x1b", `\r`, "\r", `\n`, "\n").Replace(tt.in)
			if got := fromServer(in, tt.secret); got != tt.want {
				t.Errorf("fromServer(%q, %q) = %q, want %q", in, tt.secret, got, tt.want)
			}
		})
	}
}

// The RFC 6749 error codes are the standard's words: shown even when a
// one-letter secret is in them; another code is the server's text.
func TestErrorCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ code, secret, want string }{
		{"invalid_client", "e", "invalid_client"},
		{"E0000047", "E0000047x", "E0000047"},
		{"custom_error", "e", withheld},
		{"bad\nline", "zz", "bad line"},
	} {
		code := strings.ReplaceAll(tt.code, `\n`, "\n")
		if got := errorCode(code, tt.secret); got != tt.want {
			t.Errorf("errorCode(%q, %q) = %q, want %q", code, tt.secret, got, tt.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	t.Parallel()
	const secret = "p+q/r=s:t%41u"
	tests := []struct {
		name string
		body string
		want string
	}{
		{"empty", "", "(empty body)"},
		{"only white space", " \r\n\t ", "(empty body)"},
		{"quoted", `{"a":1}`, `"{\"a\":1}"`},
		{"control characters folded", "a\x00b\nc\r\nd\x1b[31me\x7ff", `"a b c d [31me f"`},
		{"white space collapsed", "a   \t\t  b", `"a b"`},
		{"secret removed", "echo " + secret + " and " + url.QueryEscape(secret), `"echo [redacted] and [redacted]"`},
		{"long", strings.Repeat("a", 1<<20), strconv.Quote(strings.Repeat("a", excerptLen) + "...")},
		{"secret before the cut", strings.Repeat("a", 150) + secret + strings.Repeat("b", 500),
			strconv.Quote(strings.Repeat("a", 150) + "[redacted]" + strings.Repeat("b", excerptLen-160) + "...")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := excerpt([]byte(tt.body), secret); got != tt.want {
				t.Errorf("excerpt(%.40q..., secret) = %q, want %q", tt.body, got, tt.want)
			}
		})
	}
}

// FuzzExcerpt: whatever the body, the excerpt is one short quoted line
// without the secret.
func FuzzExcerpt(f *testing.F) {
	f.Add([]byte("<html>\r\n<body>oops</body>"), "s3cret0")
	f.Add([]byte("xx s3cret0 yy"), "s3cret0")
	f.Add([]byte(strings.Repeat("é", 300)), "9abcdef")
	f.Add([]byte("\xff\xfe\x00\x1b[2J"), "0000")
	f.Add([]byte("Internal Server Error"), "e")
	f.Fuzz(func(t *testing.T, body []byte, secret string) {
		got := excerpt(body, secret)
		if got == "(body not shown: it contains the client secret)" {
			return
		}
		if got == "(empty body)" {
			if strings.TrimFunc(string(body), func(r rune) bool { return r <= ' ' || r == 0x7f }) != "" {
				t.Fatalf("excerpt(%q) = %q, want an excerpt of a non-blank body", body, got)
			}
			return
		}
		if len(got) > 2+4*(excerptLen+3) {
			t.Fatalf("excerpt(%q) is %d bytes, want at most %d", body, len(got), 2+4*(excerptLen+3))
		}
		s, err := strconv.Unquote(got)
		if err != nil {
			t.Fatalf("excerpt(%q) = %s, want a Go-quoted string: %v", body, got, err)
		}
		if secret != "" && strings.Contains(s, secret) {
			t.Fatalf("excerpt(%q, %q) = %s, contains the secret", body, secret, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("excerpt(%q) = %q, contains a control character", body, got)
		}
	})
}

func jwtWith(claims string) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString([]byte(claims)) + ".c2ln"
}

func TestJWTExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  string
		want int64 // 0: not a usable exp
	}{
		{"exp", jwtWith(`{"exp":1900000000}`), 1900000000},
		{"exp with fraction", jwtWith(`{"exp":1900000000.9}`), 1900000000},
		{"padded payload", strings.Replace(jwtWith(`{"exp":1900000000}`), ".c2ln", "", 1) + "==.c2ln", 1900000000},
		{"no exp", jwtWith(`{"sub":"x"}`), 0},
		{"exp string", jwtWith(`{"exp":"1900000000"}`), 1900000000}, // lenient, and only ever shortens
		{"exp zero", jwtWith(`{"exp":0}`), 0},
		{"exp negative", jwtWith(`{"exp":-1}`), 0},
		{"exp absurd", jwtWith(`{"exp":1e12}`), 0},
		{"payload not json", jwtWith(`nope`), 0},
		{"payload not base64", "a.!!!.c", 0},
		{"two parts", "a.b", 0},
		{"four parts", jwtWith(`{"exp":1900000000}`) + ".d", 0},
		{"opaque", "tok-1-abcdef", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := jwtExpiry(tt.tok)
			if ok != (tt.want != 0) || (ok && got.Unix() != tt.want) {
				t.Errorf("jwtExpiry(%q) = %v, %v; want %d, %v", tt.tok, got.Unix(), ok, tt.want, tt.want != 0)
			}
		})
	}
}

// FuzzJWTExpiry: any token, no panic, and a found exp is a sane time.
func FuzzJWTExpiry(f *testing.F) {
	f.Add(jwtWith(`{"exp":1900000000}`))
	f.Add(jwtWith(`{"exp":1e400}`))
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		exp, ok := jwtExpiry(tok)
		if ok && (exp.Unix() <= 0 || exp.Unix() > 1e11) {
			t.Fatalf("jwtExpiry(%q) = %v, want none or a time in (0, 1e11] s", tok, exp)
		}
	})
}

func TestExpiresIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    any
		want  time.Duration
		known bool
		err   bool
	}{
		{"nil", nil, 0, false, false},
		{"float", 900.0, 900 * time.Second, true, false},
		{"json number", json.Number("900"), 900 * time.Second, true, false},
		{"string", "900", 900 * time.Second, true, false},
		{"empty string", "", 0, false, false},
		{"max", 86400.0, 24 * time.Hour, true, false},
		{"over max", 86401.0, 0, false, true},
		{"zero", 0.0, 0, false, true},
		{"negative", -1.0, 0, false, true},
		{"fraction", 900.5, 0, false, true},
		{"string fraction", "900.5", 0, false, true},
		{"string abc", "abc", 0, false, true},
		{"json number abc", json.Number("abc"), 0, false, true},
		{"bool", true, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, known, err := expiresIn(tt.in)
			if got != tt.want || known != tt.known || (err != nil) != tt.err {
				t.Errorf("expiresIn(%#v) = %s, %v, %v; want %s, %v, error %v", tt.in, got, known, err, tt.want, tt.known, tt.err)
			}
		})
	}
}

// excerpt folds white space before it redacts, so a secret with white space
// in it is no longer found.
func TestExcerptSecretWithWhiteSpace(t *testing.T) {
	t.Parallel()
	const secret = "pass  word\tx"
	if got := excerpt([]byte("echo "+secret), secret); strings.Contains(got, "pass word x") {
		t.Errorf("excerpt(echo %q) = %s, shows the secret", secret, got)
	}
}

// A body that holds a short secret is not quoted at all: removing the
// secret would garble it and show where its letters are.
func TestExcerptShortSecret(t *testing.T) {
	t.Parallel()
	if got, want := excerpt([]byte("echo x9z"), "x9z"), "(body not shown: it contains the client secret)"; got != want {
		t.Errorf("excerpt(%q, %q) = %q, want %q", "echo x9z", "x9z", got, want)
	}
}

// A proxy page that echoes the request headers shows the Basic header, which
// is the id and secret in base64, which the secret's rule does not know.
func TestRedactBasicHeader(t *testing.T) {
	t.Parallel()
	basic := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(testClientID) + ":" + url.QueryEscape(testSecret)))
	body := "<pre>Authorization: Basic " + basic + "</pre>"
	if got := excerpt([]byte(body), testSecret); strings.Contains(got, basic) {
		t.Errorf("excerpt(%q) = %s, shows the Basic credentials", body, got)
	}
}
