package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/testenv"
)

const (
	testClientID = "0oa1b2c3d4e5f6g7h8i9"
	testSecret   = "s3cret-of-the-test-client-7f3a"
)

// start is the fixed "now" of the fetch tests. It is years away from the wall
// clock, so an expiry computed from time.Now instead of Fetcher.Now shows.
var start = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

func fixedNow(t time.Time) func() time.Time { return func() time.Time { return t } }

// trustedServer starts the fake Nexthink endpoint over TLS and returns it
// with the client nxcred would build: NewHTTPClient with the server's
// certificate in a temporary SSL_CERT_FILE.
func trustedServer(t *testing.T, secret string) (*oauthtest.Server, *http.Client) {
	t.Helper()
	ep := testenv.NewEndpoint(t, testClientID, secret)
	client, err := NewHTTPClient(ep.CAFile)
	if err != nil {
		t.Fatalf("NewHTTPClient(%s) = %v, want a client", ep.CAFile, err)
	}
	t.Cleanup(client.CloseIdleConnections)
	return ep.Server, client
}

// serverProfile is a config profile whose token URL points at srv.
func serverProfile(srv *oauthtest.Server) *config.Profile {
	return &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: testClientID, TokenURL: srv.TokenURL()}
}

// sleepRecorder replaces Fetcher.sleep: it takes no real time and keeps the
// waits asked for. It keeps a virtual clock: a wait that would take the
// total past budget fails the way sleepCtx fails at the deadline, so a retry
// loop is bounded by the schedule it asks for, not by how fast loopback
// answers. Budget 0 means no limit.
type sleepRecorder struct {
	budget time.Duration

	mu    sync.Mutex
	waits []time.Duration
	total time.Duration
	// late lists waits longer than what was left of the context's deadline:
	// Fetch must never ask for one.
	late []string
}

func (r *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); d > left {
			r.late = append(r.late, fmt.Sprintf("wait %s with %s left", d, left))
		}
	}
	r.total += d
	if r.budget > 0 && r.total > r.budget {
		return context.DeadlineExceeded
	}
	return ctx.Err()
}

func (r *sleepRecorder) Waits() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.waits)
}

func (r *sleepRecorder) Late() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.late)
}

// newFetcher is a Fetcher for p at the fixed time start whose waits go to rec.
func newFetcher(p *config.Profile, secret string, client *http.Client, rec *sleepRecorder) *Fetcher {
	return &Fetcher{Profile: p, Secret: secret, Client: client, Now: fixedNow(start), sleep: rec.sleep}
}

// fetchError asserts that err is a *FetchError and returns it.
func fetchError(t *testing.T, err error) *FetchError {
	t.Helper()
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("Fetch() error = %v (%T), want a *FetchError", err, err)
	}
	return fe
}

func kindName(k Kind) string {
	switch k {
	case KindSecretRejected:
		return "KindSecretRejected"
	case KindOAuthError:
		return "KindOAuthError"
	case KindHTTP:
		return "KindHTTP"
	case KindBadResponse:
		return "KindBadResponse"
	case KindDNS:
		return "KindDNS"
	case KindTLS:
		return "KindTLS"
	case KindCanceled:
		return "KindCanceled"
	case KindTimeout:
		return "KindTimeout"
	case KindNetwork:
		return "KindNetwork"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}
