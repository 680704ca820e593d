// Package broker is nxcred's token path: one entry point, Get, that every
// command and the local server call. A request names a profile or a host and
// says how fresh the token must be; Get resolves the profile, refuses a host
// that is not the profile's, reads the secret once, and asks the cache,
// which fetches a new token on a miss.
//
// A Broker holds no per-process state besides the config file it loaded, and
// is safe to call from many goroutines at once: cross-call work (single
// flight, the failure memo) is the cache's, through its file lock.
package broker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/redact"
	"github.com/nxcred/nxcred/internal/token"
)

// Broker gets tokens for one caller's environment and folders.
type Broker struct {
	// Getenv reads the caller's environment.
	Getenv func(string) string
	// ConfigPath, CacheDir and KeyringDir are the config file, the token
	// cache folder and the file keyring's folder.
	ConfigPath, CacheDir, KeyringDir string
	// Now is the clock of every expiry decision.
	Now func() time.Time
	// Log is the debug log; it never receives a secret or a token.
	Log *slog.Logger
	// Secrets collects every secret and token a call sees, so that messages
	// and the log can be cleaned of them.
	Secrets *redact.Set
	// Warn and Info print a message to the user (already scrubbed by the
	// caller's printer).
	Warn, Info func(string)
	// Prompt asks for the file keyring's password on a terminal; nil when
	// this caller must never prompt, and NoPrompt then says why (for the
	// message: "nxcred git, which runs for another program, never asks on
	// the terminal").
	Prompt   func(string) (string, error)
	NoPrompt string
	// KeepSecrets keeps each profile's client secret in memory once read,
	// for a long-lived process (nxcred serve): the keyring is read, and its
	// password asked, once per run instead of once per request.
	KeepSecrets bool

	mu   sync.Mutex
	cfg  *config.Config
	kept map[token.Identity]string
}

// Request is what a caller needs.
type Request struct {
	// Profile is --profile; "" lets NXCRED_PROFILE, the environment profile
	// or the config file's default choose.
	Profile string
	// Host is the (normalized) host the client will send the token to, or
	// "" when the client names none. A token never goes to a host that is
	// not its profile's.
	Host string
	// Fresh asks for a new token: the client refused the one it had, or the
	// user passed --refresh. The cached token is replaced only once a new one
	// is in hand; a token a forced refresh fetched less than
	// token.RefreshWindow ago is served instead of asking again.
	Fresh bool
	// MinValid is the life the token must have left (exec: 5 minutes). A
	// cached token with less is refreshed; if that fails it is served, with
	// a warning, while it has not expired.
	MinValid time.Duration
	// Budget, when set and shorter than NXCRED_TIMEOUT, bounds this call's
	// wait for the cache lock and its token request instead; BudgetVar names
	// the setting it came from, for messages.
	Budget    time.Duration
	BudgetVar string
	// SayReused tells the user when Fresh served a token fetched moments ago
	// instead of asking again (token --refresh; protocols keep it to the
	// debug log).
	SayReused bool
}

// Result is what Get found.
type Result struct {
	// Profile is the profile that was chosen (also set when Foreign).
	Profile *config.Profile
	// Token is the token to hand out; empty when Foreign or Unserved.
	Token token.Token
	// Source says where the token came from.
	Source cache.Source
	// FromAgent says the token came from the nxcred exec --serve this
	// process runs under (NXCRED_AGENT), not from the cache.
	FromAgent bool
	// Foreign says the request's host does not belong to the chosen
	// profile: no token was read, and the client must get its "no
	// credentials" answer.
	Foreign bool
	// Unserved is set, instead of an error, when the request names a host,
	// nothing named a profile and no profile exists: the host is simply not
	// nxcred's. It says how to make a profile, for the clients that have no
	// "no credentials" answer.
	Unserved *config.NoProfileError
}

// Get is the token path: profile, host check, secret, then the cache, which
// fetches on a miss.
func (b *Broker) Get(ctx context.Context, r Request) (Result, error) {
	p, envSecret, err := b.Resolve(r)
	if err != nil {
		return b.unserved(r, err)
	}
	if r.Host != "" && !p.HasHost(r.Host) {
		b.Log.Debug("host not served by the profile", "host", r.Host, "profile", p.Name)
		return Result{Profile: p, Foreign: true}, nil
	}
	if b.insideAgent() {
		if res, ok, err := b.fromAgent(ctx, r, p); ok {
			return res, err
		}
	}
	secret, err := b.Secret(p, envSecret)
	if err != nil {
		return Result{Profile: p}, err
	}
	store, timeout, err := b.Store()
	if err != nil {
		return Result{Profile: p}, err
	}
	timeoutVar := "NXCRED_TIMEOUT"
	if r.Budget > 0 && r.Budget < timeout {
		timeout, timeoutVar = r.Budget, r.BudgetVar
	}
	slot := SlotFor(p, secret)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.Now()
	res, err := store.Get(ctx, slot, cache.Need{Refresh: r.Fresh, MinValid: r.MinValid}, func(ctx context.Context) (token.Token, error) {
		f, err := b.Fetcher(p, secret, timeout, timeoutVar)
		if err != nil {
			return token.Token{}, err
		}
		return f.Fetch(ctx)
	})
	if err != nil {
		b.keptAfterFailure(r, p, store, slot)
		return Result{Profile: p}, err
	}
	b.Secrets.Add(res.Token.AccessToken)
	b.report(r, p, res, time.Since(t))
	return Result{Profile: p, Token: res.Token, Source: res.Source}, nil
}

// unserved turns "no profile" into an Unserved result when the request
// names a host and nothing named a profile: that host is not nxcred's.
func (b *Broker) unserved(r Request, err error) (Result, error) {
	var np *config.NoProfileError
	if !errors.As(err, &np) || r.Host == "" || r.Profile != "" || b.Getenv("NXCRED_PROFILE") != "" {
		return Result{}, err
	}
	b.Log.Debug("no profile for this host", "host", r.Host)
	return Result{Unserved: np}, nil
}

// keptAfterFailure tells the user, when a forced refresh failed, that the
// cached token is still there for the calls that follow.
func (b *Broker) keptAfterFailure(r Request, p *config.Profile, store *cache.Store, slot cache.Slot) {
	if !r.Fresh {
		return
	}
	if kept, ok := store.Peek(slot); ok && kept.Usable(b.Now()) {
		b.warnf("the cached token of %s is kept, valid for %s more", p.Label(), kept.Expiry.Sub(b.Now()).Round(time.Second))
	}
}

// report logs where the token came from and warns about what the user should
// know: a stale token, a short one, a cache that cannot be written.
func (b *Broker) report(r Request, p *config.Profile, res cache.Result, took time.Duration) {
	now := b.Now()
	left := res.Token.Expiry.Sub(now).Round(time.Second)
	switch res.Source {
	case cache.FromCache:
		b.Log.Debug("cache hit", "profile", p.Name, "expires_in", left, "took", took)
	case cache.Fetched:
		b.Log.Debug("token fetched", "profile", p.Name, "expires_in", left, "took", took)
		if r.MinValid > 0 && res.Token.Cacheable() && left < r.MinValid {
			b.warnf("the token endpoint gave %s a token valid for %s, less than the %s asked for", p.Label(), left, r.MinValid)
		}
	case cache.Stale:
		b.warnf("could not refresh the token of %s (%v); using the cached one, valid for %s more", p.Label(), res.RefreshErr, left)
	}
	if res.RefreshSkipped && r.Fresh && r.SayReused {
		b.infof("the token of %s was refreshed %s ago: serving it again rather than asking for another (nxcred forces a refresh at most once every %s)",
			p.Label(), now.Sub(res.Token.FetchedAt).Round(time.Second), token.RefreshWindow)
	}
	if res.WriteErr != nil {
		b.warnf("%v; every call will fetch a new token until this is fixed", res.WriteErr)
	}
}

// Refuse marks the cached token of the profile that owns r.Host as refused
// by a client (git erase, docker erase): the next call asks for a new one,
// and falls back on the refused one, while it has not expired, if that
// request fails. A foreign host, or no profile at all, is not an error:
// there is nothing of nxcred's to refuse.
func (b *Broker) Refuse(r Request) error {
	p, _, err := b.Resolve(r)
	var np *config.NoProfileError
	if errors.As(err, &np) || err == nil && r.Host != "" && !p.HasHost(r.Host) {
		return nil
	}
	if err != nil {
		return err
	}
	store, _, err := b.Store()
	if err != nil {
		return err
	}
	b.Log.Debug("cached token marked as refused", "profile", p.Name, "host", r.Host)
	return store.Refuse(p.SlotName())
}

// Keyring opens the keyring a call looks in for p's secret:
// NXCRED_KEYRING_BACKEND, else the one p records, else the OS default.
func (b *Broker) Keyring(p *config.Profile) (*keyring.Keyring, error) {
	return b.KeyringWith(keyring.BackendFor(p, b.Getenv(keyring.EnvKeyringBackend)))
}

// KeyringWith opens backend ("" for the OS default), chosen for reason.
func (b *Broker) KeyringWith(backend, reason string) (*keyring.Keyring, error) {
	opts := b.KeyringOptions()
	opts.Backend, opts.Reason = backend, reason
	return keyring.New(opts)
}

// KeyringOptions are the keyring settings of this caller's environment,
// with no backend chosen.
func (b *Broker) KeyringOptions() keyring.Options {
	opts := keyring.Options{
		FileDir:     b.KeyringDir,
		Password:    b.Getenv("NXCRED_KEYRING_PASSWORD"),
		KeyctlScope: b.Getenv("NXCRED_KEYCTL_SCOPE"),
		PassDir:     b.Getenv("PASSWORD_STORE_DIR"),
		Prompt:      b.Prompt,
		NoPrompt:    b.NoPrompt,
	}
	b.Secrets.Add(opts.Password)
	return opts
}

func (b *Broker) warnf(format string, args ...any) { b.Warn(fmt.Sprintf(format, args...)) }
func (b *Broker) infof(format string, args ...any) { b.Info(fmt.Sprintf(format, args...)) }
