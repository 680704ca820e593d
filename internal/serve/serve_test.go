package serve

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
)

func TestNewRefusesNonLoopback(t *testing.T) {
	hermetic(t)
	up, _ := url.Parse("https://acme.api.eu.nexthink.cloud")
	tokens := newFakeTokens().tokens
	for _, addr := range []string{"0.0.0.0:0", ":0", ":8080", "[::]:0", "192.168.1.10:0", "10.0.0.1:8080", "example.com:0", "localhost.example.com:0", "[fe80::1%lo]:0", "localhost", "127.0.0.1", "127.0.0.1:http", "127.0.0.1:99999", "127.0.0.1:-1"} {
		_, err := New(Config{Listen: addr, Upstream: up, Tokens: tokens})
		if err == nil {
			t.Errorf("New(Listen %q) = nil, want an error", addr)
			continue
		}
		if !strings.Contains(err.Error(), addr) {
			t.Errorf("New(Listen %q) = %v, want the address named", addr, err)
		}
	}
	for _, addr := range []string{"", "127.0.0.1:0", "localhost:0", "LocalHost:0", "[::1]:0", "127.0.0.2:0", "[::ffff:127.0.0.1]:0"} {
		if _, err := New(Config{Listen: addr, Upstream: up, Tokens: tokens}); err != nil {
			t.Errorf("New(Listen %q) = %v, want nil", addr, err)
		}
	}
}

func TestNewChecksUpstream(t *testing.T) {
	hermetic(t)
	tokens := newFakeTokens().tokens
	for _, raw := range []string{"http://acme.api.eu.nexthink.cloud", "ftp://x", "https://u:p@acme.api.eu.nexthink.cloud", "https://acme.api.eu.nexthink.cloud/?x=1", "https://acme.api.eu.nexthink.cloud/#f", "/relative"} {
		u, _ := url.Parse(raw)
		if _, err := New(Config{Upstream: u, Tokens: tokens}); err == nil {
			t.Errorf("New(Upstream %q) = nil, want an error", raw)
		} else if strings.Contains(err.Error(), ":p@") {
			t.Errorf("New(Upstream %q) = %v shows the password", raw, err)
		}
	}
	if _, err := New(Config{Upstream: nil, Tokens: tokens}); err == nil {
		t.Error("New(no Upstream) = nil, want an error")
	}
	u, _ := url.Parse("https://acme.api.eu.nexthink.cloud")
	if _, err := New(Config{Upstream: u}); err == nil {
		t.Error("New(no Tokens) = nil, want an error")
	}
}

func TestKey(t *testing.T) {
	hermetic(t)
	u, _ := url.Parse("https://acme.api.eu.nexthink.cloud")
	s, err := New(Config{Upstream: u, Tokens: newFakeTokens().tokens, Rand: bytes.NewReader(bytes.Repeat([]byte{0xff}, 32))})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Repeat("_", 42) + "8"; s.key != want || !validKeySyntax(s.key) {
		t.Errorf("key = %q, want %q (32 bytes of base64url)", s.key, want)
	}
	if _, err := New(Config{Upstream: u, Tokens: newFakeTokens().tokens, Rand: bytes.NewReader(make([]byte, 31))}); err == nil {
		t.Error("New with 31 random bytes = nil, want an error")
	}
}

func TestInfoAndEnv(t *testing.T) {
	ts := start(t, newUpstream(t, nil).srv.URL, nil)
	i := ts.info
	key := i.ClientSecret
	if !validKeySyntax(key) || !strings.HasPrefix(i.BaseURL, "http://127.0.0.1:") ||
		i.ProxyURL != i.BaseURL+"/"+key || i.TokenURL != i.BaseURL+"/oauth2/default/v1/token" ||
		i.ClientID != ClientID || i.AgentURL != i.ProxyURL {
		t.Errorf("Info = %+v", i)
	}
	if _, err := ParseAgent(i.AgentURL); err != nil {
		t.Errorf("ParseAgent(Info.AgentURL) = %v", err)
	}
	want := []string{
		"NEXTHINK_API_URL=" + i.ProxyURL,
		"NEXTHINK_TOKEN_URL=" + i.TokenURL,
		"NEXTHINK_CLIENT_ID=" + ClientID,
		"NEXTHINK_CLIENT_SECRET=" + key,
		"NXCRED_AGENT=" + i.AgentURL,
	}
	if got := i.Env(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Env = %q, want %q", got, want)
	}
}

func TestWriteEnvFile(t *testing.T) {
	hermetic(t)
	info := Info{ProxyURL: "http://127.0.0.1:1/k", TokenURL: "http://127.0.0.1:1/oauth2/default/v1/token", ClientID: ClientID, ClientSecret: "k", AgentURL: "http://127.0.0.1:1/k"}
	path := filepath.Join(t.TempDir(), "serve.env")
	if err := os.WriteFile(path, []byte("OLD=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteEnvFile(path, info); err != nil {
		t.Fatalf("WriteEnvFile = %v", err)
	}
	b, _ := os.ReadFile(path)
	if want := strings.Join(info.Env(), "\n") + "\n"; string(b) != want {
		t.Errorf("file = %q, want %q", b, want)
	}
	fi, _ := os.Stat(path)
	if runtimeHasModes && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	if left := atomicfile.TempFiles(path); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	// A folder that does not exist: an error, and nothing written.
	missing := filepath.Join(t.TempDir(), "no", "serve.env")
	if err := WriteEnvFile(missing, info); err == nil {
		t.Error("WriteEnvFile into a missing folder = nil, want an error")
	}
	if _, err := os.Stat(filepath.Dir(missing)); !os.IsNotExist(err) {
		t.Errorf("the missing folder exists now: %v", err)
	}
}

// SIGTERM (here: the context) with a request in flight: it finishes, then
// Serve returns nil.
func TestServeFinishesRequestsInFlight(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Write([]byte("part-1;"))
		http.NewResponseController(w).Flush()
		close(entered)
		<-release
		w.Write([]byte("part-2"))
	})
	ts := start(t, up.srv.URL, nil)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := noRedirect().Get(ts.info.ProxyURL + "/api/v1/slow")
		if err != nil {
			got <- result{"", err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{string(b), err}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	// Shutdown closes the listener first: once a dial is refused, Serve is
	// waiting for the request in flight.
	addr := strings.TrimPrefix(ts.info.BaseURL, "http://")
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if i == 10000 {
			t.Fatal("the listener stayed open after the context was done")
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "part-1;part-2" {
		t.Errorf("request in flight = %q, %v; want part-1;part-2", r.body, r.err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve = %v, want nil", err)
	}
}

// A request still running at the shutdown bound is cut, and Serve says so.
func TestServeBoundsShutdown(t *testing.T) {
	hermetic(t)
	entered := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		close(entered)
		<-release
	})
	u, _ := url.Parse(up.srv.URL)
	s, err := New(Config{Upstream: u, Tokens: newFakeTokens().tokens, ShutdownTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s.Listen()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	go func() {
		resp, err := noRedirect().Get(s.Info().ProxyURL + "/api/v1/slow")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	// The request is held until after Serve returns, so the bound is
	// always the one that ends the wait.
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cut") {
		t.Errorf("Serve = %v, want an error saying requests were cut", err)
	}
}

// One debug line per request, with the key replaced; neither the key nor a
// token anywhere in the log (start's cleanup greps it too).
func TestLogHoldsNoSecret(t *testing.T) {
	ts := start(t, newUpstream(t, rejectFirst).srv.URL, nil)
	key := ts.info.ClientSecret
	req, _ := http.NewRequest("GET", ts.info.ProxyURL+"/api/v1/act?key="+key, nil)
	do(t, req)
	req, _ = http.NewRequest("GET", ts.info.BaseURL+"/api/"+key+"/x", nil)
	do(t, req)
	req, _ = http.NewRequest("POST", ts.info.TokenURL, strings.NewReader("grant_type=client_credentials&client_id="+ClientID+"&client_secret="+key))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	do(t, req)
	if _, err := AgentToken(context.Background(), nil, ts.info.AgentURL, ts.s.cfg.Identity, Need{}); err != nil {
		t.Fatal(err)
	}
	ts.stop()
	log := ts.log.String()
	lines := strings.Count(log, `msg="serve request"`)
	if lines != 4 {
		t.Errorf("log has %d request lines, want 4:\n%s", lines, log)
	}
	for _, want := range []string{`path=/<key>/api/v1/act status=200`, `path=/api/<key>/x status=401`, `path=/oauth2/default/v1/token status=200`, `path=/<key>/nxcred/agent/v1/token status=200`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	assertNoSecret(t, "the log", log, key, tokenName(1), tokenName(2))
}
