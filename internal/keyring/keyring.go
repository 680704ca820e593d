package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/keyring"

	// Must run before keyring's init dials D-Bus; see the package doc.
	_ "github.com/nxcred/nxcred/internal/busenv"
	"github.com/nxcred/nxcred/internal/config"
)

// Backends are the keyring backends NXCRED_KEYRING_BACKEND and a profile
// may name.
var Backends = config.KeyringBackends

// ServiceName is the keyring service, collection-independent.
const ServiceName = "nxcred"

// DefaultTimeout bounds one keyring operation, so a desktop prompt
// nobody answers cannot hang kubectl or git. A terminal prompt nxcred itself
// shows is not counted: a person is typing.
const DefaultTimeout = 10 * time.Second

// ErrNoSecret means the keyring holds no secret for the profile.
var ErrNoSecret = errors.New("no client secret in the keyring")

// Options configure the keyring.
type Options struct {
	// Backend is the backend to use; "" picks the OS default.
	Backend string
	// Reason says what chose Backend, for messages: "" is
	// NXCRED_KEYRING_BACKEND (see BackendFor).
	Reason string
	// FileDir is the file backend's folder (under XDG data).
	FileDir string
	// Password is NXCRED_KEYRING_PASSWORD, for the file backend.
	Password string
	// Prompt asks for the file backend's password on the terminal; it
	// returns ErrNoTerminal when there is none. nil never prompts.
	Prompt func(prompt string) (string, error)
	// NoPrompt says why Prompt is nil, for the error that asks for the
	// password instead ("nxcred kubectl never asks on the terminal").
	NoPrompt string
	// KeyctlScope is NXCRED_KEYCTL_SCOPE; "" is "user".
	KeyctlScope string
	// PassDir is the pass backend's store; "" is pass's own default.
	PassDir string
	Timeout time.Duration
}

// Keyring keeps client secrets, one item per profile, in the OS keyring.
type Keyring struct {
	// Backend is the chosen backend; Reason says why it was chosen.
	Backend, Reason string
	opts            Options
	prompting       atomic.Bool
	promptEnded     atomic.Int64 // UnixNano of the end of the last prompt

	// now and after are the clock the timeout runs on; tests replace them
	// to decide when a period ends.
	now   func() time.Time
	after func(time.Duration) <-chan time.Time

	once    sync.Once
	ring    keyring.Keyring
	openErr error

	// filePw is the file keyring's password once known: the library's
	// reads and nxcred's own writes (fileRing) both ask for it, and a
	// person must type it once only.
	filePwMu sync.Mutex
	filePw   string
}

// Error is a keyring failure with the way out.
type Error struct {
	Msg, HintText string
	Err           error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Hint tells the user what to do.
func (e *Error) Hint() string { return e.HintText }

const headlessHint = "on a headless machine log in with --keyring keyctl, pass or file, and the profile remembers where its secret is; in CI use the environment profile (NXCRED_CLIENT_ID, NXCRED_CLIENT_SECRET)"

// DefaultBackend is the backend used when neither NXCRED_KEYRING_BACKEND
// nor the profile names one.
func DefaultBackend() string { return config.DefaultKeyring(runtime.GOOS) }

// New chooses the backend. It opens nothing yet: the first operation
// does.
func New(opts Options) (*Keyring, error) {
	k := &Keyring{Backend: opts.Backend, Reason: opts.Reason, opts: opts, now: time.Now, after: time.After}
	if k.Reason == "" {
		k.Reason = EnvKeyringBackend
	}
	if k.Backend == "" {
		k.Backend, k.Reason = DefaultBackend(), "default on "+runtime.GOOS
	}
	if k.Backend == "" {
		return nil, &Error{
			Msg:      "no default keyring on " + runtime.GOOS,
			HintText: "set NXCRED_KEYRING_BACKEND to one of " + strings.Join(Backends, ", "),
		}
	}
	if !slices.Contains(Backends, k.Backend) {
		return nil, &Error{
			Msg:      fmt.Sprintf("unknown keyring backend %q (%s)", k.Backend, k.Reason),
			HintText: "choose one of " + strings.Join(Backends, ", "),
		}
	}
	if k.Backend == "keyctl" {
		switch k.opts.KeyctlScope {
		case "", "user", "usersession", "session":
		default:
			return nil, &Error{
				Msg:      fmt.Sprintf("NXCRED_KEYCTL_SCOPE=%q cannot keep a client secret from one nxcred run to the next", k.opts.KeyctlScope),
				HintText: "use NXCRED_KEYCTL_SCOPE=user (the default: the user's kernel keyring, until reboot), usersession or session",
			}
		}
	}
	if k.opts.Timeout <= 0 {
		k.opts.Timeout = DefaultTimeout
	}
	return k, nil
}

// osBackends are the backends that can work on this OS, for hints.
func osBackends() []string {
	switch runtime.GOOS {
	case "linux":
		return []string{"secret-service", "kwallet", "pass", "keyctl", "file"}
	case "darwin":
		return []string{"keychain", "pass", "file"}
	case "windows":
		return []string{"wincred", "file"}
	}
	return []string{"pass", "file"}
}

func (k *Keyring) config() keyring.Config {
	scope := k.opts.KeyctlScope
	if scope == "" {
		scope = "user"
	}
	return keyring.Config{
		AllowedBackends: []keyring.BackendType{keyring.BackendType(k.Backend)},
		ServiceName:     ServiceName,
		// Use the collection every desktop unlocks at login; any other name
		// makes gnome-keyring ask to create one, a prompt a headless
		// machine cannot answer.
		LibSecretCollectionName:  "login",
		KeychainTrustApplication: true,
		KeyCtlScope:              scope,
		FileDir:                  k.opts.FileDir,
		FilePasswordFunc:         k.filePassword,
		PassDir:                  k.opts.PassDir,
		PassPrefix:               ServiceName,
		WinCredPrefix:            ServiceName,
		KWalletAppID:             ServiceName,
		KWalletFolder:            ServiceName,
	}
}

func (k *Keyring) filePassword(string) (string, error) {
	if k.opts.Password != "" {
		return k.opts.Password, nil
	}
	k.filePwMu.Lock()
	defer k.filePwMu.Unlock()
	if k.filePw != "" {
		return k.filePw, nil
	}
	if k.opts.Prompt == nil {
		why := "there is no terminal to ask it on"
		if k.opts.NoPrompt != "" {
			why = k.opts.NoPrompt
		}
		return "", &Error{
			Msg:      "the file keyring needs its password and " + why,
			HintText: FilePasswordHint(),
		}
	}
	k.prompting.Store(true)
	defer func() {
		k.promptEnded.Store(k.now().UnixNano())
		k.prompting.Store(false)
	}()
	pw, err := k.opts.Prompt("nxcred file keyring password: ")
	if errors.Is(err, ErrNoTerminal) {
		return "", &Error{
			Msg:      "the file keyring needs its password and there is no terminal to ask it on",
			HintText: FilePasswordHint(),
		}
	}
	if err == nil {
		k.filePw = pw
	}
	return pw, err
}

// keyringLog serialises the swap of the standard logger around Open.
var keyringLog sync.Mutex

func (k *Keyring) open() (keyring.Keyring, error) {
	k.once.Do(func() {
		// keyring.Open hides why a backend failed behind ErrNoAvailImpl; its
		// debug log has the reason. Capture it for the error message.
		keyringLog.Lock()
		var buf bytes.Buffer
		prevOut, prevFlags, prevDebug := log.Writer(), log.Flags(), keyring.Debug
		log.SetOutput(&buf)
		log.SetFlags(0)
		keyring.Debug = true
		k.ring, k.openErr = keyring.Open(k.config())
		keyring.Debug = prevDebug
		log.SetOutput(prevOut)
		log.SetFlags(prevFlags)
		keyringLog.Unlock()
		if k.openErr != nil {
			k.openErr = k.openError(k.openErr, buf.String())
		} else if k.Backend == "file" {
			k.ring = &fileRing{Keyring: k.ring, dir: k.opts.FileDir, password: k.filePassword}
		}
	})
	return k.ring, k.openErr
}

func (k *Keyring) openError(err error, debug string) error {
	reason := ""
	if i := strings.LastIndex(debug, "Failed backend "); i >= 0 {
		reason = strings.TrimSpace(debug[i+len("Failed backend "):])
	}
	registered := slices.Contains(keyring.AvailableBackends(), keyring.BackendType(k.Backend))
	switch {
	case k.Backend == "keychain" && !registered && runtime.GOOS == "darwin":
		return &Error{
			Msg:      "this nxcred was built without the macOS Keychain (cgo was off at build time)",
			HintText: "rebuild with CGO_ENABLED=1 (./install.sh does), or set NXCRED_KEYRING_BACKEND=file",
			Err:      err,
		}
	case (k.Backend == "secret-service" || k.Backend == "kwallet") && !registered:
		return &Error{
			Msg:      fmt.Sprintf("keyring backend %s needs a D-Bus session bus and none is reachable", k.Backend),
			HintText: headlessHint,
			Err:      err,
		}
	case !registered:
		return &Error{
			Msg:      fmt.Sprintf("keyring backend %s is not available on %s", k.Backend, runtime.GOOS),
			HintText: "choose another NXCRED_KEYRING_BACKEND: " + strings.Join(osBackends(), ", "),
			Err:      err,
		}
	case k.Backend == "secret-service" && strings.Contains(reason, "not provided by any .service files"):
		return &Error{
			Msg:      "no Secret Service on the session bus (gnome-keyring, KeePassXC or KWallet is not running)",
			HintText: headlessHint,
			Err:      err,
		}
	// The bus answers a name nothing owns or can start with ServiceUnknown
	// ("... was not provided by any .service files"); a .service file whose
	// program is missing gives Spawn.ExecFailed ("Failed to execute
	// program org.kde.kwalletd5"). Either way KWallet is not running.
	case k.Backend == "kwallet" && (strings.Contains(reason, "not provided by any .service files") || strings.Contains(reason, "ServiceUnknown") || strings.Contains(reason, "Failed to execute program")):
		return &Error{
			Msg:      "no KWallet on the session bus (kwalletd5 is not running)",
			HintText: headlessHint,
			Err:      err,
		}
	// keyring v1.2.2's pass opener says "The pass program is not available".
	case k.Backend == "pass" && (strings.Contains(reason, "pass program is not available") || strings.Contains(reason, "executable file not found")):
		return &Error{
			Msg:      "keyring backend pass needs the pass command, which is not on PATH",
			HintText: "install pass and run pass init <gpg-id>, or choose another NXCRED_KEYRING_BACKEND",
			Err:      err,
		}
	}
	if reason == "" {
		reason = err.Error()
	}
	return &Error{
		Msg:      fmt.Sprintf("cannot open keyring backend %s: %s", k.Backend, reason),
		HintText: headlessHint,
		Err:      err,
	}
}

// do runs op with the keyring open, bounded by the timeout unless nxcred's
// own terminal prompt is waiting for a person; the time after a prompt is
// counted afresh. op's string result comes back through the channel, so an
// abandoned op can never write to what the caller holds.
func (k *Keyring) do(what string, op func(keyring.Keyring) (string, error)) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		ring, err := k.open()
		var s string
		if err == nil {
			s, err = op(ring)
		}
		done <- result{s, err}
	}()
	wait := k.opts.Timeout
	for {
		select {
		case r := <-done:
			return r.s, k.opError(what, r.err)
		case <-k.after(wait):
			if k.prompting.Load() {
				wait = k.opts.Timeout
				continue
			}
			if since := k.now().Sub(time.Unix(0, k.promptEnded.Load())); since < k.opts.Timeout {
				wait = k.opts.Timeout - since
				continue
			}
			return "", &Error{
				Msg:      fmt.Sprintf("the %s keyring did not answer within %s (%s)", k.Backend, k.opts.Timeout, what),
				HintText: "a desktop unlock prompt may be waiting; unlock the keyring and retry, or " + headlessHint,
			}
		}
	}
}

func (k *Keyring) opError(what string, err error) error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, keyring.ErrKeyNotFound) || errors.Is(err, fs.ErrNotExist) {
		return ErrNoSecret
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "locked"):
		return &Error{
			Msg:      fmt.Sprintf("the %s keyring is locked (%s)", k.Backend, what),
			HintText: "unlock the login keyring (log in to the desktop session, or run gnome-keyring-daemon --unlock), or " + headlessHint,
			Err:      err,
		}
	case k.Backend == "file" && (strings.Contains(msg, "integrity check failed") || strings.Contains(msg, "aes.KeyUnwrap")):
		return &Error{
			Msg:      "wrong password for the file keyring in " + k.opts.FileDir,
			HintText: "check NXCRED_KEYRING_PASSWORD",
			Err:      err,
		}
	case strings.Contains(msg, "Object does not exist at path"):
		return &Error{
			Msg:      "the Secret Service has no usable login collection",
			HintText: "create and unlock the login keyring (open Passwords and Keys / seahorse), or " + headlessHint,
			Err:      err,
		}
	}
	var exit *exec.ExitError
	if k.Backend == "pass" && errors.As(err, &exit) {
		// pass and gpg print their reason on stderr themselves (the
		// library gives them nxcred's); a hint about headless machines
		// would point away from it.
		return &Error{
			Msg:      fmt.Sprintf("keyring pass: %s failed: %v (pass printed its reason above)", what, err),
			HintText: "check that pass works on its own (pass insert nxcred/test, then pass rm nxcred/test), or choose another NXCRED_KEYRING_BACKEND",
			Err:      err,
		}
	}
	return &Error{Msg: fmt.Sprintf("keyring %s: %s failed: %v", k.Backend, what, err), HintText: headlessHint, Err: err}
}

// itemKey is the name an nxcred before per-configuration names gave the
// secret of profile: nxcred/<profile>. Get, Set and Remove still use it;
// GetFor, SetFor and RemoveFor use ItemKey and move a secret found under it.
func itemKey(profile string) string { return ServiceName + "/" + profile }

// Get returns the client secret stored under profile's old name
// (nxcred/<profile>), or ErrNoSecret.
func (k *Keyring) Get(profile string) (string, error) {
	return k.do("read", func(r keyring.Keyring) (string, error) { return k.get(r, itemKey(profile)) })
}

func (k *Keyring) get(r keyring.Keyring, key string) (string, error) {
	it, err := r.Get(key)
	if err == nil && len(it.Data) == 0 {
		err = keyring.ErrKeyNotFound
	}
	return string(it.Data), err
}

// Set stores the client secret under profile's old name (nxcred/<profile>).
func (k *Keyring) Set(profile, secret string) error {
	_, err := k.do("write", func(r keyring.Keyring) (string, error) {
		return "", k.set(r, itemKey(profile), "nxcred: Nexthink client secret of profile "+profile, secret)
	})
	return err
}

func (k *Keyring) set(r keyring.Keyring, key, label, secret string) error {
	if k.Backend == "pass" {
		if err := k.checkPassInit(key); err != nil {
			return err
		}
	}
	if k.Backend == "file" {
		// The file backend checks its password only when it decrypts;
		// writing with a mistyped one would split the store in two.
		// Only nxcred's own items count: a stray file is not a check.
		if keys, err := r.Keys(); err == nil {
			for _, key := range keys {
				if strings.HasPrefix(key, ServiceName+"/") {
					if _, err := r.Get(key); err != nil {
						return err
					}
					break
				}
			}
		}
	}
	return r.Set(keyring.Item{
		Key:         key,
		Data:        []byte(secret),
		Label:       label,
		Description: "Nexthink API client secret (nxcred)",
	})
}

// Remove deletes the client secret stored under profile's old name.
// removed says whether the keyring held one: logout must not claim it
// removed a secret it never found. A missing one is not an error.
func (k *Keyring) Remove(profile string) (removed bool, err error) {
	_, err = k.do("delete", func(r keyring.Keyring) (string, error) { return "", k.remove(r, itemKey(profile)) })
	if errors.Is(err, ErrNoSecret) {
		return false, nil
	}
	return err == nil, err
}

// remove deletes key; a missing item is keyring.ErrKeyNotFound.
func (k *Keyring) remove(r keyring.Keyring, key string) error {
	// The Secret Service and KWallet backends answer a Remove of a
	// missing item with success: only a Get tells.
	if k.Backend == "secret-service" || k.Backend == "kwallet" {
		if _, err := r.Get(key); errors.Is(err, keyring.ErrKeyNotFound) {
			return err
		}
	}
	return r.Remove(key)
}
