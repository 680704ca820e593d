package cache_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

// holdLock takes the slot's lock from the test, as another nxcred process
// would, and returns its release.
func holdLock(t *testing.T, dir, name string) (path string, release func()) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, name+".lock")
	fl := flock.New(path)
	if err := fl.Lock(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() { once.Do(func() { fl.Unlock() }) }
	t.Cleanup(release)
	return path, release
}

// TestGetSingleFlight: callers that miss together make one token request.
// Each goroutine has its own Store, so they meet only at the lock file, as
// separate processes do.
func TestGetSingleFlight(t *testing.T) {
	t.Parallel()
	const n = 30
	dir := filepath.Join(t.TempDir(), "nxcred")
	now := func() time.Time { return t0 }
	f := &fetcher{tok: tokenAt("the-one-token", t0, time.Hour), delay: 50 * time.Millisecond}

	var ready, done sync.WaitGroup
	start := make(chan struct{})
	results := make([]cache.Result, n)
	errs := make([]error, n)
	for i := range n {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			s := &cache.Store{Dir: dir, Now: now, LockWait: time.Minute}
			ready.Done()
			<-start
			results[i], errs[i] = s.Get(context.Background(), testSlot, cache.Need{}, f.fetch)
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()

	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d parallel Get() made %d token requests, want 1", n, got)
	}
	fetched := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Get() #%d error = %v, want nil", i, errs[i])
			continue
		}
		if !sameToken(results[i].Token, f.tok) {
			t.Errorf("Get() #%d = %s, want %s", i, fmtToken(results[i].Token), fmtToken(f.tok))
		}
		if results[i].Source == cache.Fetched {
			fetched++
		}
	}
	if fetched != 1 {
		t.Errorf("%d Get() results have Source Fetched, want 1", fetched)
	}
}

func TestGetLockTimeout(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	s.LockWait = 100 * time.Millisecond
	lockPath, _ := holdLock(t, s.Dir, "prod")
	f := &fetcher{tok: tokenAt("t", t0, time.Hour)}

	begin := time.Now()
	_, err := s.Get(t.Context(), testSlot, cache.Need{}, f.fetch)
	took := time.Since(begin)

	var le *cache.LockError
	if !errors.As(err, &le) {
		t.Fatalf("Get() with the lock held: error = %v (%T), want a *LockError", err, err)
	}
	if !errors.Is(err, cache.ErrLockTimeout) {
		t.Errorf("errors.Is(%v, ErrLockTimeout) = false, want true", err)
	}
	if le.Path != lockPath {
		t.Errorf("LockError.Path = %q, want %q", le.Path, lockPath)
	}
	if le.Wait != 100*time.Millisecond {
		t.Errorf("LockError.Wait = %s, want 100ms", le.Wait)
	}
	if !strings.Contains(err.Error(), lockPath) {
		t.Errorf("Get() error = %q, want it to name %s", err, lockPath)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("Get() made %d token requests without the lock, want 0", n)
	}
	// A loaded machine may add seconds; a wait not bounded by LockWait lasts
	// DefaultLockWait or until the test releases the lock.
	if took < 100*time.Millisecond || took >= cache.DefaultLockWait {
		t.Errorf("Get() gave up after %s, want LockWait (100ms) and well under DefaultLockWait", took)
	}
}

// TestGetHitTakesNoLock: a fresh cached token is served while another
// process holds the lock.
func TestGetHitTakesNoLock(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	s.LockWait = 100 * time.Millisecond
	tok := tokenAt("cached", t0, time.Hour)
	mustPut(t, s, testSlot, tok)
	holdLock(t, s.Dir, "prod")
	checkGet(t, s, &fetcher{}, cache.FromCache, tok, 0)
}

// TestGetReadsAgainUnderLock: a caller that waited for the lock serves what
// the holder just wrote instead of fetching again.
func TestGetReadsAgainUnderLock(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	_, release := holdLock(t, s.Dir, "prod")
	written := tokenAt("from-the-other-process", t0, time.Hour)
	other := &cache.Store{Dir: s.Dir, Now: s.Now}
	// The holder writes its token then releases, while Get waits.
	timer := time.AfterFunc(30*time.Millisecond, func() {
		if err := other.Put(testSlot, written); err != nil {
			t.Error(err)
		}
		release()
	})
	defer timer.Stop()
	checkGet(t, s, &fetcher{tok: tokenAt("second-fetch", t0, time.Hour)}, cache.FromCache, written, 0)
}

func TestGetContextCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	s.LockWait = time.Hour
	holdLock(t, s.Dir, "prod")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	timer := time.AfterFunc(20*time.Millisecond, cancel)
	defer timer.Stop()
	f := &fetcher{tok: tokenAt("t", t0, time.Hour)}

	begin := time.Now()
	_, err := s.Get(ctx, testSlot, cache.Need{}, f.fetch)
	took := time.Since(begin)

	if !errors.Is(err, context.Canceled) {
		t.Errorf("Get() canceled while waiting: error = %v, want %v", err, context.Canceled)
	}
	var le *cache.LockError
	if errors.As(err, &le) {
		t.Errorf("Get() canceled while waiting: error = %v, want no *LockError", err)
	}
	// A loaded machine may add seconds; ignoring the cancel waits an hour.
	if took > time.Minute {
		t.Errorf("Get() returned %s after it began, want soon after the cancel 20ms in", took)
	}
	if n := f.calls.Load(); n != 0 {
		t.Errorf("Get() made %d token requests, want 0", n)
	}
}

// TestGetContextDeadlineWhileWaiting: the caller's own deadline running out
// while another process holds the lock is a lock timeout too, named as one
// (not a bare "context deadline exceeded"): the slot's label, the lock file,
// how long it waited, and NXCRED_TIMEOUT in the hint. The lock is never
// released, so the deadline is the only way out.
func TestGetContextDeadlineWhileWaiting(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	s.LockWait = 10 * time.Second
	lockPath, _ := holdLock(t, s.Dir, "prod")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
	defer cancel()
	slot := testSlot
	slot.Label = "the environment profile"
	_, err := s.Get(ctx, slot, cache.Need{}, (&fetcher{}).fetch)
	var le *cache.LockError
	if !errors.As(err, &le) {
		t.Fatalf("Get() past the caller's deadline: error = %v (%T), want a *LockError", err, err)
	}
	for _, want := range []string{"timed out after ", "waiting for another nxcred process fetching the token of the environment profile", lockPath} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Get() error = %q, want it to contain %q", err, want)
		}
	}
	if want := "raise NXCRED_TIMEOUT (now 10s)"; !strings.Contains(le.Hint(), want) {
		t.Errorf("LockError.Hint() = %q, want it to contain %q", le.Hint(), want)
	}
	if !errors.Is(err, cache.ErrLockTimeout) {
		t.Errorf("Get() error = %v, want it to wrap cache.ErrLockTimeout", err)
	}
	// Waited is the caller's 30ms, not the 10s LockWait; 5s leaves a loaded
	// machine all the slack it needs.
	if le.Waited <= 0 || le.Waited >= 5*time.Second {
		t.Errorf("LockError.Waited = %s, want the caller's 30ms deadline, not LockWait (10s)", le.Waited)
	}
}

// TestRemoveWaitsForFetch: logout's Remove takes no lock, so a Get that is
// fetching at that moment writes its token after Remove returned, and the
// cache holds a token again after logout. Remove also unlinks the lock file
// under its holder, so the next caller locks a new file and two fetch at once.
func TestRemoveWaitsForFetch(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tok := tokenAt("fetched-during-logout", t0, time.Hour)
	fetching := make(chan struct{})
	proceed := make(chan struct{})
	slow := func(ctx context.Context) (token.Token, error) {
		close(fetching)
		<-proceed
		return tok, nil
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Get(context.Background(), testSlot, cache.Need{}, slow)
		done <- err
	}()
	<-fetching
	removed := make(chan error, 1)
	go func() { removed <- s.Remove("prod") }()
	select {
	case err := <-removed:
		// Remove returned while the fetch holds the lock.
		if err != nil {
			t.Errorf("Remove(prod) error = %v", err)
		}
		close(proceed)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got, ok := s.Peek(testSlot); ok {
			t.Errorf("after Remove(prod) returned, Peek() = %s, want no cached token", fmtToken(got))
		}
	case <-time.After(200 * time.Millisecond):
		// Remove waits for the lock, as wanted.
		close(proceed)
		<-done
		if err := <-removed; err != nil {
			t.Errorf("Remove(prod) error = %v", err)
		}
	}
}
