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
	// deadline: the wait ended with the caller's deadline, not its own.
	deadline bool
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%v of profile %s (%s) after %s: another nxcred is fetching a token for it", ErrLockTimeout, e.Profile, e.Path, e.Wait)
}

// Hint tells the user what to do.
func (e *LockError) Hint() string {
	return "the token endpoint may be slow: retry, or allow longer with NXCRED_TIMEOUT; a crashed nxcred releases the lock by itself"
}

func (e *LockError) Unwrap() error { return ErrLockTimeout }

// Is also matches context.DeadlineExceeded when the caller's deadline ended
// the wait, so callers that look for it still find it.
func (e *LockError) Is(target error) bool {
	return e.deadline && target == context.DeadlineExceeded
}

// waited is the time since start as a message shows it: 8s rather than
// 7.993s.
func waited(start time.Time) time.Duration {
	d := time.Since(start)
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

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
	start := time.Now()
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
			// A cancellation is the caller's to report. A deadline is a
			// lock timeout all the same: nxcred gives the whole call and
			// the lock wait the same length, and the call's deadline,
			// set first, runs out first.
			err := ctx.Err()
			if errors.Is(err, context.DeadlineExceeded) {
				return nil, &LockError{Path: path, Wait: min(wait, waited(start)), deadline: true}
			}
			if err != nil {
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
