package serve

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/testenv"
)

// hermetic points every folder a test could touch at its own temp folder
// and keeps it off the user's session bus: testenv.New, set in the process.
func hermetic(t testing.TB) {
	t.Helper()
	testenv.New(t).Apply(t.Setenv)
}

// testNow is the fixed clock of every test server.
var testNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

// fakeTokens is a token path: tok-1 until a fresh token is asked for, then
// tok-2, tok-3 and so on; it counts its calls by kind.
type fakeTokens struct {
	mu     sync.Mutex
	gen    int
	plain  int
	fresh  int
	needs  []Need
	err    error
	expiry time.Time
}

func newFakeTokens() *fakeTokens {
	return &fakeTokens{gen: 1, expiry: testNow.Add(599*time.Second + 500*time.Millisecond)}
}

func (f *fakeTokens) tokens(ctx context.Context, n Need) (Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.needs = append(f.needs, n)
	if n.Fresh {
		f.fresh++
	} else {
		f.plain++
	}
	if f.err != nil {
		return Token{}, f.err
	}
	if n.Fresh {
		f.gen++
	}
	return Token{Access: tokenName(f.gen), Expiry: f.expiry}, nil
}

func (f *fakeTokens) counts() (plain, fresh int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.plain, f.fresh
}

func tokenName(gen int) string { return "tok-" + strings.Repeat("x", 20) + "-" + string(rune('0'+gen)) }

// testServer is a running server with its fake token path, its upstream and
// its debug log.
type testServer struct {
	s      *Server
	info   Info
	tokens *fakeTokens
	log    *testenv.SyncBuffer
	stop   func() error
}

// start runs a server for upstream with cfg's other fields; the test's
// cleanup stops it and checks that the log holds neither the key nor a
// token.
func start(t *testing.T, upstream string, edit func(*Config)) *testServer {
	t.Helper()
	hermetic(t)
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	ft := newFakeTokens()
	lb := &testenv.SyncBuffer{}
	cfg := Config{
		Upstream: u,
		Tokens:   ft.tokens,
		Identity: "https://login.example/oauth2/token|client-1|service:integration",
		Log:      slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:      func() time.Time { return testNow },
	}
	if edit != nil {
		edit(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	if err := s.Listen(); err != nil {
		t.Fatalf("Listen = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	var once sync.Once
	var serveErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			serveErr = <-done
		})
		return serveErr
	}
	ts := &testServer{s: s, info: s.Info(), tokens: ft, log: lb, stop: stop}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
		assertNoSecret(t, "the log", lb.String(), ts.info.ClientSecret, tokenName(1), tokenName(2))
	})
	return ts
}

// assertNoSecret fails when text holds any of secrets.
func assertNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s holds the secret %.6s...:\n%s", what, s, text)
		}
	}
}

// noRedirect is a client that returns redirects instead of following them,
// so a test sees what the server answered.
func noRedirect() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       time.Minute, // a bound for a hung server, never a verdict
	}
}

// upstreamRecord is what the fake API host saw of one request.
type upstreamRecord struct {
	method, path, query, auth, host, body string
}

// recordingUpstream answers 200 "ok" and records each request.
type recordingUpstream struct {
	mu   sync.Mutex
	seen []upstreamRecord
	srv  *httptest.Server
	// answer, when set, writes the response instead.
	answer func(w http.ResponseWriter, r *http.Request, body []byte)
}

func newUpstream(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, body []byte)) *recordingUpstream {
	u := &recordingUpstream{answer: answer}
	u.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		u.mu.Lock()
		u.seen = append(u.seen, upstreamRecord{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), r.Host, buf.String()})
		u.mu.Unlock()
		if u.answer != nil {
			u.answer(w, r, buf.Bytes())
			return
		}
		w.Write([]byte("ok"))
	}))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *recordingUpstream) records() []upstreamRecord {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]upstreamRecord(nil), u.seen...)
}

var errTokenPath = errors.New("keyring locked: secret-text-that-must-not-leak")

func (f *fakeTokens) setErr(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

// mangle is key with its last character changed: a wrong key of the right
// shape, whatever the key is.
func mangle(key string) string {
	last := byte('A')
	if key[len(key)-1] == 'A' {
		last = 'B'
	}
	return key[:len(key)-1] + string(last)
}
