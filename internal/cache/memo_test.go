package cache_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

type hintErr struct{ msg, hint string }

func (e hintErr) Error() string { return e.msg }
func (e hintErr) Hint() string  { return e.hint }

// countingFetch fails with err, counting calls.
func countingFetch(n *int, err error) cache.Fetcher {
	return func(context.Context) (token.Token, error) { *n++; return token.Token{}, err }
}

// TestRememberedFailure: with Remember set, a failed fetch is remembered for
// its duration, so the next caller fails fast with the same message and hint
// and no fetch; after the duration, or with another secret, it fetches.
func TestRememberedFailure(t *testing.T) {
	s, clk := newStore(t)
	s.Remember = func(error) time.Duration { return 10 * time.Second }
	rejected := hintErr{msg: "nexthink rejected the client id or secret of profile prod", hint: "run nxcred login"}
	calls := 0
	if _, err := s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, rejected)); !errors.Is(err, rejected) {
		t.Fatalf("Get() error = %v, want the fetch error", err)
	}
	_, err := s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, rejected))
	var fe *cache.FailedError
	if !errors.As(err, &fe) || fe.Msg != rejected.msg || fe.Hint() != rejected.hint {
		t.Fatalf("second Get() error = %#v, want the remembered failure with its hint", err)
	}
	if calls != 1 {
		t.Errorf("fetches after two Gets = %d, want 1", calls)
	}

	// another secret (login stored a corrected one) does not see the memo
	other := slotFor("prod", "the-corrected-secret", testID)
	good := tokenAt("tok-good", t0, time.Hour)
	res, err := s.Get(context.Background(), other, cache.Need{}, func(context.Context) (token.Token, error) { calls++; return good, nil })
	if err != nil || res.Token.AccessToken != "tok-good" || calls != 2 {
		t.Fatalf("Get() with another secret = %s, %v after %d fetches, want a fetch at once", fmtToken(res.Token), err, calls)
	}

	// a success clears the memo; and a memo expires
	if exists(t, s.Dir+"/prod.failed") {
		t.Errorf("prod.failed still exists after a successful fetch")
	}
	s.Drop("prod")
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, rejected))
	clk.set(t0.Add(11 * time.Second))
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, rejected))
	if calls != 4 {
		t.Errorf("fetches after the memo expired = %d, want 4", calls)
	}
}

// TestRememberedFailureSettings: a remembered failure is replayed only to a
// call with the same request settings; after the user changes them (a proxy,
// a CA bundle) the next call asks at once, and its own failure replaces the
// memo.
func TestRememberedFailureSettings(t *testing.T) {
	s, _ := newStore(t)
	s.Remember = func(error) time.Duration { return 3 * time.Second }
	settings := "HTTPS_PROXY=http://proxy.example:3128"
	s.Settings = cache.SettingsFunc(func() string { return settings })
	tlsErr := hintErr{msg: "TLS failure talking to acme-login.eu.nexthink.cloud", hint: "point SSL_CERT_FILE at a bundle that includes its CA"}
	calls := 0
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, tlsErr))
	var fe *cache.FailedError
	if _, err := s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, tlsErr)); !errors.As(err, &fe) || calls != 1 {
		t.Fatalf("Get() with the same settings = %v after %d requests, want the remembered failure after 1", err, calls)
	}
	settings = "HTTPS_PROXY=\x00SSL_CERT_FILE=/etc/corp-ca.pem"
	good := tokenAt("tok", t0, time.Hour)
	res, err := s.Get(context.Background(), testSlot, cache.Need{}, func(context.Context) (token.Token, error) { calls++; return good, nil })
	if err != nil || res.Source != cache.Fetched || calls != 2 {
		t.Fatalf("Get() after the settings changed = %s, %v after %d requests; want a request at once", srcName(res.Source), err, calls)
	}
	// The memo stores a digest, never the settings (a proxy password).
	s.Drop("prod")
	settings = "HTTPS_PROXY=http://user:Pr0xyPassw0rd@proxy.example:3128"
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, tlsErr))
	data, err := os.ReadFile(s.Dir + "/prod.failed")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "Pr0xyPassw0rd") {
		t.Errorf("prod.failed holds the proxy password")
	}
}

// TestRememberedFailureNeverOpensAsToken: the memo is sealed with its own
// magic, so a memo file renamed to the token file is a miss, never a token
// whose access token is the error text.
func TestRememberedFailureNeverOpensAsToken(t *testing.T) {
	s, _ := newStore(t)
	s.Remember = func(error) time.Duration { return time.Minute }
	calls := 0
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, errors.New("boom")))
	if err := os.Rename(s.Dir+"/prod.failed", s.Path("prod")); err != nil {
		t.Fatal(err)
	}
	if tok, ok := s.Peek(testSlot); ok {
		t.Fatalf("Peek() after renaming the memo to the token file = %s, want a miss", fmtToken(tok))
	}
}

// TestRememberNotSet: without Remember, every call fetches.
func TestRememberNotSet(t *testing.T) {
	s, _ := newStore(t)
	calls := 0
	for range 3 {
		s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, errors.New("boom")))
	}
	if calls != 3 {
		t.Errorf("fetches = %d, want 3 when failures are not remembered", calls)
	}
}

// TestRemoveDeletesMemo: Remove (logout, login) clears a remembered failure.
func TestRemoveDeletesMemo(t *testing.T) {
	s, _ := newStore(t)
	s.Remember = func(error) time.Duration { return time.Minute }
	calls := 0
	s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(&calls, errors.New("boom")))
	if err := s.Remove("prod"); err != nil {
		t.Fatal(err)
	}
	if exists(t, s.Dir+"/prod.failed") {
		t.Errorf("Remove(prod) left prod.failed behind")
	}
}

// TestLoosePermissions: a cache file others can read is not used (and a
// warning says so), a folder others can open is made private again.
func TestLoosePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
	s, _ := newStore(t)
	var warnings []string
	s.Warn = func(m string) { warnings = append(warnings, m) }
	mustPut(t, s, testSlot, tokenAt("tok-1", t0, time.Hour))
	if err := os.Chmod(s.Path("prod"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	calls := 0
	res, err := s.Get(context.Background(), testSlot, cache.Need{}, func(context.Context) (token.Token, error) {
		calls++
		return tokenAt("tok-2", t0, time.Hour), nil
	})
	if err != nil || res.Source != cache.Fetched || calls != 1 {
		t.Fatalf("Get() with a world-readable cache file = %s, %v, %d fetches; want a miss and a fetch", srcName(res.Source), err, calls)
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "readable or writable by other users") || !strings.Contains(warnings[1], "made it private (0700)") {
		t.Errorf("warnings = %q, want one for the file and one for the folder", warnings)
	}
	for path, want := range map[string]os.FileMode{s.Path("prod"): 0o600, s.Dir: 0o700} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("mode of %s after Get() = %v, %v; want %#o", path, fi.Mode().Perm(), err, want)
		}
	}
}

// TestLockErrorNamesProfile: a lock wait that runs out names the profile
// and the lock file, and says what to do.
func TestLockErrorNamesProfile(t *testing.T) {
	s, _ := newStore(t)
	s.LockWait = 50 * time.Millisecond
	fetching, hold := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		_, err := s.Get(context.Background(), testSlot, cache.Need{}, func(context.Context) (token.Token, error) {
			close(fetching) // the holder has the lock while it fetches
			<-hold
			return tokenAt("tok", t0, time.Hour), nil
		})
		held <- err
	}()
	defer func() { close(hold); <-held }()
	<-fetching
	_, err := s.Get(context.Background(), testSlot, cache.Need{}, countingFetch(new(int), nil))
	var le *cache.LockError
	errors.As(err, &le)
	if le == nil || le.Profile != "profile prod" || !strings.Contains(le.Error(), "profile prod") || !strings.Contains(le.Error(), "prod.lock") || !strings.Contains(le.Hint(), "NXCRED_TIMEOUT") {
		t.Fatalf("LockError = %v, want one naming profile prod, its lock file and NXCRED_TIMEOUT", le)
	}
}
