package serve

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestProxyAuthenticates(t *testing.T) {
	up := newUpstream(t, nil)
	ts := start(t, up.srv.URL, nil)
	key := ts.info.ClientSecret
	upHost := strings.TrimPrefix(up.srv.URL, "http://")
	tests := []struct {
		name   string
		url    string
		auth   string
		status int
		path   string // what upstream sees; "" when it must see nothing
	}{
		{"key in path", ts.info.ProxyURL + "/api/v1/nql/execute?q=1", "Bearer caller-token", 200, "/api/v1/nql/execute"},
		{"key alone in path", ts.info.ProxyURL, "", 200, "/"},
		{"bearer key", ts.info.BaseURL + "/api/v1/act", "Bearer " + key, 200, "/api/v1/act"},
		{"basic key", ts.info.BaseURL + "/api/v1/act", basic("anyone", key), 200, "/api/v1/act"},
		{"no key", ts.info.BaseURL + "/api/v1/act", "", 401, ""},
		{"wrong bearer", ts.info.BaseURL + "/api/v1/act", "Bearer " + mangle(key), 401, ""},
		{"wrong basic", ts.info.BaseURL + "/api/v1/act", basic("anyone", mangle(key)), 401, ""},
		{"wrong key in path", ts.info.BaseURL + "/" + mangle(key) + "/api/v1/act", "", 401, ""},
		{"key not first in path", ts.info.BaseURL + "/api/" + key + "/act", "", 401, ""},
		{"key as basic user", ts.info.BaseURL + "/api/v1/act", basic(key, "x"), 401, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(up.records())
			req, _ := http.NewRequest("GET", tt.url, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			seen := up.records()[before:]
			if tt.path == "" {
				if len(seen) != 0 {
					t.Fatalf("upstream saw %v, want nothing", seen)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("401 without WWW-Authenticate")
				}
				assertNoSecret(t, "the refusal", body, key)
				return
			}
			if len(seen) != 1 {
				t.Fatalf("upstream saw %d requests, want 1", len(seen))
			}
			r := seen[0]
			if r.path != tt.path || r.auth != "Bearer "+tokenName(1) || r.host != upHost {
				t.Errorf("upstream saw path %q auth %q host %q, want %q, the token path's bearer, %q", r.path, r.auth, r.host, tt.path, upHost)
			}
			if strings.Contains(tt.url, "?q=1") && r.query != "q=1" {
				t.Errorf("upstream saw query %q, want q=1", r.query)
			}
		})
	}
}

func TestProxyRefusesForeignHostAndOrigin(t *testing.T) {
	up := newUpstream(t, nil)
	ts := start(t, up.srv.URL, nil)
	port := ts.info.BaseURL[strings.LastIndex(ts.info.BaseURL, ":")+1:]
	tests := []struct {
		name   string
		host   string
		origin string
		status int
	}{
		{"localhost", "localhost:" + port, "", 200},
		{"LOCALHOST", "LOCALHOST:" + port, "", 200},
		{"rebound name", "attacker.example:" + port, "", 421},
		{"rebound name without port", "attacker.example", "", 421},
		{"other port", "127.0.0.1:1", "", 421},
		{"ipv6 loopback on an ipv4 listener", "[::1]:" + port, "", 421},
		{"origin", "", "https://attacker.example", 403},
		{"same origin", "", ts.info.BaseURL, 403},
		{"null origin", "", "null", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(up.records())
			req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act", nil)
			if tt.host != "" {
				req.Host = tt.host
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, body := do(t, req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
			}
			if n := len(up.records()) - before; (tt.status == 200) != (n == 1) {
				t.Errorf("upstream saw %d requests for status %d", n, tt.status)
			}
		})
	}
}

// Nexthink's export downloads redirect to another host: the caller gets the
// redirect, and the other host never hears from the proxy.
func TestProxyReturnsRedirects(t *testing.T) {
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.Add(1) }))
	defer elsewhere.Close()
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Redirect(w, r, elsewhere.URL+"/download/1", http.StatusFound)
	})
	ts := start(t, up.srv.URL, nil)
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/nql/status/1", nil)
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != elsewhere.URL+"/download/1" {
		t.Errorf("answer = %d Location %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), elsewhere.URL)
	}
	if n := other.Load(); n != 0 {
		t.Errorf("the redirect target saw %d requests, want 0", n)
	}
}

// rejectFirst is an upstream that refuses tok-1 with 401 and echoes the body
// to any other token.
func rejectFirst(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Header.Get("Authorization") == "Bearer "+tokenName(1) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, `{"code":"401","message":"token expired"}`, http.StatusUnauthorized)
		return
	}
	w.Write(body)
}

func TestProxyRetriesOnceAfter401(t *testing.T) {
	up := newUpstream(t, rejectFirst)
	ts := start(t, up.srv.URL, nil)
	req, _ := http.NewRequest("POST", ts.info.ProxyURL+"/api/v1/nql/execute", strings.NewReader(`{"queryId":"#q"}`))
	resp, body := do(t, req)
	if resp.StatusCode != 200 || body != `{"queryId":"#q"}` {
		t.Fatalf("answer = %d %q, want 200 with the body echoed", resp.StatusCode, body)
	}
	seen := up.records()
	if len(seen) != 2 || seen[0].body != seen[1].body || seen[1].auth != "Bearer "+tokenName(2) {
		t.Errorf("upstream saw %+v, want the same request twice, the second with tok-2", seen)
	}
	if plain, fresh := ts.tokens.counts(); plain != 1 || fresh != 1 {
		t.Errorf("token path calls = %d plain, %d fresh; want 1 and 1", plain, fresh)
	}
}

func TestProxyPassesSecond401(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		http.Error(w, "no", http.StatusUnauthorized)
	})
	ts := start(t, up.srv.URL, nil)
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act", nil)
	if resp, _ := do(t, req); resp.StatusCode != 401 {
		t.Errorf("status = %d, want upstream's 401", resp.StatusCode)
	}
	if n := len(up.records()); n != 2 {
		t.Errorf("upstream saw %d requests, want 2 (one retry)", n)
	}
}

func TestProxyDoesNotRetryBigBody(t *testing.T) {
	up := newUpstream(t, rejectFirst)
	ts := start(t, up.srv.URL, nil)
	big := bytes.Repeat([]byte("a"), maxReplayBody+1)
	req, _ := http.NewRequest("POST", ts.info.ProxyURL+"/api/v1/act/execute", bytes.NewReader(big))
	resp, _ := do(t, req)
	if resp.StatusCode != 401 {
		t.Errorf("status = %d, want 401 passed through", resp.StatusCode)
	}
	seen := up.records()
	if len(seen) != 1 || len(seen[0].body) != len(big) {
		t.Fatalf("upstream saw %d requests, want 1 with the whole body", len(seen))
	}
	// The fresh token is fetched for the caller's next request.
	if plain, fresh := ts.tokens.counts(); plain != 1 || fresh != 1 {
		t.Errorf("token path calls = %d plain, %d fresh; want 1 and 1", plain, fresh)
	}
	req, _ = http.NewRequest("POST", ts.info.ProxyURL+"/api/v1/act/execute", bytes.NewReader(big))
	if resp, _ := do(t, req); resp.StatusCode != 200 {
		t.Errorf("next status = %d, want 200 with the fresh token", resp.StatusCode)
	}
}

func TestProxyPasses429(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "7")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	ts := start(t, up.srv.URL, nil)
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act", nil)
	resp, body := do(t, req)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || body != "slow down\n" {
		t.Errorf("answer = %d Retry-After %q body %q, want 429, 7, slow down", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n := len(up.records()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1: a 429 is not retried", n)
	}
}

func TestProxyTokenPathFails(t *testing.T) {
	up := newUpstream(t, nil)
	ts := start(t, up.srv.URL, nil)
	ts.tokens.setErr(errTokenPath)
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act", nil)
	resp, body := do(t, req)
	if resp.StatusCode != 502 || !strings.Contains(body, "nxcred_token_unavailable") {
		t.Errorf("answer = %d %s, want 502 nxcred_token_unavailable", resp.StatusCode, body)
	}
	assertNoSecret(t, "the answer", body, "secret-text-that-must-not-leak", ts.info.ClientSecret)
	if n := len(up.records()); n != 0 {
		t.Errorf("upstream saw %d requests, want 0", n)
	}
}

func TestProxyUpstreamDown(t *testing.T) {
	down := httptest.NewServer(http.NotFoundHandler())
	url := down.URL
	down.Close()
	ts := start(t, url, nil)
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act", nil)
	resp, body := do(t, req)
	if resp.StatusCode != 502 || !strings.Contains(body, "nxcred_upstream_unreachable") {
		t.Errorf("answer = %d %s, want 502 nxcred_upstream_unreachable", resp.StatusCode, body)
	}
}

// An upload and a download each go through chunk by chunk: the second
// chunk is sent only after the other side got the first, which would hang
// (until the test's bound) if the proxy buffered either body.
func TestProxyStreamsBothWays(t *testing.T) {
	gotFirst := make(chan string)
	sendSecond := make(chan struct{})
	up := newUpstream(t, nil)
	up.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 6)
		io.ReadFull(r.Body, buf)
		gotFirst <- string(buf)
		rest, _ := io.ReadAll(r.Body)
		w.Write([]byte("down-1"))
		http.NewResponseController(w).Flush()
		<-sendSecond
		w.Write(append([]byte("down-2:"), rest...))
	})
	ts := start(t, up.srv.URL, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a bound for a hang, never a verdict
	defer cancel()
	pr, pw := io.Pipe()
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.info.ProxyURL+"/api/v1/upload", pr)
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := noRedirect().Do(req)
		done <- result{resp, err}
	}()
	pw.Write([]byte("up---1"))
	select {
	case got := <-gotFirst:
		if got != "up---1" {
			t.Fatalf("upstream got %q first, want up---1", got)
		}
	case <-ctx.Done():
		t.Fatal("the first chunk of the upload never reached upstream: the proxy buffers uploads")
	}
	pw.Write([]byte("up-2"))
	pw.Close()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		t.Fatal("no response headers")
	}
	if res.err != nil {
		t.Fatal(res.err)
	}
	defer res.resp.Body.Close()
	first := make([]byte, 6)
	readDone := make(chan error, 1)
	go func() { _, err := io.ReadFull(res.resp.Body, first); readDone <- err }()
	select {
	case err := <-readDone:
		if err != nil || string(first) != "down-1" {
			t.Fatalf("first chunk = %q, %v; want down-1", first, err)
		}
	case <-ctx.Done():
		t.Fatal("the first chunk of the download never arrived: the proxy buffers downloads")
	}
	close(sendSecond)
	rest, _ := io.ReadAll(res.resp.Body)
	if string(rest) != "down-2:up-2" {
		t.Errorf("rest = %q, want down-2:up-2", rest)
	}
	// A chunked upload cannot be replayed: the token path saw one call.
	if plain, fresh := ts.tokens.counts(); plain != 1 || fresh != 0 {
		t.Errorf("token path calls = %d plain, %d fresh; want 1 and 0", plain, fresh)
	}
}

// The server asks the token path once per request, never fresh without a
// 401; single flight is the token path's job (its cache answers these).
func TestProxyConcurrent(t *testing.T) {
	for _, reject := range []bool{false, true} {
		name := "accepted"
		if reject {
			name = "first token rejected"
		}
		t.Run(name, func(t *testing.T) {
			var answer func(http.ResponseWriter, *http.Request, []byte)
			if reject {
				answer = rejectFirst
			}
			up := newUpstream(t, answer)
			ts := start(t, up.srv.URL, nil)
			const n = 100
			var wg sync.WaitGroup
			var failed atomic.Int32
			client := noRedirect()
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act?i="+string(rune('a'+i%26)), nil)
					resp, err := client.Do(req)
					if err != nil {
						failed.Add(1)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						failed.Add(1)
					}
				}()
			}
			wg.Wait()
			if f := failed.Load(); f != 0 {
				t.Errorf("%d of %d requests failed", f, n)
			}
			plain, fresh := ts.tokens.counts()
			wantFresh := 0
			if reject {
				// However the 401s interleave, they refused the same token,
				// and one fresh token answers them all.
				wantFresh = 1
			}
			if plain != n || fresh != wantFresh {
				t.Errorf("token path calls = %d plain, %d fresh; want %d and %d", plain, fresh, n, wantFresh)
			}
		})
	}
}
