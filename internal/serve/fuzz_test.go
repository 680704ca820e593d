package serve

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// The token endpoint's reader of outside input: Authorization, Content-Type
// and the form. It must not panic, must answer only the documented errors,
// and must accept only the local client id and key.
func FuzzTokenRequest(f *testing.F) {
	key := strings.Repeat("k", keyLen)
	form := "application/x-www-form-urlencoded"
	f.Add(basic(ClientID, key), form, []byte("grant_type=client_credentials"))
	f.Add("", form, []byte("grant_type=client_credentials&client_id="+ClientID+"&client_secret="+key+"&scope=service%3Aintegration"))
	f.Add("Basic !!!", form+"; charset=utf-8", []byte("grant_type=client_credentials"))
	f.Add("Basic "+"bnhjcmVkLWxvY2FsOiUlJQ==", form, []byte("grant_type=x&grant_type=y"))
	f.Add("Bearer x", "text/plain", []byte("%zz"))
	f.Add(basic(ClientID+"%", key), form, []byte("a=%;b=1"))
	codes := map[string]bool{"invalid_request": true, "invalid_client": true, "unsupported_grant_type": true, "invalid_scope": true}
	s := &Server{key: key, cfg: Config{Scope: DefaultScope}}
	f.Fuzz(func(t *testing.T, authorization, contentType string, body []byte) {
		tr, oe := parseTokenRequest(authorization, contentType, body)
		if oe == nil {
			oe = s.checkTokenRequest(tr)
		}
		if oe == nil {
			if tr.clientID != ClientID || tr.secret != key || tr.grant != "client_credentials" {
				t.Fatalf("accepted %+v", tr)
			}
			return
		}
		if !codes[oe.code] || (oe.status != http.StatusBadRequest && oe.status != http.StatusUnauthorized) {
			t.Fatalf("error %d %q is not a documented answer", oe.status, oe.code)
		}
		if !utf8.ValidString(oe.description) {
			t.Fatalf("description %q is not UTF-8", oe.description)
		}
	})
}

// AgentToken's reader of the agent's answer: no panic; a token only with a
// valid bearer syntax; an error that never copies the answer.
func FuzzAgentResponse(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"abc","expires_at":"2026-11-23T10:10:00Z"}`))
	f.Add(404, []byte(`{"error":"not_served","error_description":"not served by this agent"}`))
	f.Add(502, []byte(`{"error":"token_unavailable"}`))
	f.Add(401, []byte(`{}`))
	f.Add(200, []byte(`{"access_token":"a\u0000","expires_at":"x"}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		tok, err := parseAgentResponse(status, body)
		if err == nil {
			if status != 200 || !validTokenSyntax(tok.Access) || tok.Expiry.IsZero() {
				t.Fatalf("accepted %d %+v", status, tok)
			}
			return
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "nxcred agent") && err != ErrNotServed {
			t.Fatalf("error %q is not one of the agent's", msg)
		}
		if len(msg) > 200 {
			t.Fatalf("error %q is too long: it copies the answer", msg)
		}
	})
}

// The agent endpoint's reader of a nested nxcred's request.
func FuzzAgentRequest(f *testing.F) {
	f.Add([]byte(`{"identity":"x","fresh":true,"min_valid_seconds":60}`))
	f.Add([]byte(`{"identity":"x"} {}`))
	f.Add([]byte(`{"identity":"","min_valid_seconds":1e99}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := parseAgentRequest(body)
		if err == nil && (req.Identity == "" || req.MinValidSeconds < 0 || req.MinValidSeconds > 86400) {
			t.Fatalf("accepted %+v", req)
		}
	})
}

// NXCRED_AGENT's reader: whatever it accepts is loopback http with a key.
func FuzzParseAgent(f *testing.F) {
	key := strings.Repeat("k", keyLen)
	f.Add("http://127.0.0.1:8080/" + key)
	f.Add("http://[::1]:1/" + key)
	f.Add("http://localhost:65535/" + key + "?")
	f.Add("http://0x7f.1:80/" + key)
	f.Fuzz(func(t *testing.T, value string) {
		a, err := ParseAgent(value)
		if err != nil {
			return
		}
		host := strings.TrimPrefix(a.base, "http://")
		h := host[:strings.LastIndex(host, ":")]
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if !strings.HasPrefix(a.base, "http://") || !isLoopbackHost(h) || !validKeySyntax(a.key) {
			t.Fatalf("ParseAgent(%q) = %+v", value, a)
		}
	})
}
