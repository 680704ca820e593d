// Package oauthtest is a fake Nexthink token endpoint for tests: it checks
// each request exactly as Nexthink documents it, counts requests, remembers
// the tokens it issued (so tests can grep for them), and answers with chosen
// lifetimes, errors and delays. It listens on loopback only.
package oauthtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TokenPath is Nexthink's token path.
const TokenPath = "/oauth2/default/v1/token"

// Response is a scripted answer for the next request.
type Response struct {
	Status      int
	ContentType string
	Body        string
	Header      http.Header
	Delay       time.Duration
}

// Server is the fake endpoint.
type Server struct {
	srv      *httptest.Server
	closing  chan struct{}
	once     sync.Once
	ClientID string
	Secret   string
	Scope    string

	hits atomic.Int64

	mu         sync.Mutex
	lifetime   int // expires_in; < 0 omits it
	tokenType  string
	jwt        bool
	jwtExp     time.Duration // exp claim offset from now when jwt
	delay      time.Duration
	hold       *hold
	queue      []Response
	issued     []string
	issuedAt   map[string]time.Time
	violations []string
}

// New starts a TLS server (certificate for 127.0.0.1 and ::1) expecting
// clientID and secret and the default scope; lifetime 900 s.
func New(clientID, secret string) *Server {
	s := newServer(clientID, secret)
	s.srv = httptest.NewTLSServer(s)
	return s
}

// NewPlain starts the same server over plain http on loopback, which nxcred
// allows for loopback addresses only.
func NewPlain(clientID, secret string) *Server {
	s := newServer(clientID, secret)
	s.srv = httptest.NewServer(s)
	return s
}

func newServer(clientID, secret string) *Server {
	return &Server{ClientID: clientID, Secret: secret, Scope: "service:integration", lifetime: 900, tokenType: "Bearer", closing: make(chan struct{})}
}

// Close stops the server. Delayed answers end at once, so a client that
// died mid-request does not keep Close waiting.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closing) })
	s.srv.Close()
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.srv.URL + TokenPath }

// CertPEM is the server certificate, to trust through SSL_CERT_FILE.
func (s *Server) CertPEM() []byte {
	if s.srv.Certificate() == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// Client is an *http.Client that trusts the server.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Hits is the number of requests received.
func (s *Server) Hits() int { return int(s.hits.Load()) }

// Issued is every token handed out, in order.
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// IssuedAt says when tok was issued, by the wall clock, and whether this
// server issued it.
func (s *Server) IssuedAt(tok string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.issuedAt[tok]
	return at, ok
}

// Lifetime is the expires_in of the next tokens.
func (s *Server) Lifetime() int { s.mu.Lock(); defer s.mu.Unlock(); return s.lifetime }

// Violations lists requests that did not follow Nexthink's documented shape.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// SetLifetime sets expires_in; a negative value omits the field.
func (s *Server) SetLifetime(secs int) { s.mu.Lock(); s.lifetime = secs; s.mu.Unlock() }

// SetTokenType sets token_type ("" omits it).
func (s *Server) SetTokenType(t string) { s.mu.Lock(); s.tokenType = t; s.mu.Unlock() }

// SetJWT makes tokens JWTs whose exp claim is now+exp.
func (s *Server) SetJWT(on bool, exp time.Duration) {
	s.mu.Lock()
	s.jwt, s.jwtExp = on, exp
	s.mu.Unlock()
}

// SetDelay delays every answer.
func (s *Server) SetDelay(d time.Duration) { s.mu.Lock(); s.delay = d; s.mu.Unlock() }

// hold keeps requests waiting until release.
type hold struct {
	held, release chan struct{}
	once          sync.Once
}

// Hold makes every token request wait before it is answered, until release
// is called (or the server closes). held is closed when the first request
// is waiting: from then on its caller is in the middle of its request, and
// an nxcred holds its profile's lock, for as long as the test needs.
func (s *Server) Hold() (held <-chan struct{}, release func()) {
	h := &hold{held: make(chan struct{}), release: make(chan struct{})}
	s.mu.Lock()
	s.hold = h
	s.mu.Unlock()
	var once sync.Once
	return h.held, func() {
		once.Do(func() {
			s.mu.Lock()
			if s.hold == h {
				s.hold = nil
			}
			s.mu.Unlock()
			close(h.release)
		})
	}
}

// Enqueue scripts the answers to the next requests, in order; after them
// the server answers normally again.
func (s *Server) Enqueue(rs ...Response) {
	s.mu.Lock()
	s.queue = append(s.queue, rs...)
	s.mu.Unlock()
}

// ServeHTTP answers one token request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := s.hits.Add(1)
	if problem := s.check(r); problem != "" {
		s.mu.Lock()
		s.violations = append(s.violations, problem)
		s.mu.Unlock()
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request", "error_description": problem})
		return
	}
	s.mu.Lock()
	delay, h := s.delay, s.hold
	var scripted *Response
	if len(s.queue) > 0 {
		scripted = &s.queue[0]
		s.queue = s.queue[1:]
	}
	s.mu.Unlock()
	if h != nil {
		h.once.Do(func() { close(h.held) })
		select {
		case <-h.release:
		case <-r.Context().Done():
			// Not answered, for the same reason as a delayed answer below.
			panic(http.ErrAbortHandler)
		case <-s.closing:
			panic(http.ErrAbortHandler)
		}
	}
	if scripted != nil && scripted.Delay > 0 {
		delay = scripted.Delay
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			// The client went away. Returning would send an empty 200,
			// which a client that is closing the connection at its
			// deadline can still receive (net/http hands over a response
			// that races the close): abort without answering, as a real
			// endpoint would not answer 200 to a client that left.
			panic(http.ErrAbortHandler)
		case <-s.closing:
			panic(http.ErrAbortHandler)
		}
	}
	if scripted != nil {
		for k, vs := range scripted.Header {
			w.Header()[k] = vs
		}
		ct := scripted.ContentType
		if ct == "" {
			ct = "application/json"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(scripted.Status)
		io.WriteString(w, scripted.Body)
		return
	}
	id, secret, _ := basicAuth(r)
	if id != s.ClientID || secret != s.Secret {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "Invalid value for 'client_id' parameter."})
		return
	}
	s.mu.Lock()
	tok := s.newToken(n)
	s.issued = append(s.issued, tok)
	if s.issuedAt == nil {
		s.issuedAt = map[string]time.Time{}
	}
	s.issuedAt[tok] = time.Now()
	body := map[string]any{"access_token": tok, "scope": s.Scope}
	if s.lifetime >= 0 {
		body["expires_in"] = s.lifetime
	}
	if s.tokenType != "" {
		body["token_type"] = s.tokenType
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, body)
}

// newToken makes a distinctive token: tok-<n>-<random> (so scripts can match
// the request number), or a JWT carrying the same as jti. Callers hold mu.
func (s *Server) newToken(n int64) string {
	b := make([]byte, 8)
	rand.Read(b)
	id := fmt.Sprintf("tok-%d-%s", n, hex.EncodeToString(b))
	if !s.jwt {
		return id
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))
	claims, _ := json.Marshal(map[string]any{"jti": id, "exp": time.Now().Add(s.jwtExp).Unix(), "scp": []string{s.Scope}})
	return header + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(b)
}

// check returns what is wrong with r as a Nexthink token request, or "".
func (s *Server) check(r *http.Request) string {
	if r.Method != http.MethodPost {
		return "method " + r.Method + ", want POST"
	}
	if r.URL.Path != TokenPath {
		return "path " + r.URL.Path + ", want " + TokenPath
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		return "content type " + r.Header.Get("Content-Type") + ", want application/x-www-form-urlencoded"
	}
	if _, _, ok := basicAuth(r); !ok {
		return "no Basic authorization header"
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return "cannot read body"
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "body is not a form"
	}
	if form.Has("client_secret") || form.Has("client_id") {
		return "credentials in the body, want them in the Basic header only"
	}
	if got := form.Get("grant_type"); got != "client_credentials" || len(form["grant_type"]) != 1 {
		return "grant_type " + got + ", want client_credentials"
	}
	if got := form.Get("scope"); got != s.Scope {
		return "scope " + got + ", want " + s.Scope
	}
	if len(form) != 2 {
		return "unexpected form fields in " + string(body)
	}
	return ""
}

// basicAuth decodes the Basic header; x/oauth2 percent-encodes id and secret
// first (RFC 6749 §2.3.1), so undo that.
func basicAuth(r *http.Request) (id, secret string, ok bool) {
	id, secret, ok = r.BasicAuth()
	if !ok {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(id)
	secret, err2 := url.QueryUnescape(secret)
	return id, secret, err1 == nil && err2 == nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// Contains reports whether data holds the server's secret or any token it
// issued; used to prove nothing was written in plaintext.
func (s *Server) Contains(data []byte) (string, bool) {
	text := string(data)
	if s.Secret != "" && strings.Contains(text, s.Secret) {
		return "the client secret", true
	}
	for _, t := range s.Issued() {
		if strings.Contains(text, t) {
			return "token " + t[:min(len(t), 8)] + "...", true
		}
	}
	return "", false
}
