package protocol

import (
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/testenv"
)

func TestWriteToken(t *testing.T) {
	now := testExpiry.Add(-14*time.Minute - 500*time.Millisecond)
	tests := []struct {
		name, format string
		c            Credential
		now          time.Time
		want         string // "" means an error
	}{
		{"raw", "raw", Credential{Token: testToken, Expires: testExpiry}, now, testToken + "\n"},
		{"header", "header", Credential{Token: testToken}, now, "Authorization: Bearer " + testToken + "\n"},
		{"json", "json", Credential{Token: testToken, TokenType: "Bearer", Expires: testExpiry}, now,
			`{"token_type":"Bearer","access_token":"` + testToken + `","expires_in":840,"expires_at":"2025-03-01T12:14:00Z"}` + "\n"},
		{"json expired", "json", Credential{Token: testToken, Expires: testExpiry}, testExpiry.Add(time.Hour),
			`{"token_type":"Bearer","access_token":"` + testToken + `","expires_in":0,"expires_at":"2025-03-01T12:14:00Z"}` + "\n"},
		{"json just under a second", "json", Credential{Token: testToken, Expires: testExpiry}, testExpiry.Add(-999 * time.Millisecond),
			`{"token_type":"Bearer","access_token":"` + testToken + `","expires_in":0,"expires_at":"2025-03-01T12:14:00Z"}` + "\n"},
		{"json far future", "json", Credential{Token: testToken, Expires: maxExpiry}, time.Unix(0, 0),
			`{"token_type":"Bearer","access_token":"` + testToken + `","expires_in":253402300799,"expires_at":"9999-12-31T23:59:59Z"}` + "\n"},
		{"json unknown expiry", "json", Credential{Token: testToken}, now,
			`{"token_type":"Bearer","access_token":"` + testToken + `"}` + "\n"},
		{"unknown format", "yaml", Credential{Token: testToken}, now, ""},
		{"format case", "RAW", Credential{Token: testToken}, now, ""},
		{"empty format", "", Credential{Token: testToken}, now, ""},
		{"header injection", "header", Credential{Token: testToken + "\nX-Evil: 1"}, now, ""},
		{"raw empty token", "raw", Credential{}, now, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec testenv.Recorder
			err := WriteToken(&rec, tt.format, tt.c, tt.now)
			testenv.CheckWriteResult(t, "WriteToken", &rec, err, tt.c.Token)
			if tt.want == "" {
				if err == nil {
					t.Errorf("WriteToken(%q, %s) = %q, want an error", tt.format, tt.name, rec.Buf.String())
				}
				return
			}
			if got := rec.Buf.String(); err != nil || got != tt.want {
				t.Errorf("WriteToken(%q, %s) = %q, %v, want %q", tt.format, tt.name, got, err, tt.want)
			}
		})
	}
	if err := WriteToken(testenv.ShortWriter{}, "raw", Credential{Token: testToken}, testExpiry); err == nil {
		t.Errorf("WriteToken(short writer) = nil, want an error")
	}
}

func FuzzWriteToken(f *testing.F) {
	for i, format := range TokenFormats {
		f.Add(format, testToken, int64(1740831240), int64(1740830000+int64(i)*1000), int64(i*1e8))
	}
	f.Add("json", "a==", int64(0), int64(0), int64(0))
	f.Add("yaml", "a", int64(1), int64(2), int64(3))
	f.Fuzz(func(t *testing.T, format, token string, expUnix, nowUnix, nanos int64) {
		c := Credential{Token: token}
		if expUnix != 0 {
			c.Expires = time.Unix(expUnix, nanos%1e9)
		}
		now := time.Unix(nowUnix, nanos/1e9%1e9)
		var rec testenv.Recorder
		err := WriteToken(&rec, format, c, now)
		if err != nil && quotes(token, format) {
			token = "" // the error may quote the format, which is not secret
		}
		testenv.CheckWriteResult(t, "WriteToken", &rec, err, token)
		if err != nil {
			return
		}
		out := rec.Buf.String()
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Fatalf("WriteToken(%q, %q) = %q, want exactly one line", format, token, out)
		}
		switch format {
		case "raw":
			if out != token+"\n" {
				t.Fatalf("WriteToken(raw, %q) = %q, want the token and a newline", token, out)
			}
		case "header":
			if out != "Authorization: Bearer "+token+"\n" {
				t.Fatalf("WriteToken(header, %q) = %q, want an Authorization header line", token, out)
			}
		case "json":
			var got struct {
				TokenType   string     `json:"token_type"`
				AccessToken string     `json:"access_token"`
				ExpiresIn   *int64     `json:"expires_in"`
				ExpiresAt   *time.Time `json:"expires_at"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("WriteToken(json, %q) = %q, not JSON: %v", token, out, err)
			}
			if got.TokenType != "Bearer" || got.AccessToken != token {
				t.Fatalf("WriteToken(json, %q) = %q, decodes to %+v", token, out, got)
			}
			if c.Expires.IsZero() {
				if got.ExpiresIn != nil || got.ExpiresAt != nil {
					t.Fatalf("WriteToken(json, no expiry) = %q, want no expires_in or expires_at", out)
				}
				return
			}
			if got.ExpiresIn == nil || got.ExpiresAt == nil {
				t.Fatalf("WriteToken(json, %v) = %q, want expires_in and expires_at", c.Expires, out)
			}
			if want := wholeSecondsUntil(now, c.Expires); *got.ExpiresIn != want {
				t.Fatalf("WriteToken(json, exp %v, now %v) = %q, expires_in %d is not the whole seconds until expiry, %d", c.Expires, now, out, *got.ExpiresIn, wholeSecondsUntil(now, c.Expires))
			}
			if !got.ExpiresAt.Equal(c.Expires.Truncate(time.Second)) {
				t.Fatalf("WriteToken(json, exp %v) = %q, expires_at %v", c.Expires, out, got.ExpiresAt)
			}
		}
	})
}

// wholeSecondsUntil is floor((t - now) / 1s), at least 0, in exact
// arithmetic.
func wholeSecondsUntil(now, t time.Time) int64 {
	ns := func(x time.Time) *big.Int {
		v := new(big.Int).Mul(big.NewInt(x.Unix()), big.NewInt(1e9))
		return v.Add(v, big.NewInt(int64(x.Nanosecond())))
	}
	d := new(big.Int).Sub(ns(t), ns(now))
	if d.Sign() <= 0 {
		return 0
	}
	return d.Div(d, big.NewInt(1e9)).Int64()
}
