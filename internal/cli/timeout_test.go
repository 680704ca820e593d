package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/gofrs/flock"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/testenv"
)

// TestLockWaitNamesWhatTimedOut: a call that waits for another process's
// fetch until NXCRED_TIMEOUT runs out says so (not a bare "context deadline
// exceeded"): the profile, the lock file, and NXCRED_TIMEOUT with its value.
// The lock is held by the test and never released: the deadline is the only
// way out.
func TestLockWaitNamesWhatTimedOut(t *testing.T) {
	env := testenv.New(t).With(map[string]string{
		"NXCRED_CLIENT_ID":     scriptClientID,
		"NXCRED_CLIENT_SECRET": scriptSecret,
		"NXCRED_TOKEN_URL":     "https://127.0.0.1:1/oauth2/default/v1/token",
		"NXCRED_TIMEOUT":       "300ms",
	})
	p, _, err := config.EnvProfile(env.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(env["XDG_CACHE_HOME"], "nxcred")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	lockPath := filepath.Join(dir, p.SlotName()+".lock")
	fl := flock.New(lockPath)
	if err := fl.Lock(); err != nil {
		t.Fatal(err)
	}
	defer fl.Unlock()

	code, stdout, stderr := runInProcess(t, "token", env, "")
	if code != 1 || stdout != "" {
		t.Errorf("token while another process holds the lock = exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	want := regexp.MustCompile(`(?m)^nxcred: error: timed out after \d+ms waiting for another nxcred process fetching the token of the environment profile \(lock ` + regexp.QuoteMeta(lockPath) + `\)\nnxcred: hint: the token endpoint is slow or not answering: retry, or raise NXCRED_TIMEOUT \(now 300ms\); a crashed nxcred releases the lock by itself\n\z`)
	if !want.MatchString(stderr) {
		t.Errorf("stderr = %q, want it to match %s", stderr, want)
	}
}

// TestStalledBodyNamesWhatTimedOut: an endpoint that answers 200 and then
// stalls its body past NXCRED_TIMEOUT is "did not finish answering", not
// "cannot reach". The deadline is 3 s, which a loopback status line beats by
// three orders of magnitude (the exact race-free form is in auth).
func TestStalledBodyNamesWhatTimedOut(t *testing.T) {
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
	defer srv.Close()
	defer close(end)
	env := map[string]string{
		"NXCRED_CLIENT_ID":     scriptClientID,
		"NXCRED_CLIENT_SECRET": scriptSecret,
		"NXCRED_TOKEN_URL":     srv.URL + "/oauth2/default/v1/token",
		"NXCRED_TIMEOUT":       "3s",
	}
	code, _, stderr := runInProcess(t, "token", env, "")
	want := regexp.MustCompile(`(?m)^nxcred: error: token endpoint 127\.0\.0\.1:\d+ did not finish answering within (3s \(NXCRED_TIMEOUT\)|the [0-9.]+m?s left of NXCRED_TIMEOUT \(3s\)) for the environment profile \(it answered 200, then the body stalled\)\nnxcred: hint: the endpoint or a proxy on the way is slow: retry, or raise NXCRED_TIMEOUT \(now 3s\)\n\z`)
	if code != 1 || !want.MatchString(stderr) {
		t.Errorf("token against a stalled body = exit %d, stderr %q; want 1 and a match for %s", code, stderr, want)
	}
}
