package serve

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAgentToken(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, nil)
	identity := ts.s.cfg.Identity
	ctx := context.Background()

	tok, err := AgentToken(ctx, nil, ts.info.AgentURL, identity, Need{MinValid: 90 * time.Second})
	if err != nil {
		t.Fatalf("AgentToken(served identity) = %v", err)
	}
	if tok.Access != tokenName(1) || !tok.Expiry.Equal(ts.tokens.expiry) {
		t.Errorf("AgentToken = %q %v, want %q %v", tok.Access, tok.Expiry, tokenName(1), ts.tokens.expiry)
	}
	tok, err = AgentToken(ctx, noRedirect(), ts.info.AgentURL, identity, Need{Fresh: true, MinValid: 1500 * time.Millisecond})
	if err != nil || tok.Access != tokenName(2) {
		t.Fatalf("AgentToken(fresh) = %q, %v; want %q", tok.Access, err, tokenName(2))
	}
	ts.tokens.mu.Lock()
	needs := append([]Need(nil), ts.tokens.needs...)
	ts.tokens.mu.Unlock()
	want := []Need{{MinValid: 90 * time.Second}, {Fresh: true, MinValid: 2 * time.Second}}
	if len(needs) != 2 || needs[0] != want[0] || needs[1] != want[1] {
		t.Errorf("token path got %+v, want %+v (min validity rounded up to seconds)", needs, want)
	}

	_, err = AgentToken(ctx, nil, ts.info.AgentURL, identity+"-other", Need{})
	if !errors.Is(err, ErrNotServed) {
		t.Errorf("AgentToken(other identity) = %v, want ErrNotServed", err)
	}

	wrong := ts.info.BaseURL + "/" + strings.Repeat("A", keyLen)
	_, err = AgentToken(ctx, nil, wrong, identity, Need{})
	if err == nil || errors.Is(err, ErrNotServed) || !strings.Contains(err.Error(), "401") {
		t.Errorf("AgentToken(wrong key) = %v, want a refusal that is not ErrNotServed", err)
	}
	if err != nil {
		assertNoSecret(t, "the error", err.Error(), ts.info.ClientSecret, strings.Repeat("A", keyLen))
	}
	if plain, fresh := ts.tokens.counts(); plain != 1 || fresh != 1 {
		t.Errorf("token path calls = %d plain, %d fresh; want 1 and 1 (refusals call nothing)", plain, fresh)
	}
}

func TestAgentEndpointRefusals(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, func(c *Config) { c.Identity = "" })
	tests := []struct {
		name, method, url, body string
		status                  int
	}{
		{"no identity served", "POST", ts.info.AgentURL + agentPath, `{"identity":""}`, 400},
		{"empty identity configured", "POST", ts.info.AgentURL + agentPath, `{"identity":"x"}`, 404},
		{"unknown field", "POST", ts.info.AgentURL + agentPath, `{"identity":"x","secret":1}`, 400},
		{"two values", "POST", ts.info.AgentURL + agentPath, `{"identity":"x"}{}`, 400},
		{"negative validity", "POST", ts.info.AgentURL + agentPath, `{"identity":"x","min_valid_seconds":-1}`, 400},
		{"GET", "GET", ts.info.AgentURL + agentPath, ``, 405},
		{"no key", "POST", ts.info.BaseURL + agentPath, `{"identity":"x"}`, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
		})
	}
}

func TestAgentTokenPathFails(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, nil)
	ts.tokens.setErr(errTokenPath)
	_, err := AgentToken(context.Background(), nil, ts.info.AgentURL, ts.s.cfg.Identity, Need{})
	if err == nil || errors.Is(err, ErrNotServed) || !strings.Contains(err.Error(), "token_unavailable") {
		t.Errorf("AgentToken = %v, want a token_unavailable error", err)
	}
}

func TestParseAgent(t *testing.T) {
	key := strings.Repeat("k", keyLen)
	good := []string{
		"http://127.0.0.1:8080/" + key,
		"http://127.0.0.2:1/" + key,
		"http://[::1]:8080/" + key,
		"http://localhost:8080/" + key,
	}
	for _, v := range good {
		if _, err := ParseAgent(v); err != nil {
			t.Errorf("ParseAgent(%q) = %v, want nil", v, err)
		}
	}
	bad := []string{
		"",
		"https://127.0.0.1:8080/" + key,
		"http://127.0.0.1/" + key,
		"http://127.0.0.1:0/" + key,
		"http://127.0.0.1:08080/" + key,
		"http://127.0.0.1:70000/" + key,
		"http://0.0.0.0:8080/" + key,
		"http://192.168.1.10:8080/" + key,
		"http://example.com:8080/" + key,
		"http://localhost.example.com:8080/" + key,
		"http://[fe80::1%25lo]:8080/" + key,
		"http://user:pw@127.0.0.1:8080/" + key,
		"http://127.0.0.1:8080/" + key + "/",
		"http://127.0.0.1:8080/" + key + "?x=1",
		"http://127.0.0.1:8080/" + key + "?",
		"http://127.0.0.1:8080/" + key + "#f",
		"http://127.0.0.1:8080/" + key[1:],
		"http://127.0.0.1:8080/" + key[1:] + "%",
		"http://127.0.0.1:8080/" + key[1:] + "+",
		"http://127.0.0.1:8080/x/" + key,
		"http:127.0.0.1:8080/" + key,
		"127.0.0.1:8080/" + key,
	}
	for _, v := range bad {
		if _, err := ParseAgent(v); err == nil {
			t.Errorf("ParseAgent(%q) = nil, want an error", v)
		} else {
			assertNoSecret(t, "the error", err.Error(), key[1:])
		}
	}
}

func TestParseAgentResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string // token, or "" for an error
	}{
		{"token", 200, `{"access_token":"abc.def-ghi_","expires_at":"2026-11-23T10:10:00Z"}`, "abc.def-ghi_"},
		{"no token", 200, `{"expires_at":"2026-11-23T10:10:00Z"}`, ""},
		{"token with space", 200, `{"access_token":"a b","expires_at":"2026-11-23T10:10:00Z"}`, ""},
		{"token with newline", 200, `{"access_token":"a\nb","expires_at":"2026-11-23T10:10:00Z"}`, ""},
		{"no expiry", 200, `{"access_token":"abc"}`, ""},
		{"not json", 200, `abc`, ""},
		{"too large", 200, `{"access_token":"` + strings.Repeat("a", maxAgentResponse) + `","expires_at":"2026-11-23T10:10:00Z"}`, ""},
		{"server error", 500, `<html>secret-ish page</html>`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := parseAgentResponse(tt.status, []byte(tt.body))
			if tt.want != "" {
				if err != nil || tok.Access != tt.want {
					t.Errorf("parseAgentResponse = %q, %v; want %q", tok.Access, err, tt.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("parseAgentResponse = %q, want an error", tok.Access)
			}
			if strings.Contains(err.Error(), "secret-ish") {
				t.Errorf("error %q copies the answer", err)
			}
		})
	}
}
