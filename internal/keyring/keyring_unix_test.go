//go:build unix

package keyring

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangingItem makes the file backend's item for profile a FIFO nobody
// writes: reading it blocks until release is called.
func hangingItem(t *testing.T, dir, profile string) (release func()) {
	t.Helper()
	item := filepath.Join(dir, "nxcred%2F"+profile) // the file backend's name for itemKey(profile)
	if err := syscall.Mkfifo(item, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return func() {
		// Opening the write end lets the blocked reader go on (and see an
		// empty file), so the test leaks no goroutine.
		if w, err := os.OpenFile(item, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
	}
}

// A keyring operation that hangs ends after the timeout with an error that
// says so. Set reads the first item to check the password, and hangs there.
func TestKeyringTimeout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	release := hangingItem(t, dir, "prod")
	k, err := New(Options{Backend: "file", FileDir: dir, Password: "pw", Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	err = k.Set("staging", testSecret)
	took := time.Since(t0)
	release()
	ke := keyringError(t, "Set(staging) on a hanging keyring", err)
	if !strings.Contains(ke.Error(), "did not answer within 50ms (write)") {
		t.Errorf("Set(staging) = %q, want it to say the keyring did not answer within 50ms", ke.Error())
	}
	if !strings.Contains(ke.Hint(), "unlock") {
		t.Errorf("hint = %q, want it to mention unlocking", ke.Hint())
	}
	// The one test of the real timer: a loaded machine may add seconds,
	// but only a timeout that is not applied reaches the 10 s default.
	if took < 50*time.Millisecond || took >= DefaultTimeout {
		t.Errorf("Set(staging) took %s, want at least the 50ms timeout and under the %s default", took, DefaultTimeout)
	}
}

// Get's closure writes the captured result after Get may already have
// returned on a timeout: a data race (go test -race reports it).
func TestKeyringGetTimeoutRace(t *testing.T) {
	t.Parallel()
	for range 20 {
		dir := t.TempDir()
		release := hangingItem(t, dir, "prod")
		k, err := New(Options{Backend: "file", FileDir: dir, Password: "pw", Timeout: 10 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = k.Get("prod")
		release()
		keyringError(t, "Get(prod) on a hanging keyring", err)
		// Give the abandoned goroutine time to read the empty item and
		// assign the result. Waiting on anything it does would order the
		// two accesses and hide the race, and so, in practice, does parking
		// on a timer: spin instead.
		for t0 := time.Now(); time.Since(t0) < 20*time.Millisecond; {
			runtime.Gosched()
		}
	}
}
