package broker_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/serve"
)

// startAgent runs a serve.Server that serves identity with a fixed token
// and returns its NXCRED_AGENT value and a count of the tokens it served.
func startAgent(t *testing.T, identity string) (string, *atomic.Int32) {
	t.Helper()
	var served atomic.Int32
	up, _ := url.Parse("https://api.example.test")
	srv, err := serve.New(serve.Config{
		Upstream: up,
		Identity: identity,
		Tokens: func(ctx context.Context, n serve.Need) (serve.Token, error) {
			served.Add(1)
			return serve.Token{Access: "agent-token-0123456789", Expiry: time.Now().Add(10 * time.Minute)}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return srv.Info().AgentURL, &served
}

// envIdentity is the identity of the environment profile newBroker sets up.
func envIdentity(t *testing.T, b *broker.Broker) string {
	t.Helper()
	p, _, err := config.EnvProfile(b.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return p.Identity().String()
}

// TestAgentServesItsProfile: inside exec --serve (NXCRED_AGENT set, no
// NXCRED_CLIENT_SECRET), the environment profile's token comes from the
// agent; no keyring, no token request.
func TestAgentServesItsProfile(t *testing.T) {
	t.Parallel()
	b, srv, _ := newBroker(t, nil)
	agent, served := startAgent(t, envIdentity(t, b))
	// The command exec --serve runs: the agent, no secret, the marker.
	outer := b.Getenv
	b.Getenv = func(k string) string {
		switch k {
		case serve.EnvAgent:
			return agent
		case "NXCRED_CLIENT_SECRET":
			return ""
		case broker.ExecMarker:
			return "1"
		}
		return outer(k)
	}
	r, err := b.Get(context.Background(), broker.Request{Host: "api.example.test", MinValid: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if !r.FromAgent || r.Token.AccessToken != "agent-token-0123456789" {
		t.Errorf("Get = %+v, want the agent's token", r)
	}
	if served.Load() != 1 || srv.Hits() != 0 {
		t.Errorf("agent served %d, endpoint got %d requests; want 1 and 0", served.Load(), srv.Hits())
	}
	if !b.Secrets.Holds("x agent-token-0123456789") {
		t.Error("the agent's token is not registered for redaction")
	}
}

// TestAgentOtherProfileFallsBack: an agent that serves another identity
// leaves the call to the usual path (here the environment profile with its
// secret, so one token request).
func TestAgentOtherProfileFallsBack(t *testing.T) {
	t.Parallel()
	agent, served := startAgent(t, "some other identity")
	b, srv, _ := newBroker(t, map[string]string{serve.EnvAgent: agent})
	r, err := b.Get(context.Background(), broker.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if r.FromAgent || served.Load() != 0 || srv.Hits() != 1 {
		t.Errorf("FromAgent=%v, agent served %d, endpoint %d requests; want false, 0, 1", r.FromAgent, served.Load(), srv.Hits())
	}
}

// TestAgentGone: an NXCRED_AGENT that does not answer (its exec --serve
// ended) fails with a hint to unset it, not with a keyring prompt.
func TestAgentGone(t *testing.T) {
	t.Parallel()
	agent, _ := startAgent(t, "x")
	key := agent[strings.LastIndex(agent, "/")+1:]
	// Port 9 (discard) on loopback: nothing listens there on a test machine.
	b, _, _ := newBroker(t, map[string]string{serve.EnvAgent: "http://127.0.0.1:9/" + key, "NXCRED_CLIENT_SECRET": "", broker.ExecMarker: "1", "NXCRED_TIMEOUT": "5s"})
	_, err := b.Get(context.Background(), broker.Request{})
	if err == nil {
		t.Fatal("Get with an agent that does not answer = nil error")
	}
	if h := hint.Of(err); !strings.Contains(h, "unset NXCRED_AGENT") {
		t.Errorf("hint = %q, want it to say to unset NXCRED_AGENT", h)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error %q holds the agent's key", err)
	}
}

// TestAgentBudget: a request's budget (goauth's) bounds the wait for an
// agent that does not answer, not NXCRED_TIMEOUT.
func TestAgentBudget(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	// Accepts and never answers; the connections close with the listener.
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	agent, _ := startAgent(t, "x")
	key := agent[strings.LastIndex(agent, "/")+1:]
	b, _, _ := newBroker(t, map[string]string{serve.EnvAgent: "http://" + ln.Addr().String() + "/" + key, "NXCRED_CLIENT_SECRET": "", broker.ExecMarker: "1", "NXCRED_TIMEOUT": "10m"})
	done := make(chan error, 1)
	go func() {
		_, err := b.Get(context.Background(), broker.Request{Budget: 200 * time.Millisecond, BudgetVar: "NXCRED_GOAUTH_TIMEOUT"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Get from an agent that never answers = nil error")
		}
	case <-time.After(2 * time.Minute):
		// Only a wait for NXCRED_TIMEOUT (10 minutes) gets here.
		t.Fatal("Get did not return within 2 minutes with a 200 ms budget")
	}
}
