package keyring

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// fileKeyring is the file backend in a fresh folder with password pw.
func fileKeyring(t *testing.T, dir, pw string) *Keyring {
	t.Helper()
	k, err := New(Options{Backend: "file", FileDir: dir, Password: pw})
	if err != nil {
		t.Fatalf("New(file) = %v", err)
	}
	return k
}

func keyringError(t *testing.T, what string, err error) *Error {
	t.Helper()
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatalf("%s = %v (%T), want a *Error", what, err, err)
	}
	return ke
}

func TestKeyringFile(t *testing.T) {
	t.Parallel()
	k := fileKeyring(t, t.TempDir(), "pw")
	if k.Backend != "file" || k.Reason != "NXCRED_KEYRING_BACKEND" {
		t.Errorf("New(file) = {Backend %q, Reason %q}, want {file, NXCRED_KEYRING_BACKEND}", k.Backend, k.Reason)
	}

	if got, err := k.Get("prod"); !errors.Is(err, ErrNoSecret) || got != "" {
		t.Errorf("Get(prod) on an empty store = %q, %v; want \"\", ErrNoSecret", got, err)
	}
	if removed, err := k.Remove("prod"); removed || err != nil {
		t.Errorf("Remove(prod) on an empty store = %v, %v; want false, nil", removed, err)
	}

	if err := k.Set("prod", testSecret); err != nil {
		t.Fatalf("Set(prod) = %v", err)
	}
	if err := k.Set("staging", "other-secret"); err != nil {
		t.Fatalf("Set(staging) = %v", err)
	}
	if got, err := k.Get("prod"); err != nil || got != testSecret {
		t.Errorf("Get(prod) = %q, %v; want %q, nil", got, err, testSecret)
	}
	if err := k.Set("prod", "rotated"); err != nil {
		t.Fatalf("Set(prod, rotated) = %v", err)
	}
	if got, err := k.Get("prod"); err != nil || got != "rotated" {
		t.Errorf("Get(prod) after rotation = %q, %v; want %q, nil", got, err, "rotated")
	}

	// A second Keyring on the same folder sees the same items.
	k2 := fileKeyring(t, k.opts.FileDir, "pw")
	if got, err := k2.Get("staging"); err != nil || got != "other-secret" {
		t.Errorf("second Keyring Get(staging) = %q, %v; want %q, nil", got, err, "other-secret")
	}

	if removed, err := k.Remove("prod"); !removed || err != nil {
		t.Errorf("Remove(prod) = %v, %v; want true, nil", removed, err)
	}
	if got, err := k.Get("prod"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("Get(prod) after Remove = %q, %v; want ErrNoSecret", got, err)
	}
	if removed, err := k.Remove("prod"); removed || err != nil {
		t.Errorf("Remove(prod) again = %v, %v; want false, nil", removed, err)
	}
	if got, err := k.Get("staging"); err != nil || got != "other-secret" {
		t.Errorf("Get(staging) after Remove(prod) = %q, %v; want %q, nil", got, err, "other-secret")
	}
}

func TestKeyringFileHoldsNoPlaintext(t *testing.T) {
	t.Parallel()
	const secret = "plain-text-canary-5b1e"
	dir := t.TempDir()
	k := fileKeyring(t, dir, "pw")
	if err := k.Set("prod", secret); err != nil {
		t.Fatalf("Set(prod) = %v", err)
	}
	forms := []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), base64.RawURLEncoding.EncodeToString([]byte(secret))}
	files := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range forms {
			if strings.Contains(string(data), f) {
				t.Errorf("%s contains the secret as %q", path, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files != 1 {
		t.Errorf("files in the keyring folder = %d, want 1", files)
	}
}

func TestKeyringWrongPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fileKeyring(t, dir, "right").Set("prod", testSecret); err != nil {
		t.Fatalf("Set(prod) = %v", err)
	}
	wrong := fileKeyring(t, dir, "wrong")

	_, err := wrong.Get("prod")
	ke := keyringError(t, "Get(prod) with the wrong password", err)
	if !strings.Contains(ke.Error(), "wrong password") || !strings.Contains(ke.Error(), dir) {
		t.Errorf("Get(prod) with the wrong password = %q, want it to say wrong password for %s", ke.Error(), dir)
	}
	if !strings.Contains(ke.Hint(), "NXCRED_KEYRING_PASSWORD") {
		t.Errorf("hint = %q, want it to name NXCRED_KEYRING_PASSWORD", ke.Hint())
	}

	// Writing with the wrong password would leave a store with two
	// passwords: refused, and the old item is untouched.
	err = wrong.Set("staging", "x")
	ke = keyringError(t, "Set(staging) with the wrong password", err)
	if !strings.Contains(ke.Error(), "wrong password") {
		t.Errorf("Set(staging) with the wrong password = %q, want it to say wrong password", ke.Error())
	}
	right := fileKeyring(t, dir, "right")
	if got, err := right.Get("prod"); err != nil || got != testSecret {
		t.Errorf("Get(prod) with the right password = %q, %v; want %q, nil", got, err, testSecret)
	}
	if _, err := right.Get("staging"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("Get(staging) = %v, want ErrNoSecret: the refused Set must not write", err)
	}
}

func TestKeyringNoPassword(t *testing.T) {
	t.Parallel()
	k, err := New(Options{Backend: "file", FileDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	err = k.Set("prod", testSecret)
	ke := keyringError(t, "Set(prod) with no password and no terminal", err)
	if ke.Hint() != FilePasswordHint() {
		t.Errorf("hint = %q, want %q", ke.Hint(), FilePasswordHint())
	}
	if !strings.Contains(ke.Error(), "no terminal") {
		t.Errorf("error = %q, want it to say there is no terminal", ke.Error())
	}
}

func TestKeyringPrompt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var asked atomic.Int32
	k, err := New(Options{Backend: "file", FileDir: dir, Prompt: func(prompt string) (string, error) {
		asked.Add(1)
		if !strings.Contains(prompt, "password") {
			t.Errorf("prompt = %q, want it to ask for the password", prompt)
		}
		return "typed", nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set("prod", testSecret); err != nil {
		t.Fatalf("Set(prod) = %v", err)
	}
	if got, err := k.Get("prod"); err != nil || got != testSecret {
		t.Errorf("Get(prod) = %q, %v; want %q, nil", got, err, testSecret)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("prompts = %d, want 1 (the password is asked once per Keyring)", n)
	}
	if got, err := fileKeyring(t, dir, "typed").Get("prod"); err != nil || got != testSecret {
		t.Errorf("Get(prod) with the typed password = %q, %v; want %q, nil", got, err, testSecret)
	}
}

func TestNewKeyringUnknownBackend(t *testing.T) {
	t.Parallel()
	k, err := New(Options{Backend: "vault"})
	if k != nil {
		t.Errorf("New(vault) = %+v, want nil", k)
	}
	ke := keyringError(t, "New(vault)", err)
	if !strings.Contains(ke.Error(), `"vault"`) || !strings.Contains(ke.Error(), "NXCRED_KEYRING_BACKEND") {
		t.Errorf("New(vault) = %q, want it to name vault and NXCRED_KEYRING_BACKEND", ke.Error())
	}
	for _, b := range []string{"secret-service", "keychain", "wincred", "kwallet", "pass", "keyctl", "file"} {
		if !strings.Contains(ke.Hint(), b) {
			t.Errorf("New(vault) hint = %q, want it to list %s", ke.Hint(), b)
		}
	}
}

func TestNewKeyringDefault(t *testing.T) {
	t.Parallel()
	k, err := New(Options{})
	if DefaultBackend() == "" {
		if err == nil {
			t.Errorf("New() on an OS without a default = nil error, want one")
		}
		return
	}
	if err != nil || k.Backend != DefaultBackend() || !strings.HasPrefix(k.Reason, "default on ") {
		t.Errorf("New() = %+v, %v; want backend %s chosen by default", k, err, DefaultBackend())
	}
	if k.opts.Timeout != DefaultTimeout {
		t.Errorf("New() timeout = %s, want %s", k.opts.Timeout, DefaultTimeout)
	}
}

// Without a D-Bus session bus (DBUS_SESSION_BUS_ADDRESS=disabled: as the
// internal/busenv package sets it on a headless machine) secret-service is
// not registered, and the error says a bus is needed.
func TestKeyringSecretServiceWithoutBus(t *testing.T) {
	t.Parallel()
	if slices.Contains(keyring.AvailableBackends(), keyring.SecretServiceBackend) {
		t.Skip("secret-service is registered: this process has a D-Bus session bus")
	}
	k, err := New(Options{Backend: "secret-service"})
	if err != nil {
		t.Fatalf("New(secret-service) = %v", err)
	}
	_, err = k.Get("prod")
	ke := keyringError(t, "Get(prod) on secret-service without a bus", err)
	if !strings.Contains(ke.Error(), "needs a D-Bus session bus") {
		t.Errorf("error = %q, want it to say a D-Bus session bus is needed", ke.Error())
	}
	if !strings.Contains(ke.Hint(), "--keyring keyctl, pass or file") {
		t.Errorf("hint = %q, want the headless choices", ke.Hint())
	}
}

// timeoutClock replaces the clock of a Keyring's timeout: the test reads
// each period do waits for from periods and ends it by sending on its
// channel, and sets the time now reports. No verdict depends on which of
// two real timers fires first.
type timeoutClock struct {
	mu      sync.Mutex
	t       time.Time
	periods chan period
}

// period is one wait of do: its length and the channel that ends it.
type period struct {
	d   time.Duration
	end chan time.Time
}

func fakeTimeoutClock(k *Keyring) *timeoutClock {
	c := &timeoutClock{t: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC), periods: make(chan period, 16)}
	k.now = func() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
	k.after = func(d time.Duration) <-chan time.Time {
		p := period{d, make(chan time.Time, 1)}
		c.periods <- p
		return p.end
	}
	return c
}

func (c *timeoutClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// next returns the next period do starts, failing if do returns instead.
func (c *timeoutClock) next(t *testing.T, errc <-chan error) period {
	t.Helper()
	select {
	case p := <-c.periods:
		return p
	case err := <-errc:
		t.Fatalf("the keyring operation returned %v, want it still waiting", err)
	}
	panic("unreachable")
}

// The keyring timeout is for prompts nobody answers on a desktop; nxcred's
// own terminal prompt is a person typing and must not time out: every
// period that ends while the prompt waits starts a full new one.
func TestKeyringPromptNotTimedOut(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	prompted, release := make(chan struct{}), make(chan struct{})
	var asked atomic.Int32
	k, err := New(Options{Backend: "file", FileDir: dir, Timeout: 50 * time.Millisecond,
		Prompt: func(string) (string, error) {
			if asked.Add(1) == 1 {
				close(prompted)
			}
			<-release
			return "typed", nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeTimeoutClock(k)
	errc := make(chan error, 1)
	go func() { errc <- k.Set("prod", testSecret) }()

	p := clk.next(t, errc)
	<-prompted
	for i := range 3 {
		if p.d != 50*time.Millisecond {
			t.Errorf("period %d = %s, want the full 50ms timeout", i+1, p.d)
		}
		clk.advance(p.d)
		p.end <- time.Time{}
		p = clk.next(t, errc)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("Set(prod) after a prompt that outlasted three 50ms periods = %v, want nil", err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("prompts = %d, want 1", n)
	}
	if got, err := fileKeyring(t, dir, "typed").Get("prod"); err != nil || got != testSecret {
		t.Errorf("Get(prod) = %q, %v; want %q, nil", got, err, testSecret)
	}
}

// When the prompt returns just before a period ends, the rest of the
// operation gets a full timeout counted from the end of the prompt, not
// what is left of the period; and the timeout still ends an operation that
// hangs after the prompt.
func TestKeyringTimeoutRightAfterPrompt(t *testing.T) {
	t.Parallel()
	const timeout = 50 * time.Millisecond
	prompted, answer := make(chan struct{}), make(chan struct{})
	k, err := New(Options{Backend: "file", FileDir: t.TempDir(), Timeout: timeout,
		Prompt: func(string) (string, error) {
			close(prompted)
			<-answer
			return "typed", nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	clk := fakeTimeoutClock(k)
	// The operation asks for the password as the file backend does, then
	// works until the test lets it finish.
	answered, finish := make(chan struct{}), make(chan struct{})
	defer close(finish)
	errc := make(chan error, 1)
	go func() {
		_, err := k.do("write", func(keyring.Keyring) (string, error) {
			if _, err := k.filePassword(""); err != nil {
				return "", err
			}
			close(answered)
			<-finish
			return "", nil
		})
		errc <- err
	}()

	p := clk.next(t, errc)
	<-prompted
	clk.advance(p.d)
	p.end <- time.Time{}
	p = clk.next(t, errc) // a full period: the prompt is waiting

	// The answer comes 1ms before this period ends.
	clk.advance(p.d - time.Millisecond)
	close(answer)
	<-answered
	clk.advance(time.Millisecond)
	p.end <- time.Time{}
	p = clk.next(t, errc)
	if want := timeout - time.Millisecond; p.d != want {
		t.Errorf("period after the prompt = %s, want %s: the rest of a full timeout from the answer", p.d, want)
	}

	// The operation hangs after the prompt: the timeout still ends it.
	clk.advance(p.d)
	p.end <- time.Time{}
	select {
	case err = <-errc:
	case p := <-clk.periods:
		t.Fatalf("do started another %s period a full timeout after the prompt, want the timeout error", p.d)
	}
	ke := keyringError(t, "do(write) hanging after the prompt", err)
	if !strings.Contains(ke.Error(), "did not answer within 50ms (write)") {
		t.Errorf("do(write) = %q, want it to say the keyring did not answer within 50ms", ke.Error())
	}
}

// Set checks the password by decrypting the first file in the folder, so
// any stray file there blocks every write, even of the right password.
func TestKeyringStrayFileBlocksSet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "0-stray"), "not an item\n")
	if err := fileKeyring(t, dir, "pw").Set("prod", testSecret); err != nil {
		t.Errorf("Set(prod) next to a stray file = %v, want nil", err)
	}
}
