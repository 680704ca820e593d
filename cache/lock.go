package cache

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofrs/flock"
)

// ErrLockTimeout is returned when another process held a profile's lock for
// longer than the wait allowed.
var ErrLockTimeout = errors.New("timed out waiting for the token cache lock")

// LockError says which lock a wait gave up on.
type LockError struct {
	Profile string
	Path    string
	Wait    time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%v of profile %s (%s) after %s: another nxcred is fetching a token for it", ErrLockTimeout, e.Profile, e.Path, e.Wait)
}

// Hint tells the user what to do.
func (e *LockError) Hint() string {
	return "the token endpoint may be slow: retry, or allow longer with NXCRED_TIMEOUT; a crashed nxcred releases the lock by itself"
}

func (e *LockError) Unwrap() error { return ErrLockTimeout }

// errDone is what lock returns when done reported, between two polls, that
// the lock is no longer needed.
var errDone = errors.New("no longer needed")

// lock takes the exclusive lock on path, a file beside the cache file and
// never the cache file itself: Windows locks are mandatory, so a locked data
// file could not be replaced (int128/kubelogin#1144). It polls with a short,
// growing delay up to wait. A holder that dies releases the lock with its
// process, so the next poll succeeds. Between polls it asks done (if not
// nil) whether the wait is over anyway, and then returns errDone.
func lock(ctx context.Context, path string, wait time.Duration, done func() bool) (unlock func(), err error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	waitCtx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	delay := time.Millisecond
	for {
		ok, err := fl.TryLock()
		if err != nil {
			return nil, fmt.Errorf("cannot lock %s: %w", path, err)
		}
		if ok {
			return func() { fl.Unlock() }, nil
		}
		t := time.NewTimer(delay)
		select {
		case <-waitCtx.Done():
			t.Stop()
			// The caller's own deadline or cancellation is theirs to
			// report; only the wait given here running out is a LockError.
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			return nil, &LockError{Path: path, Wait: wait}
		case <-t.C:
		}
		if done != nil && done() {
			return nil, errDone
		}
		if delay < 16*time.Millisecond {
			delay *= 2
		}
	}
}
