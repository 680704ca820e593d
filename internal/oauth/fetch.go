package oauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/redact"
	"github.com/nxcred/nxcred/internal/token"
)

// DefaultTimeout bounds a whole token request, retries included. It stays
// under Bazel's 10 s credential-helper timeout.
const DefaultTimeout = 8 * time.Second

// MaxLifetime is the longest expires_in nxcred believes. Nexthink tokens
// live 900 s; a day is generous and anything more is a broken server.
const MaxLifetime = 24 * time.Hour

// Fetcher requests tokens for one profile.
type Fetcher struct {
	Profile *config.Profile
	Secret  string
	Client  *http.Client
	// Timeout is the overall deadline; 0 is DefaultTimeout.
	Timeout time.Duration
	// TimeoutVar names the setting Timeout came from, for messages; ""
	// is NXCRED_TIMEOUT.
	TimeoutVar string
	Now        func() time.Time
	Log        *slog.Logger
	// Warn, when set, is told about a token nxcred will not cache because
	// it lives no longer than token.Margin; once per fetch.
	Warn func(string)
	// sleep waits between attempts; tests replace it.
	sleep func(context.Context, time.Duration) error
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) log() *slog.Logger {
	if f.Log != nil {
		return f.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Fetch requests a token exactly as Nexthink documents it: POST to the token
// endpoint, client id and secret in the Basic header, form body
// grant_type=client_credentials and the profile's scope. Network errors, 5xx
// and 429 are retried with exponential backoff and jitter (429 honouring
// Retry-After) inside one overall deadline; other 4xx are not retried.
func (f *Fetcher) Fetch(ctx context.Context) (token.Token, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	// A caller's deadline may leave less than the timeout (the lock wait
	// shares it): a timeout message says what the request really had.
	lim := limits{timeout: timeout, budget: timeout, name: f.TimeoutVar}
	if lim.name == "" {
		lim.name = "NXCRED_TIMEOUT"
	}
	if dl, ok := ctx.Deadline(); ok {
		lim.budget = min(lim.budget, time.Until(dl))
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var retried error // the failure the current attempt retries
	for attempt := 1; ; attempt++ {
		t, err := f.fetchOnce(ctx, lim)
		if err == nil {
			return t, nil
		}
		var fe *FetchError
		if retried != nil && errors.As(err, &fe) && fe.Kind == KindTimeout && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			// The deadline ran out during a retry: the endpoint's own
			// failure says more than "timed out", and does not depend on
			// how far the last attempt got.
			return token.Token{}, retried
		}
		if !errors.As(err, &fe) || !fe.Retryable {
			return token.Token{}, err
		}
		retried = err
		wait := backoff(attempt)
		if fe.RetryAfter > 0 {
			wait = fe.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			f.log().Debug("token request not retried: deadline too close", "attempt", attempt, "wait", wait)
			return token.Token{}, err
		}
		f.log().Debug("token request will be retried", "attempt", attempt, "wait", wait.Round(time.Millisecond), "reason", fe.Msg)
		sleep := f.sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if sleep(ctx, wait) != nil {
			return token.Token{}, err
		}
	}
}

// backoff is 200 ms doubling per attempt, capped at 2 s, with full jitter
// over its upper half so a burst of callers spreads out.
func backoff(attempt int) time.Duration {
	d := 200 * time.Millisecond << min(attempt-1, 4)
	d = min(d, 2*time.Second)
	return d/2 + rand.N(d/2+1)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (f *Fetcher) fetchOnce(ctx context.Context, lim limits) (token.Token, error) {
	p := f.Profile
	cc := clientcredentials.Config{
		ClientID:     p.ClientID,
		ClientSecret: f.Secret,
		TokenURL:     p.Endpoint(),
		Scopes:       strings.Fields(p.EffectiveScope()),
		// Nexthink documents Basic auth; auto-detect would send a second
		// request with the secret in the body after any failure.
		AuthStyle: oauth2.AuthStyleInHeader,
	}
	client := f.Client
	if client == nil {
		// Never http.DefaultClient: it follows redirects.
		var err error
		if client, err = NewHTTPClient(""); err != nil {
			return token.Token{}, err
		}
	}
	rec := &recorder{base: client.Transport}
	if rec.base == nil {
		rec.base = http.DefaultTransport
	}
	c := *client
	c.Transport = rec
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &c)

	start := f.now()
	t0 := time.Now()
	tok, err := cc.Token(ctx)
	f.log().Debug("token request", "url", p.Endpoint(), "status", rec.status, "took", time.Since(t0).Round(time.Microsecond))
	if err != nil {
		// x/oauth2 loses the cause of a failed body read (it formats it
		// with %v), so the context says whether time ran out.
		lim.ctxErr = ctx.Err()
		return token.Token{}, classify(p, f.Secret, err, rec, lim)
	}
	return f.check(tok, start, rec)
}

// check turns an oauth2 token into a cache token, refusing what a bearer
// token cannot be and computing the expiry: request start + expires_in,
// capped by the JWT exp claim when the token is a JWT.
func (f *Fetcher) check(tok *oauth2.Token, start time.Time, rec *recorder) (token.Token, error) {
	bad := func(msg string) error {
		return &FetchError{Profile: f.Profile, Kind: KindBadResponse, Msg: "token endpoint " + f.Profile.EndpointHost() + " " + msg,
			HintText: "the token endpoint is not behaving like Nexthink's; check the token URL (" + f.Profile.Endpoint() + ") and any proxy"}
	}
	if !strings.EqualFold(tok.TokenType, "bearer") {
		return token.Token{}, bad(fmt.Sprintf("returned token_type %s, not Bearer", quoteFromServer(truncate(tok.TokenType, 32), f.Secret)))
	}
	if len(tok.AccessToken) > 16<<10 || token.CheckBearer(tok.AccessToken) != nil {
		return token.Token{}, bad("returned an access_token that cannot be a bearer token (not RFC 6750 b64token syntax, or over 16 KiB)")
	}
	t := token.Token{AccessToken: tok.AccessToken, TokenType: "Bearer", FetchedAt: start}
	raw := tok.Extra("expires_in")
	lifetime, known, err := expiresIn(raw)
	if err != nil {
		if redact.Holds(fmt.Sprint(raw), f.Secret) {
			return token.Token{}, bad("returned an expires_in that is not a lifetime in seconds " + withheld)
		}
		return token.Token{}, bad(err.Error())
	}
	if known {
		t.Expiry = start.Add(lifetime)
	}
	if exp, ok := jwtExpiry(tok.AccessToken); ok {
		switch {
		case !exp.After(start):
			f.log().Debug("JWT exp is before the request started; clocks disagree, using expires_in", "exp", exp)
		case !known || exp.Before(t.Expiry):
			t.Expiry, known = exp, true
		}
	}
	if !known {
		// No lifetime at all: assume the shortest nxcred deals with, one
		// Margin. The token is served to this call only, never cached, and
		// clients are told it expires then.
		t.Expiry = start.Add(token.Margin)
		f.warn(fmt.Sprintf("token endpoint %s gave %s a token with no expires_in: nxcred assumes it lives %s and does not cache it, so every call will make a token request",
			f.Profile.EndpointHost(), f.Profile.Label(), token.Margin))
	} else if !t.Cacheable() {
		f.warn(fmt.Sprintf("token endpoint %s gave %s a token that lives %s, not more than the %s before expiry at which nxcred stops serving a cached token: it is not cached, so every call will make a token request",
			f.Profile.EndpointHost(), f.Profile.Label(), t.Expiry.Sub(start).Round(time.Second), token.Margin))
	}
	return t, nil
}

func (f *Fetcher) warn(msg string) {
	f.log().Debug(msg)
	if f.Warn != nil {
		f.Warn(msg)
	}
}

// expiresIn reads the raw expires_in: a JSON number or a string of digits
// (both seen in the wild, x/oauth2 accepts both). Missing is unknown, not an
// error; zero, negative, fractional or over MaxLifetime is an error.
func expiresIn(v any) (time.Duration, bool, error) {
	var secs float64
	switch x := v.(type) {
	case nil:
		return 0, false, nil
	case float64:
		secs = x
	case int64:
		// x/oauth2 parses a form-encoded response's expires_in to int64.
		secs = float64(x)
	case int:
		secs = float64(x)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return 0, false, fmt.Errorf("returned expires_in %q, not a number", truncate(string(x), 32))
		}
		secs = f
	case string:
		if x == "" {
			return 0, false, nil
		}
		n, err := strconv.ParseInt(x, 10, 64)
		if err != nil {
			return 0, false, fmt.Errorf("returned expires_in %q, not a number", truncate(x, 32))
		}
		secs = float64(n)
	default:
		return 0, false, fmt.Errorf("returned an expires_in that is not a number")
	}
	if secs <= 0 || secs != float64(int64(secs)) || secs > MaxLifetime.Seconds() {
		return 0, false, fmt.Errorf("returned expires_in %v: a token lifetime must be a whole number of seconds between 1 and %d", secs, int(MaxLifetime.Seconds()))
	}
	return time.Duration(secs) * time.Second, true, nil
}

// jwtExpiry returns the exp claim of a token that parses as a JWT. The
// signature is not nxcred's to check; the claim only makes nxcred more
// careful about the lifetime.
func jwtExpiry(tok string) (time.Time, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 8<<10 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if d.Decode(&claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	f, err := claims.Exp.Float64()
	if err != nil || f <= 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}

// recorder keeps what error messages need of the token response: status,
// content type, Retry-After and the first bytes of the body. It never keeps
// the request.
type recorder struct {
	base        http.RoundTripper
	status      int
	contentType string
	retryAfter  string
	head        bytes.Buffer
}

// excerptLen is how much of a body an error quotes; headLen how much is kept
// to redact first, so a secret straddling the cut is still removed whole.
const (
	excerptLen = 200
	headLen    = 8 << 10
)

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r.status = resp.StatusCode
	r.contentType = resp.Header.Get("Content-Type")
	r.retryAfter = resp.Header.Get("Retry-After")
	r.head.Reset()
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, &limitWriter{&r.head, headLen}), resp.Body}
	return resp, nil
}

type limitWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
