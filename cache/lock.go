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
	Path string
	Wait time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%v %s after %s: another nxcred is fetching a token for this profile", ErrLockTimeout, e.Path, e.Wait)
}

func (e *LockError) Unwrap() error { return ErrLockTimeout }

// lock takes the exclusive lock on path, a file beside the cache file and
// never the cache file itself: Windows locks are mandatory, so a locked data
// file could not be replaced (int128/kubelogin#1144). It polls with a short,
// growing delay up to wait. A holder that dies releases the lock with its
// process, so the next poll succeeds.
func lock(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ctx, cancel := context.WithTimeout(ctx, wait)
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
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, &LockError{Path: path, Wait: wait}
			}
			return nil, ctx.Err()
		case <-t.C:
		}
		if delay < 16*time.Millisecond {
			delay *= 2
		}
	}
}
