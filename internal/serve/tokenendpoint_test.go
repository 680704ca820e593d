package serve

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func TestTokenEndpoint(t *testing.T) {
	up := newUpstream(t, nil)
	ts := start(t, up.srv.URL, nil)
	key := ts.info.ClientSecret
	good := `{"token_type":"Bearer","expires_in":599,"access_token":"` + tokenName(1) + `","scope":"service:integration"}` + "\n"
	form := "application/x-www-form-urlencoded"
	tests := []struct {
		name    string
		method  string
		auth    string
		ctype   string
		body    string
		status  int
		code    string // OAuth2 error; "" for success
		wwwAuth bool
	}{
		{"good basic", "POST", basic(ClientID, key), form, "grant_type=client_credentials", 200, "", false},
		{"good basic with charset", "POST", basic(ClientID, key), form + "; charset=utf-8", "grant_type=client_credentials", 200, "", false},
		{"form credentials", "POST", "", form, "grant_type=client_credentials&client_id=" + ClientID + "&client_secret=" + key, 200, "", false},
		{"served scope", "POST", basic(ClientID, key), form, "grant_type=client_credentials&scope=service%3Aintegration", 200, "", false},
		{"other scope", "POST", basic(ClientID, key), form, "grant_type=client_credentials&scope=admin", 400, "invalid_scope", false},
		{"wrong secret", "POST", basic(ClientID, mangle(key)), form, "grant_type=client_credentials", 401, "invalid_client", true},
		{"wrong client id", "POST", basic("someone", key), form, "grant_type=client_credentials", 401, "invalid_client", true},
		{"no credentials", "POST", "", form, "grant_type=client_credentials", 401, "invalid_client", true},
		{"form secret only", "POST", "", form, "grant_type=client_credentials&client_secret=" + key, 401, "invalid_client", true},
		{"bearer key is not a client credential", "POST", "Bearer " + key, form, "grant_type=client_credentials", 401, "invalid_client", true},
		{"both methods", "POST", basic(ClientID, key), form, "grant_type=client_credentials&client_id=" + ClientID + "&client_secret=" + key, 400, "invalid_request", false},
		{"missing grant", "POST", basic(ClientID, key), form, "scope=service%3Aintegration", 400, "invalid_request", false},
		{"bad grant", "POST", basic(ClientID, key), form, "grant_type=password", 400, "unsupported_grant_type", false},
		{"repeated grant", "POST", basic(ClientID, key), form, "grant_type=client_credentials&grant_type=client_credentials", 400, "invalid_request", false},
		{"json body", "POST", basic(ClientID, key), "application/json", `{"grant_type":"client_credentials"}`, 400, "invalid_request", false},
		{"GET", "GET", basic(ClientID, key), "", "", 405, "invalid_request", false},
		{"body too large", "POST", basic(ClientID, key), form, "grant_type=client_credentials&pad=" + strings.Repeat("a", maxFormBody), 413, "invalid_request", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, ts.info.TokenURL, strings.NewReader(tt.body))
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := noRedirect().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d; body %s", resp.StatusCode, tt.status, b)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if got := resp.Header.Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := resp.Header.Get("WWW-Authenticate") != ""; got != tt.wwwAuth {
				t.Errorf("WWW-Authenticate present = %v, want %v", got, tt.wwwAuth)
			}
			if tt.code == "" {
				if string(b) != good {
					t.Errorf("body = %s, want %s", b, good)
				}
				return
			}
			if !strings.HasPrefix(string(b), `{"error":"`+tt.code+`","error_description":"`) {
				t.Errorf("body = %s, want OAuth2 error %s", b, tt.code)
			}
			assertNoSecret(t, "the error", string(b), key, tokenName(1))
		})
	}
	if n := len(up.records()); n != 0 {
		t.Errorf("upstream saw %d requests, want 0: the token endpoint is local", n)
	}
}

// A caller with the key in the path still needs the client credentials:
// the token endpoint is authenticated like an OAuth2 server, only.
func TestTokenEndpointUnderKeyPath(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, nil)
	resp, err := noRedirect().PostForm(ts.info.ProxyURL+tokenPath, url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401", resp.StatusCode)
	}
}

func TestTokenEndpointTokenPathFails(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, nil)
	ts.tokens.setErr(errTokenPath)
	req, _ := http.NewRequest("POST", ts.info.TokenURL, strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ClientID, ts.info.ClientSecret)
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(b), "temporarily_unavailable") {
		t.Errorf("answer = %d %s, want 502 temporarily_unavailable", resp.StatusCode, b)
	}
	assertNoSecret(t, "the answer", string(b), "secret-text-that-must-not-leak")
}
