package protocol

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/testenv"
)

var parseBazelRequestTests = []struct {
	name, in, want string // want "" means an error; else the URL's String()
}{
	{"plain", `{"uri":"https://acme.api.eu.nexthink.cloud/api/v1/nql/execute"}`, "https://acme.api.eu.nexthink.cloud/api/v1/nql/execute"},
	{"newline and space", " {\n  \"uri\": \"https://h.example/x?y=1\"\n}\n", "https://h.example/x?y=1"},
	{"unknown properties", `{"extra":{"a":[1,null,"x"]},"uri":"https://h.example/","more":true}`, "https://h.example/"},
	{"grpcs", `{"uri":"grpcs://remote.example.com"}`, "grpcs://remote.example.com"},
	{"escaped", `{"uri":"https:\/\/h.example\/\u0061"}`, "https://h.example/a"},
	{"upper-case key is unknown", `{"URI":"https://evil.com/","uri":"https://h.example/"}`, "https://h.example/"},
	{"missing uri", `{"url":"https://h.example/"}`, ""},
	{"only upper-case key", `{"URI":"https://h.example/"}`, ""},
	{"duplicate uri", `{"uri":"https://h.example/","uri":"https://evil.com/"}`, ""},
	{"null uri", `{"uri":null}`, ""},
	{"number uri", `{"uri":5}`, ""},
	{"empty uri", `{"uri":""}`, ""},
	{"relative uri", `{"uri":"/path"}`, ""},
	{"no host", `{"uri":"file:///etc/passwd"}`, ""},
	{"opaque", `{"uri":"mailto:a@example.com"}`, ""},
	{"control char", `{"uri":"https://h.example/\u0000"}`, ""},
	{"array", `[{"uri":"https://h.example/"}]`, ""},
	{"two objects", `{"uri":"https://h.example/"}{"uri":"https://evil.com/"}`, ""},
	{"trailing garbage", `{"uri":"https://h.example/"} x`, ""},
	{"truncated", `{"uri":"https://h.example/"`, ""},
	{"empty", ``, ""},
	{"null", `null`, ""},
}

func TestParseBazelRequest(t *testing.T) {
	for _, tt := range parseBazelRequestTests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseBazelRequest(strings.NewReader(tt.in))
			if tt.want == "" {
				if err == nil {
					t.Errorf("ParseBazelRequest(%s) = %v, want an error", tt.in, got)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("ParseBazelRequest(%s) = %v, %v, want %s", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseBazelRequestSize(t *testing.T) {
	pad := func(n int) string {
		prefix, suffix := `{"uri":"https://h.example/","pad":"`, `"}`
		return prefix + strings.Repeat("a", n-len(prefix)-len(suffix)) + suffix
	}
	if _, err := ParseBazelRequest(strings.NewReader(pad(1 << 20))); err != nil {
		t.Errorf("ParseBazelRequest(1 MiB) = %v, want success", err)
	}
	if _, err := ParseBazelRequest(strings.NewReader(pad(1<<20 + 1))); err == nil {
		t.Errorf("ParseBazelRequest(1 MiB + 1) = nil error, want an error")
	}
}

func FuzzParseBazelRequest(f *testing.F) {
	for _, tt := range parseBazelRequestTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseBazelRequest(strings.NewReader(in))
		if err != nil {
			if u != nil {
				t.Fatalf("ParseBazelRequest(%q) = %v, %v, want nil with the error", in, u, err)
			}
			return
		}
		if !u.IsAbs() || u.Host == "" {
			t.Fatalf("ParseBazelRequest(%q) = %v, want an absolute URL with a host", in, u)
		}
		// Encoding the URL again as a request gives the same scheme and host.
		b, err := json.Marshal(map[string]string{"uri": u.String()})
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseBazelRequest(strings.NewReader(string(b)))
		if err != nil || again.Scheme != u.Scheme || again.Host != u.Host {
			t.Fatalf("ParseBazelRequest(%s) = %v, %v, want scheme %q host %q (round trip of %q)", b, again, err, u.Scheme, u.Host, in)
		}
	})
}

func TestWriteBazelResponse(t *testing.T) {
	tests := []struct {
		name string
		c    *Credential
		want string // "" means an error
	}{
		{"with expiry", &Credential{Token: testToken, TokenType: "Bearer", Expires: testExpiry},
			`{"headers":{"Authorization":["Bearer ` + testToken + `"]},"expires":"2025-03-01T12:14:00Z"}` + "\n"},
		{"fraction and zone dropped", &Credential{Token: testToken, Expires: time.Date(2025, 3, 1, 7, 14, 0, 500, time.FixedZone("EST", -5*3600))},
			`{"headers":{"Authorization":["Bearer ` + testToken + `"]},"expires":"2025-03-01T12:14:00Z"}` + "\n"},
		{"no expiry", &Credential{Token: testToken},
			`{"headers":{"Authorization":["Bearer ` + testToken + `"]}}` + "\n"},
		{"foreign host", nil, `{"headers":{}}` + "\n"},
		{"empty token", &Credential{}, ""},
		{"token with quote", &Credential{Token: `a"b`}, ""},
		{"expiry year 10000", &Credential{Token: testToken, Expires: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := WriteBazelResponse(&rec, tt.c)
			token := ""
			if tt.c != nil {
				token = tt.c.Token
			}
			testenv.CheckWriteResult(t, "WriteBazelResponse", &rec, err, token)
			if tt.want == "" {
				if err == nil {
					t.Errorf("WriteBazelResponse(%s) = %q, want an error", tt.name, rec.Buf.String())
				}
				return
			}
			if got := rec.Buf.String(); err != nil || got != tt.want {
				t.Errorf("WriteBazelResponse(%s) = %q, %v, want %q", tt.name, got, err, tt.want)
			}
		})
	}
	if err := WriteBazelResponse(testenv.FailWriter{}, nil); err == nil {
		t.Errorf("WriteBazelResponse(failing writer) = nil, want an error")
	}
}

// bazelExpiresLayout is Bazel's Java pattern yyyy-MM-dd'T'HH:mm:ssXXX
// (GetCredentialsResponse.java) for a UTC instant.
const bazelExpiresLayout = "2006-01-02T15:04:05Z"

func FuzzWriteBazelResponse(f *testing.F) {
	f.Add(testToken, int64(1740831240), false)
	f.Add("", int64(0), true)
	f.Add("a\"b", int64(1), false)
	f.Fuzz(func(t *testing.T, token string, unix int64, foreign bool) {
		var c *Credential
		if !foreign {
			c = &Credential{Token: token}
			if unix != 0 {
				c.Expires = time.Unix(unix, 0)
			}
		}
		var rec testenv.Recorder
		err := WriteBazelResponse(&rec, c)
		testenv.CheckWriteResult(t, "WriteBazelResponse", &rec, err, token)
		if err != nil {
			return
		}
		out := rec.Buf.String()
		var got struct {
			Headers map[string][]string `json:"headers"`
			Expires *string             `json:"expires"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || !strings.HasSuffix(out, "}\n") {
			t.Fatalf("WriteBazelResponse(%q, %d, %v) = %q, not one JSON object and a newline: %v", token, unix, foreign, out, err)
		}
		if foreign {
			if got.Headers == nil || len(got.Headers) != 0 || got.Expires != nil {
				t.Fatalf("WriteBazelResponse(nil) = %q, want {\"headers\":{}}", out)
			}
			return
		}
		if len(got.Headers) != 1 || len(got.Headers["Authorization"]) != 1 || got.Headers["Authorization"][0] != "Bearer "+token {
			t.Fatalf("WriteBazelResponse(%q, %d) = %q, want one Authorization: Bearer header", token, unix, out)
		}
		switch {
		case unix == 0 && got.Expires != nil:
			t.Fatalf("WriteBazelResponse(%q, 0) = %q, want no expires", token, out)
		case unix != 0:
			if got.Expires == nil {
				t.Fatalf("WriteBazelResponse(%q, %d) = %q, want expires", token, unix, out)
			}
			exp, err := time.Parse(bazelExpiresLayout, *got.Expires)
			if err != nil || exp.Unix() != unix {
				t.Fatalf("WriteBazelResponse(%q, %d) = %q, expires %q parses as %v, %v", token, unix, out, *got.Expires, exp, err)
			}
		}
	})
}
