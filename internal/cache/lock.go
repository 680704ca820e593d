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

// LockError says which lock a wait gave up on, and for how long it waited.
type LockError struct {
	// Profile names the profile in messages ("profile prod").
	Profile string
	Path    string
	// Wait is the longest wait allowed (NXCRED_TIMEOUT); Waited the time
	// actually waited, shorter when the caller's own deadline came first.
	Wait, Waited time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("timed out after %s waiting for another nxcred process fetching the token of %s (lock %s)", roundWait(e.Waited), e.Profile, e.Path)
}

// Hint tells the user what to do.
func (e *LockError) Hint() string {
	return fmt.Sprintf("the token endpoint is slow or not answering: retry, or raise NXCRED_TIMEOUT (now %s); a crashed nxcred releases the lock by itself", e.Wait)
}

// roundWait rounds a measured wait for a message: tenths of a second, or
// milliseconds under a second.
func roundWait(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
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
// nil) whether the wait is over anyway, and then returns errDone. Running
// out of time, the wait's or the caller's deadline, is a *LockError; only
// the caller's cancellation is returned as is.
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
			// A cancellation (Ctrl-C) is the caller's to report. A
			// deadline, the caller's or this wait's, is spent waiting for
			// the lock, and the message must say so.
			if err := ctx.Err(); errors.Is(err, context.Canceled) {
				return nil, err
			}
			return nil, &LockError{Profile: "the profile", Path: path, Wait: wait, Waited: time.Since(start)}
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
