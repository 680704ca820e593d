package broker_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/redact"
	"github.com/nxcred/nxcred/internal/testenv"
)

const (
	clientID = "broker-test-client"
	secret   = "broker-test-secret-0123456789"
)

// newBroker returns a Broker over a temp home whose environment profile
// points at a fresh fake endpoint (plain HTTP on loopback, which the
// token-URL rules accept for 127.0.0.1), and the endpoint. extra adds or
// overrides variables.
func newBroker(t *testing.T, extra map[string]string) (*broker.Broker, *oauthtest.Server, *messages) {
	t.Helper()
	srv := oauthtest.NewPlain(clientID, secret)
	t.Cleanup(srv.Close)
	vars := testenv.New(t).With(map[string]string{
		"NXCRED_CLIENT_ID":     clientID,
		"NXCRED_CLIENT_SECRET": secret,
		"NXCRED_TOKEN_URL":     srv.TokenURL(),
		"NXCRED_HOSTS":         "api.example.test",
	}).With(extra)
	msgs := &messages{}
	b := &broker.Broker{
		Getenv:     vars.Getenv,
		ConfigPath: filepath.Join(vars["XDG_CONFIG_HOME"], "nxcred", "config.toml"),
		CacheDir:   filepath.Join(vars["XDG_CACHE_HOME"], "nxcred"),
		KeyringDir: filepath.Join(vars["XDG_DATA_HOME"], "nxcred", "keyring"),
		Now:        time.Now,
		Log:        slog.New(slog.DiscardHandler),
		Secrets:    &redact.Set{},
		Warn:       msgs.add,
		Info:       msgs.add,
	}
	return b, srv, msgs
}

type messages struct {
	mu   sync.Mutex
	list []string
}

func (m *messages) add(s string) { m.mu.Lock(); m.list = append(m.list, s); m.mu.Unlock() }

// TestGetConcurrent: one Broker, as a long-lived server holds it, called
// from 50 goroutines on a cold cache: every call gets the same token and the
// endpoint sees one request.
func TestGetConcurrent(t *testing.T) {
	b, srv, msgs := newBroker(t, nil)
	const n = 50
	tokens := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, err := b.Get(context.Background(), broker.Request{Host: "api.example.test"})
			tokens[i], errs[i] = r.Token.AccessToken, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if tokens[i] == "" || tokens[i] != tokens[0] {
			t.Fatalf("call %d got token %q, call 0 %q: want one token for all", i, tokens[i], tokens[0])
		}
	}
	if got := srv.Hits(); got != 1 {
		t.Errorf("token requests = %d, want 1 for %d concurrent calls", got, n)
	}
	if len(msgs.list) != 0 {
		t.Errorf("messages = %q, want none", msgs.list)
	}
	if !b.Secrets.Holds("x " + tokens[0]) {
		t.Error("the token served is not registered for redaction")
	}
}

// TestGetForeignHost: a host that is not the profile's gets a Foreign
// result, no token, and no token request.
func TestGetForeignHost(t *testing.T) {
	t.Parallel()
	b, srv, _ := newBroker(t, nil)
	r, err := b.Get(context.Background(), broker.Request{Host: "evil.example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Foreign || r.Token.AccessToken != "" || r.Profile == nil {
		t.Errorf("Get(foreign host) = %+v, want Foreign with the profile and no token", r)
	}
	if srv.Hits() != 0 {
		t.Errorf("token requests = %d, want 0 for a foreign host", srv.Hits())
	}
}

// TestGetUnserved: with no profile anywhere, a request for a host is
// Unserved (not an error), while one without a host, or one that names a
// profile, fails with the no-profile error and its hint.
func TestGetUnserved(t *testing.T) {
	t.Parallel()
	none := map[string]string{"NXCRED_CLIENT_ID": "", "NXCRED_CLIENT_SECRET": "", "NXCRED_TOKEN_URL": ""}
	b, _, _ := newBroker(t, none)
	r, err := b.Get(context.Background(), broker.Request{Host: "github.com"})
	if err != nil || r.Unserved == nil {
		t.Fatalf("Get(host, no profile) = %+v, %v; want Unserved", r, err)
	}
	if _, err := b.Get(context.Background(), broker.Request{}); err == nil {
		t.Error("Get(no host, no profile) = nil error, want the no-profile error")
	}
	if _, err := b.Get(context.Background(), broker.Request{Host: "github.com", Profile: "prod"}); err == nil {
		t.Error("Get(host, --profile prod that does not exist) = nil error, want an error")
	}
	named := map[string]string{"NXCRED_PROFILE": "prod"}
	for k, v := range none {
		named[k] = v
	}
	b2, _, _ := newBroker(t, named)
	if _, err := b2.Get(context.Background(), broker.Request{Host: "github.com"}); err == nil {
		t.Error("Get(host) with NXCRED_PROFILE naming a missing profile = nil error, want an error")
	}
}

// TestGetFreshKeepsOldOnFailure: a forced refresh that fails returns the
// error, keeps the cached token and says so.
func TestGetFreshKeepsOldOnFailure(t *testing.T) {
	t.Parallel()
	b, srv, msgs := newBroker(t, map[string]string{"NXCRED_TIMEOUT": "5s"})
	first, err := b.Get(context.Background(), broker.Request{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Enqueue(oauthtest.Response{Status: 401, ContentType: "application/json", Body: `{"error":"invalid_client"}`})
	if _, err := b.Get(context.Background(), broker.Request{Fresh: true}); err == nil {
		t.Fatal("Get(Fresh) with the endpoint failing = nil error, want the failure")
	}
	again, err := b.Get(context.Background(), broker.Request{})
	if err != nil || again.Token.AccessToken != first.Token.AccessToken {
		t.Errorf("after a failed refresh Get = %q, %v; want the kept token %q", again.Token.AccessToken, err, first.Token.AccessToken)
	}
	if !strings.Contains(strings.Join(msgs.list, "\n"), "is kept, valid for") {
		t.Errorf("messages = %q, want one saying the cached token is kept", msgs.list)
	}
}

func TestMain(m *testing.M) {
	// The broker reads no process environment: Getenv is the only source.
	// This makes sure a stray variable of the machine cannot leak in.
	os.Setenv("NXCRED_CLIENT_SECRET", "must-not-be-read")
	os.Exit(m.Run())
}
