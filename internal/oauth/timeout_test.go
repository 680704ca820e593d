package oauth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/config"
)

// deadlineCtx is a context whose deadline the test fires by hand, so a test
// decides when time runs out from what it saw happen (headers received, a
// request arrived), never from one timer beating another.
type deadlineCtx struct {
	context.Context
	done chan struct{}
	once sync.Once
}

func newDeadlineCtx() *deadlineCtx {
	return &deadlineCtx{Context: context.Background(), done: make(chan struct{})}
}

func (c *deadlineCtx) fire()                 { c.once.Do(func() { close(c.done) }) }
func (c *deadlineCtx) Done() <-chan struct{} { return c.done }
func (c *deadlineCtx) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// stallingServer answers 200 with the start of a JSON body, flushes, then
// never finishes until the client goes or the test ends.
func stallingServer(t *testing.T) *httptest.Server {
	t.Helper()
	end := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"access_token":"`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-end:
		}
	}))
	t.Cleanup(func() { close(end); srv.Close() })
	return srv
}

// headersClient is a client whose gotHeaders closes once the first response
// headers are in hand, so a test can fire a deadline or cancel mid-body.
func headersClient(t *testing.T) (*http.Client, <-chan struct{}) {
	gotHeaders := make(chan struct{})
	base := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(base.CloseIdleConnections)
	var once sync.Once
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(r)
		once.Do(func() { close(gotHeaders) })
		return resp, err
	})}, gotHeaders
}

// TestFetchBodyStalls: an endpoint that sends its status line and then
// stalls past the deadline is a timeout that says the answer did not
// finish, not "cannot reach": the endpoint was reached. The deadline fires
// once the client holds the response headers.
func TestFetchBodyStalls(t *testing.T) {
	t.Parallel()
	srv := stallingServer(t)
	client, gotHeaders := headersClient(t)
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: srv.URL + "/oauth2/default/v1/token"}
	f := newFetcher(p, testSecret, client, &sleepRecorder{})
	f.Timeout = 15 * time.Second
	ctx := newDeadlineCtx()
	go func() { <-gotHeaders; ctx.fire() }()
	_, err := f.Fetch(ctx)
	fe := fetchError(t, err)
	if fe.Kind != KindTimeout {
		t.Errorf("Fetch() kind = %s, want KindTimeout (%v)", kindName(fe.Kind), err)
	}
	want := regexp.MustCompile(`^token endpoint 127\.0\.0\.1:\d+ did not finish answering within 15s \(NXCRED_TIMEOUT\) for profile prod \(it answered 200, then the body stalled\)$`)
	if !want.MatchString(fe.Error()) {
		t.Errorf("Fetch() error = %q, want it to match %s", fe.Error(), want)
	}
	if hint := "raise NXCRED_TIMEOUT (now 15s)"; !regexp.MustCompile(regexp.QuoteMeta(hint)).MatchString(fe.Hint()) {
		t.Errorf("Fetch() hint = %q, want it to say %q", fe.Hint(), hint)
	}
}

// TestFetchNoAnswer: an endpoint that never answers is a timeout naming the
// endpoint, the profile and NXCRED_TIMEOUT. The deadline fires once the
// request has reached the server.
func TestFetchNoAnswer(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.SetDelay(time.Hour) // ends when the client goes, or at Close
	p := serverProfile(srv)
	p.Name, p.FromEnv = config.EnvProfileName, true
	f := newFetcher(p, testSecret, client, &sleepRecorder{})
	f.Timeout = 3 * time.Second
	ctx := newDeadlineCtx()
	arrived := make(chan struct{})
	go func() {
		// Bounded: a request that never arrives fires the deadline after
		// 10s, and the message check below fails on its own terms.
		for end := time.Now().Add(10 * time.Second); srv.Hits() == 0 && time.Now().Before(end); {
			time.Sleep(time.Millisecond)
		}
		close(arrived)
		ctx.fire()
	}()
	_, err := f.Fetch(ctx)
	<-arrived
	fe := fetchError(t, err)
	want := regexp.MustCompile(`^token endpoint 127\.0\.0\.1:\d+ did not answer within 3s \(NXCRED_TIMEOUT\) for the environment profile$`)
	if fe.Kind != KindTimeout || !want.MatchString(fe.Error()) {
		t.Errorf("Fetch() = %s %q, want KindTimeout matching %s", kindName(fe.Kind), fe.Error(), want)
	}
	if wantHint := "check the network and proxy settings (HTTPS_PROXY, NO_PROXY), or raise NXCRED_TIMEOUT (now 3s)"; fe.Hint() != wantHint {
		t.Errorf("Fetch() hint = %q, want %q", fe.Hint(), wantHint)
	}
}

// TestFetchTimeoutAfterLockWait: when the caller's deadline leaves the
// request less than NXCRED_TIMEOUT (a lock wait used the rest), the message
// says how much it had, not the whole timeout.
func TestFetchTimeoutAfterLockWait(t *testing.T) {
	t.Parallel()
	srv, client := trustedServer(t, testSecret)
	srv.SetDelay(time.Hour)
	f := newFetcher(serverProfile(srv), testSecret, client, &sleepRecorder{})
	f.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := f.Fetch(ctx)
	fe := fetchError(t, err)
	want := regexp.MustCompile(`^token endpoint 127\.0\.0\.1:\d+ did not answer within the \d+ms left of NXCRED_TIMEOUT \(1m0s\) for profile prod$`)
	if fe.Kind != KindTimeout || !want.MatchString(fe.Error()) {
		t.Errorf("Fetch() = %s %q, want KindTimeout matching %s", kindName(fe.Kind), fe.Error(), want)
	}
}

// TestFetchCanceledDuringBody: Ctrl-C while the body is being read is a
// cancellation, not a network failure.
func TestFetchCanceledDuringBody(t *testing.T) {
	t.Parallel()
	srv := stallingServer(t)
	client, gotHeaders := headersClient(t)
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: srv.URL + "/oauth2/default/v1/token"}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-gotHeaders; cancel() }()
	_, err := newFetcher(p, testSecret, client, &sleepRecorder{}).Fetch(ctx)
	if fe := fetchError(t, err); fe.Kind != KindCanceled || fe.Retryable {
		t.Errorf("Fetch() canceled during the body = %s (retryable %v) %q, want KindCanceled", kindName(fe.Kind), fe.Retryable, fe.Error())
	}
}

// TestFetchDeadlineCutsRetry: when the deadline cuts a retry, the error is
// what the earlier attempt met (here a refused connection), not "did not
// answer". The second attempt blocks until the test fires the deadline.
func TestFetchDeadlineCutsRetry(t *testing.T) {
	t.Parallel()
	ctx := newDeadlineCtx()
	attempts := 0
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		attempts++
		if attempts == 1 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
		}
		ctx.fire()
		<-r.Context().Done()
		return nil, r.Context().Err()
	})}
	p := &config.Profile{Name: "prod", ClientID: testClientID, TokenURL: "https://127.0.0.1:1/oauth2/default/v1/token"}
	_, err := newFetcher(p, testSecret, client, &sleepRecorder{}).Fetch(ctx)
	fe := fetchError(t, err)
	if attempts != 2 || fe.Kind != KindNetwork || !strings.Contains(fe.Error(), "connection refused") {
		t.Errorf("Fetch() after %d attempts = %s %q, want the refused connection of the first of 2", attempts, kindName(fe.Kind), fe.Error())
	}
}
