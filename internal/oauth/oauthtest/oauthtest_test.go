package oauthtest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
)

const (
	clientID = "0oa-client"
	secret   = "s3cret+/=:%41"
)

// request describes one raw request to the fake endpoint.
type request struct {
	method, path, contentType, body string
	id, secret                      string // Basic credentials, before percent-encoding; none when id == ""
	rawBasic                        bool   // send id and secret without percent-encoding
}

// documented is the request Nexthink documents.
func documented() request {
	return request{method: "POST", path: oauthtest.TokenPath, contentType: "application/x-www-form-urlencoded",
		body: "grant_type=client_credentials&scope=service%3Aintegration", id: clientID, secret: secret}
}

type answer struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

func do(t *testing.T, c *http.Client, base string, r request) answer {
	t.Helper()
	req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.id != "" {
		if r.rawBasic {
			req.SetBasicAuth(r.id, r.secret)
		} else {
			req.SetBasicAuth(url.QueryEscape(r.id), url.QueryEscape(r.secret))
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s = %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(body)}
	json.Unmarshal(body, &a.json) // absent for non-JSON bodies
	return a
}

func plain(t *testing.T) *oauthtest.Server {
	t.Helper()
	s := oauthtest.NewPlain(clientID, secret)
	t.Cleanup(s.Close)
	return s
}

func TestDocumentedRequest(t *testing.T) {
	t.Parallel()
	s := oauthtest.New(clientID, secret)
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") || s.TokenURL() != s.URL()+"/oauth2/default/v1/token" {
		t.Errorf("URL(), TokenURL() = %q, %q; want https on 127.0.0.1 and Nexthink's token path", s.URL(), s.TokenURL())
	}
	if !strings.HasPrefix(string(s.CertPEM()), "-----BEGIN CERTIFICATE-----") {
		t.Errorf("CertPEM() = %.40q, want a PEM certificate", s.CertPEM())
	}
	a := do(t, s.Client(), s.URL(), documented())
	if a.status != 200 {
		t.Fatalf("documented request: status %d %s, want 200", a.status, a.body)
	}
	issued := s.Issued()
	if len(issued) != 1 || a.json["access_token"] != issued[0] || !strings.HasPrefix(issued[0], "tok-1-") {
		t.Errorf("access_token = %v, Issued() = %q; want one token tok-1-...", a.json["access_token"], issued)
	}
	if a.json["token_type"] != "Bearer" || a.json["expires_in"] != 900.0 || a.json["scope"] != "service:integration" {
		t.Errorf("answer = %v, want token_type Bearer, expires_in 900, scope service:integration", a.json)
	}
	if ct, cc := a.header.Get("Content-Type"), a.header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
		t.Errorf("Content-Type, Cache-Control = %q, %q; want application/json, no-store", ct, cc)
	}
	if n := s.Hits(); n != 1 {
		t.Errorf("Hits() = %d, want 1", n)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %q, want none", v)
	}
}

func TestPlain(t *testing.T) {
	t.Parallel()
	s := plain(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || s.CertPEM() != nil {
		t.Errorf("NewPlain: URL() = %q, CertPEM() = %d bytes; want http on 127.0.0.1 and no certificate", s.URL(), len(s.CertPEM()))
	}
	if a := do(t, http.DefaultClient, s.URL(), documented()); a.status != 200 {
		t.Errorf("documented request over http: status %d %s, want 200", a.status, a.body)
	}
}

func TestViolations(t *testing.T) {
	t.Parallel()
	mod := func(f func(*request)) request {
		r := documented()
		f(&r)
		return r
	}
	tests := []struct {
		name string
		r    request
		want string
	}{
		{"GET", mod(func(r *request) { r.method = "GET"; r.body = "" }), "method GET, want POST"},
		{"PUT", mod(func(r *request) { r.method = "PUT" }), "method PUT, want POST"},
		{"wrong path", mod(func(r *request) { r.path = "/oauth2/v1/token" }), "path /oauth2/v1/token, want /oauth2/default/v1/token"},
		{"JSON body", mod(func(r *request) {
			r.contentType = "application/json"
			r.body = `{"grant_type":"client_credentials","scope":"service:integration"}`
		}), "content type application/json"},
		{"no content type", mod(func(r *request) { r.contentType = "" }), "want application/x-www-form-urlencoded"},
		{"no Basic header", mod(func(r *request) { r.id = "" }), "no Basic authorization header"},
		{"secret in the body", mod(func(r *request) { r.body += "&client_secret=" + url.QueryEscape(secret) }), "credentials in the body"},
		{"id in the body", mod(func(r *request) { r.body += "&client_id=" + clientID }), "credentials in the body"},
		{"missing scope", mod(func(r *request) { r.body = "grant_type=client_credentials" }), "scope , want service:integration"},
		{"other scope", mod(func(r *request) { r.body = "grant_type=client_credentials&scope=openid" }), "scope openid, want service:integration"},
		{"wrong grant", mod(func(r *request) { r.body = "grant_type=password&scope=service%3Aintegration" }), "grant_type password"},
		{"grant twice", mod(func(r *request) { r.body += "&grant_type=client_credentials" }), "grant_type client_credentials, want"},
		{"extra field", mod(func(r *request) { r.body += "&audience=api" }), "unexpected form fields"},
		{"not a form", mod(func(r *request) { r.body = "%zz" }), "body is not a form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := plain(t)
			a := do(t, http.DefaultClient, s.URL(), tt.r)
			if a.status != 400 || a.json["error"] != "invalid_request" {
				t.Errorf("status %d %s, want 400 invalid_request", a.status, a.body)
			}
			v := s.Violations()
			if len(v) != 1 || !strings.Contains(v[0], tt.want) {
				t.Errorf("Violations() = %q, want one containing %q", v, tt.want)
			}
			if desc, _ := a.json["error_description"].(string); len(v) == 1 && desc != v[0] {
				t.Errorf("error_description = %q, want the violation %q", desc, v[0])
			}
			if got := s.Issued(); len(got) != 0 {
				t.Errorf("Issued() = %q, want none", got)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		r      func(request) request
		status int
	}{
		{"percent-encoded, as x/oauth2 sends them", func(r request) request { return r }, 200},
		// '+' decodes to a space and %41 to 'A': the raw secret no longer matches.
		{"raw secret", func(r request) request { r.rawBasic = true; return r }, 401},
		{"wrong secret", func(r request) request { r.secret = "nope"; return r }, 401},
		{"wrong id", func(r request) request { r.id = "other"; return r }, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := plain(t)
			a := do(t, http.DefaultClient, s.URL(), tt.r(documented()))
			if a.status != tt.status {
				t.Errorf("status %d %s, want %d", a.status, a.body, tt.status)
			}
			if tt.status == 401 && a.json["error"] != "invalid_client" {
				t.Errorf("error = %v, want invalid_client", a.json["error"])
			}
			if v := s.Violations(); len(v) != 0 {
				t.Errorf("Violations() = %q, want none: the request's shape is right", v)
			}
		})
	}
}

func TestEnqueue(t *testing.T) {
	t.Parallel()
	s := plain(t)
	s.Enqueue(
		oauthtest.Response{Status: 503, ContentType: "text/html", Body: "<h1>down</h1>", Header: http.Header{"Retry-After": {"1"}}},
		oauthtest.Response{Status: 200, Body: `{"access_token":"scripted","token_type":"Bearer"}`},
	)
	s.Enqueue(oauthtest.Response{Status: 429, Delay: 50 * time.Millisecond})

	a := do(t, http.DefaultClient, s.URL(), documented())
	if a.status != 503 || a.body != "<h1>down</h1>" || a.header.Get("Content-Type") != "text/html" || a.header.Get("Retry-After") != "1" {
		t.Errorf("answer 1 = %d %q %v, want the scripted 503 text/html with Retry-After", a.status, a.body, a.header)
	}
	a = do(t, http.DefaultClient, s.URL(), documented())
	if a.status != 200 || a.json["access_token"] != "scripted" || a.header.Get("Content-Type") != "application/json" {
		t.Errorf("answer 2 = %d %q, want the scripted 200 JSON", a.status, a.body)
	}
	t0 := time.Now()
	a = do(t, http.DefaultClient, s.URL(), documented())
	if took := time.Since(t0); a.status != 429 || took < 50*time.Millisecond {
		t.Errorf("answer 3 = %d after %s, want the scripted 429 after its 50ms delay", a.status, took)
	}
	a = do(t, http.DefaultClient, s.URL(), documented())
	if a.status != 200 || !strings.HasPrefix(a.json["access_token"].(string), "tok-4-") {
		t.Errorf("answer 4 = %d %q, want a normal token tok-4-...", a.status, a.body)
	}
	if n, issued := s.Hits(), s.Issued(); n != 4 || len(issued) != 1 {
		t.Errorf("Hits(), Issued() = %d, %q; want 4 and only the normal token (scripted answers are not issued)", n, issued)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %q, want none", v)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	s := plain(t)

	s.SetLifetime(-1)
	s.SetTokenType("")
	a := do(t, http.DefaultClient, s.URL(), documented())
	if _, ok := a.json["expires_in"]; ok {
		t.Errorf("SetLifetime(-1): answer %s, want no expires_in", a.body)
	}
	if _, ok := a.json["token_type"]; ok {
		t.Errorf("SetTokenType(\"\"): answer %s, want no token_type", a.body)
	}

	s.SetLifetime(60)
	s.SetTokenType("mac")
	a = do(t, http.DefaultClient, s.URL(), documented())
	if a.json["expires_in"] != 60.0 || a.json["token_type"] != "mac" {
		t.Errorf("SetLifetime(60), SetTokenType(mac): answer %s, want expires_in 60 and token_type mac", a.body)
	}

	s.SetJWT(true, 300*time.Second)
	before := time.Now()
	a = do(t, http.DefaultClient, s.URL(), documented())
	after := time.Now()
	tok, _ := a.json["access_token"].(string)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("SetJWT(true): access_token %q, want a JWT", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload %q: %v", parts[1], err)
	}
	var claims struct {
		Exp int64
		Jti string
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatalf("JWT payload %s: %v", payload, err)
	}
	// exp is in whole seconds, taken while the request was served.
	if exp := time.Unix(claims.Exp, 0); exp.Before(before.Add(299*time.Second)) || exp.After(after.Add(300*time.Second)) {
		t.Errorf("JWT exp = request start%+v, want 5m0s after the request", exp.Sub(before))
	}
	if !strings.HasPrefix(claims.Jti, "tok-3-") {
		t.Errorf("JWT jti = %q, want tok-3-...", claims.Jti)
	}
	if issued := s.Issued(); len(issued) != 3 || issued[2] != tok {
		t.Errorf("Issued() = %q, want 3 tokens ending with the JWT", issued)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("Violations() = %q, want none", v)
	}
}

func TestContains(t *testing.T) {
	t.Parallel()
	s := plain(t)
	do(t, http.DefaultClient, s.URL(), documented())
	do(t, http.DefaultClient, s.URL(), documented())
	issued := s.Issued()
	tests := []struct {
		name string
		data string
		what string
		ok   bool
	}{
		{"nothing", "nothing to see here", "", false},
		{"secret", "x=" + secret + "\n", "the client secret", true},
		{"first token", "cache: " + issued[0], "token " + issued[0][:8] + "...", true},
		{"second token", issued[1] + " at the end", "token " + issued[1][:8] + "...", true},
		{"part of a token", issued[0][:len(issued[0])-1], "", false},
	}
	for _, tt := range tests {
		if what, ok := s.Contains([]byte(tt.data)); what != tt.what || ok != tt.ok {
			t.Errorf("Contains(%s) = %q, %v; want %q, %v", tt.name, what, ok, tt.what, tt.ok)
		}
	}
	if strings.Contains(func() string { w, _ := s.Contains([]byte(secret)); return w }(), secret) {
		t.Errorf("Contains() names the secret itself, want only a description")
	}
}

// A request with a violation still consumes the next scripted answer, so a
// test's script shifts by one.
func TestViolationConsumesScriptedAnswer(t *testing.T) {
	t.Parallel()
	s := plain(t)
	s.Enqueue(oauthtest.Response{Status: 503})
	bad := documented()
	bad.method = "GET"
	do(t, http.DefaultClient, s.URL(), bad)
	if a := do(t, http.DefaultClient, s.URL(), documented()); a.status != 503 {
		t.Errorf("after a bad request, status %d, want the scripted 503", a.status)
	}
}

// Close ends delayed answers at once, so a client that gave up mid-request
// does not keep Close (and the test's cleanup) waiting out the delay.
func TestCloseEndsDelay(t *testing.T) {
	t.Parallel()
	s := oauthtest.NewPlain(clientID, secret)
	s.SetDelay(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := documented()
	req, _ := http.NewRequestWithContext(ctx, r.method, s.TokenURL(), strings.NewReader(r.body))
	req.Header.Set("Content-Type", r.contentType)
	req.SetBasicAuth(url.QueryEscape(r.id), url.QueryEscape(r.secret))
	// The client gives up once the server holds its request, however long
	// the request takes to arrive.
	go func() {
		for s.Hits() == 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request to an answer delayed by an hour succeeded, want it canceled")
	}
	t0 := time.Now()
	s.Close()
	// A loaded machine may add seconds; only waiting out the delay takes
	// an hour.
	if took := time.Since(t0); took > time.Minute {
		t.Errorf("Close() after the client gave up took %s, want the delay ended at once", took)
	}
	if n := s.Hits(); n != 1 {
		t.Errorf("Hits() = %d, want 1", n)
	}
}

// Hold keeps a request waiting until released: held says when it arrived,
// and it is answered with a token only after release.
func TestHold(t *testing.T) {
	t.Parallel()
	s := plain(t)
	held, release := s.Hold()
	done := make(chan answer, 1)
	go func() { done <- do(t, http.DefaultClient, s.URL(), documented()) }()
	<-held
	select {
	case a := <-done:
		t.Fatalf("held request answered before release: %d %s", a.status, a.body)
	default:
	}
	release()
	release() // twice is harmless
	if a := <-done; a.status != 200 || a.json["access_token"] == nil {
		t.Errorf("released request = %d %s, want 200 with a token", a.status, a.body)
	}
	// released for good: the next request is not held
	if a := do(t, http.DefaultClient, s.URL(), documented()); a.status != 200 {
		t.Errorf("request after release = %d, want 200", a.status)
	}
}

// A delayed answer whose client went away is aborted, not answered: an
// empty 200 sent then could still reach a client closing the connection at
// its deadline, which would report "not a token" instead of "timed out".
func TestCanceledRequestGetsNoAnswer(t *testing.T) {
	t.Parallel()
	s := plain(t)
	s.SetDelay(time.Hour)
	r := documented()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := httptest.NewRequestWithContext(ctx, r.method, oauthtest.TokenPath, strings.NewReader(r.body))
	req.Header.Set("Content-Type", r.contentType)
	req.SetBasicAuth(url.QueryEscape(r.id), url.QueryEscape(r.secret))
	rec := httptest.NewRecorder()
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Errorf("ServeHTTP for a client that left panicked with %v, want http.ErrAbortHandler", v)
		}
		if rec.Body.Len() != 0 || len(rec.Header()) != 0 {
			t.Errorf("ServeHTTP for a client that left wrote %d %q %v, want nothing", rec.Code, rec.Body, rec.Header())
		}
	}()
	s.ServeHTTP(rec, req)
	t.Errorf("ServeHTTP for a client that left returned (an empty 200), want it aborted")
}
