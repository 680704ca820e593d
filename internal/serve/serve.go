// Package serve is nxcred's local credential server: a token endpoint that
// answers like Nexthink's, an authenticating reverse proxy to the profile's
// API host, and an agent endpoint through which an nxcred run inside
// `exec --serve` asks its parent for tokens instead of a keyring.
//
// It listens on loopback only. Every caller must hold the key generated for
// this run (32 random bytes); requests whose Host is not the listen address
// and requests with an Origin header are refused, so neither a browser page
// nor a DNS-rebound name can use it. The package knows nothing of profiles,
// keyrings or caches: it calls a Tokens function for every request, which
// nxcred's token path answers from its cache. docs/serve.md describes the
// endpoints and the security model.
package serve

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Need says what token a caller needs.
type Need struct {
	// Fresh asks for a token newer than the cached one: the cached one was
	// refused by the API.
	Fresh bool
	// MinValid is how long the token must still be valid; zero leaves it to
	// the token path's own refresh margin.
	MinValid time.Duration
}

// Token is an access token and when it expires.
type Token struct {
	Access string
	Expiry time.Time
}

// Tokens gets a token of the profile the server serves. nxcred passes its
// token path (cache, single flight, refresh margin). It must be safe to call
// concurrently, and its errors must hold no secret: they are logged.
type Tokens func(ctx context.Context, n Need) (Token, error)

// DefaultScope is the scope the token endpoint reports when Config.Scope is
// empty: Nexthink's only one.
const DefaultScope = "service:integration"

// ClientID is the local client id of the token endpoint. It names nothing
// secret: the local client secret (the key) is what authenticates.
const ClientID = "nxcred-local"

// DefaultShutdownTimeout bounds how long Serve waits for requests in flight
// after its context is done.
const DefaultShutdownTimeout = 10 * time.Second

// Config is what a Server needs. Upstream and Tokens are required.
type Config struct {
	// Listen is host:port on loopback; "127.0.0.1:0" when empty. Any other
	// address is refused: the server hands out tokens to whoever holds the
	// key, and the key travels in plain HTTP.
	Listen string
	// Upstream is the API host requests are proxied to:
	// https://<instance>.api.<region>.nexthink.cloud or the profile's first
	// host. It must be https (http only on loopback, for tests).
	Upstream *url.URL
	// Transport carries the proxied requests; nil means a clone of
	// http.DefaultTransport. nxcred passes the token request's, so the
	// proxy honours HTTPS_PROXY, NO_PROXY and SSL_CERT_FILE alike. An
	// *http.Transport is cloned so that its idle pool can be raised for many
	// parallel callers without touching the caller's.
	Transport http.RoundTripper
	// Tokens gets the tokens.
	Tokens Tokens
	// Identity names the profile's identity (token URL, client id, scope).
	// The agent endpoint serves only requests naming the same identity;
	// empty serves none. It is compared, never parsed.
	Identity string
	// Scope is what the token endpoint reports and accepts; DefaultScope
	// when empty.
	Scope string
	// Log gets one debug line per request and warnings; nil logs nothing.
	// It is never given a token or the key.
	Log *slog.Logger
	// Now is the clock of expires_in; time.Now when nil.
	Now func() time.Time
	// Rand is read for the key; crypto/rand when nil.
	Rand io.Reader
	// ShutdownTimeout bounds the wait for requests in flight when Serve's
	// context is done; DefaultShutdownTimeout when zero.
	ShutdownTimeout time.Duration
}

// Server is one run of the local credential server.
type Server struct {
	cfg      Config
	key      string
	listen   string
	upstream *url.URL
	log      *slog.Logger
	proxy    http.Handler
	fresh    refresher

	mu    sync.Mutex
	ln    net.Listener
	hosts map[string]bool
	info  Info
}

// Info is what a caller of the server needs, printed for a person or given
// to a child as environment variables. Every field but BaseURL, TokenURL and
// ClientID holds the key: treat them as the secret they are.
type Info struct {
	// ProxyURL is the proxy's base URL with the key as its first path
	// segment, for clients that take only a base URL.
	ProxyURL string
	// BaseURL is the proxy's base URL without the key, for clients that send
	// the key as a Basic password or a bearer value.
	BaseURL string
	// TokenURL is the local token endpoint.
	TokenURL string
	// ClientID is the local client id.
	ClientID string
	// ClientSecret is the local client secret: the key.
	ClientSecret string
	// AgentURL is the value of NXCRED_AGENT (see ParseAgent).
	AgentURL string
}

// New checks c and makes the run's key. It does not listen yet: see Listen.
func New(c Config) (*Server, error) {
	listen := c.Listen
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	listen, err := loopbackListen(listen)
	if err != nil {
		return nil, err
	}
	if c.Tokens == nil {
		return nil, errors.New("serve: no token source")
	}
	up, err := checkUpstream(c.Upstream)
	if err != nil {
		return nil, err
	}
	if c.Scope == "" {
		c.Scope = DefaultScope
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	log := c.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key, err := newKey(c.Rand)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: c, key: key, listen: listen, upstream: up, log: log}
	s.fresh.tokens = c.Tokens
	s.proxy = s.newProxy(upstreamTransport(c.Transport))
	return s, nil
}

// checkUpstream accepts an https URL, or http to a loopback host, with no
// credentials, query or fragment of its own.
func checkUpstream(u *url.URL) (*url.URL, error) {
	if u == nil || u.Host == "" {
		return nil, errors.New("serve: no upstream API host")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("serve: the upstream %s must be https", u.Redacted())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("serve: the upstream %s must have no user, query or fragment", u.Redacted())
	}
	c := *u
	return &c, nil
}

// Listen binds the listen address, after which Info is complete. Serve
// calls it when it has not been called.
func (s *Server) Listen() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.listen)
	if err != nil {
		return fmt.Errorf("serve: cannot listen on %s: %w", s.listen, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.To4() == nil {
		host = "[" + host + "]"
	}
	port := strconv.Itoa(addr.Port)
	base := "http://" + host + ":" + port
	s.ln = ln
	s.hosts = allowedHosts(host, port)
	s.info = Info{
		ProxyURL:     base + "/" + s.key,
		BaseURL:      base,
		TokenURL:     base + tokenPath,
		ClientID:     ClientID,
		ClientSecret: s.key,
		AgentURL:     base + "/" + s.key,
	}
	return nil
}

// Info is what callers need; complete once Listen has returned nil.
func (s *Server) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.info
}

// Serve serves until ctx is done, then lets requests in flight finish for
// up to Config.ShutdownTimeout and returns nil. Requests still running then
// are cut and Serve says so in its error.
func (s *Server) Serve(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	srv := &http.Server{
		Handler: s,
		// Bounds a caller that opens a connection and never finishes its
		// headers; no write timeout, since downloads stream for as long as
		// the API takes.
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    256 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-done
	if err != nil {
		srv.Close()
		return fmt.Errorf("serve: requests still in flight after %s were cut", s.cfg.ShutdownTimeout)
	}
	return nil
}
