package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/cache"
)

// errForeignHost means the request names a host that does not belong to the
// chosen profile: each protocol answers it with its own "no credentials".
var errForeignHost = errors.New("host does not belong to the profile")

// secretMissingError is a profile with no secret in the keyring.
type secretMissingError struct{ p *auth.Profile }

func (e *secretMissingError) Error() string {
	return fmt.Sprintf("no client secret for profile %s in the keyring", e.p.Name)
}

func (e *secretMissingError) Hint() string { return "run: " + e.p.LoginCommand() }

// envProfile reads the NXCRED_* environment profile (nil when unset).
func (a *app) envProfile() (*auth.Profile, string, error) {
	return auth.EnvProfile(a.getenv)
}

// resolve picks the profile for ch and returns the environment secret when
// the environment profile was picked.
func (a *app) resolve(ch auth.Choice) (*auth.Profile, string, error) {
	if ch.Env == "" {
		ch.Env = a.getenv("NXCRED_PROFILE")
	}
	env, envSecret, err := a.envProfile()
	if err != nil {
		return nil, "", err
	}
	if env != nil && ch.Flag == "" && ch.Env == "" && ch.Host == "" {
		// Nothing can choose a config profile over the environment one:
		// the config file need not even be opened.
		a.log.Debug("profile chosen", "profile", env.Name)
		return env, envSecret, nil
	}
	cfg, err := a.config()
	if err != nil {
		return nil, "", err
	}
	p, err := auth.Resolve(cfg, env, ch)
	if err != nil {
		return nil, "", err
	}
	a.log.Debug("profile chosen", "profile", p.Name, "host", ch.Host)
	if p.FromEnv {
		return p, envSecret, nil
	}
	return p, "", nil
}

// profileFor resolves ch and checks that the request's host, if it names
// one, belongs to the chosen profile (errForeignHost otherwise). A Nexthink
// token must never reach another server, so every path goes through here.
func (a *app) profileFor(ch auth.Choice) (*auth.Profile, string, error) {
	p, envSecret, err := a.resolve(ch)
	if err != nil {
		return nil, "", err
	}
	if ch.Host != "" && !p.HasHost(ch.Host) {
		a.log.Debug("host not served by the profile", "host", ch.Host, "profile", p.Name)
		return p, "", errForeignHost
	}
	return p, envSecret, nil
}

// secret returns the client secret of p: from the environment profile, or
// from the keyring.
func (a *app) secret(p *auth.Profile, envSecret string) (string, error) {
	if p.FromEnv {
		a.redact(envSecret)
		return envSecret, nil
	}
	ring, err := a.keyring()
	if err != nil {
		return "", err
	}
	t := time.Now()
	s, err := ring.Get(p.Name)
	a.log.Debug("secret read", "backend", ring.Backend, "took", time.Since(t))
	if errors.Is(err, auth.ErrNoSecret) {
		return "", &secretMissingError{p}
	}
	a.redact(s)
	return s, err
}

func (a *app) store() (*cache.Store, time.Duration, error) {
	timeout, err := a.durationEnv("NXCRED_TIMEOUT", auth.DefaultTimeout)
	if err != nil {
		return nil, 0, err
	}
	return &cache.Store{Dir: a.cacheDir, LockWait: timeout, Now: a.now, Log: a.log, Remember: rememberFor, Warn: func(m string) { a.warnf("%s", m) }}, timeout, nil
}

// rememberFor says how long a failed token request is remembered, so that a
// burst of callers waiting for it fail fast with its error instead of each
// asking again: a rejected secret for 10 s (the memo is keyed by the secret,
// so a corrected one is tried at once), anything else for 3 s.
func rememberFor(err error) time.Duration {
	var fe *auth.FetchError
	if !errors.As(err, &fe) {
		return 0
	}
	if fe.Kind == auth.KindRejected {
		return 10 * time.Second
	}
	return 3 * time.Second
}

func slotFor(p *auth.Profile, secret string) cache.Slot {
	id := p.Identity()
	return cache.Slot{Name: p.SlotName(), ID: id, Key: cache.DeriveKey(secret, id)}
}

// fetcher builds the token request for p; called only on a cache miss, so a
// hit never builds an HTTP client.
func (a *app) fetcher(p *auth.Profile, secret string, timeout time.Duration) (*auth.Fetcher, error) {
	client, err := auth.NewHTTPClient(a.getenv("SSL_CERT_FILE"))
	if err != nil {
		return nil, err
	}
	return &auth.Fetcher{Profile: p, Secret: secret, Client: client, Timeout: timeout, Now: a.now, Log: a.log}, nil
}

// tokenOptions change how token gets its token.
type tokenOptions struct {
	// fresh drops the cached token first (GOAUTH after a 401 or 403,
	// kubectl asking again, --refresh).
	fresh bool
	// budget, when set and shorter than NXCRED_TIMEOUT, bounds this call's
	// wait for the cache lock and its token request instead (goauth when no
	// token was refused: the go command waits on it for every fetch).
	budget time.Duration
}

// token is the flow of every call: profile, host check, secret, then the
// cache, which fetches on a miss.
func (a *app) token(ch auth.Choice, opts tokenOptions) (*auth.Profile, cache.Token, error) {
	p, envSecret, err := a.profileFor(ch)
	if err != nil {
		return p, cache.Token{}, err
	}
	secret, err := a.secret(p, envSecret)
	if err != nil {
		return p, cache.Token{}, err
	}
	store, timeout, err := a.store()
	if err != nil {
		return p, cache.Token{}, err
	}
	if opts.budget > 0 && opts.budget < timeout {
		timeout = opts.budget
	}
	slot := slotFor(p, secret)
	if opts.fresh {
		if err := store.Drop(slot.Name); err != nil {
			return p, cache.Token{}, err
		}
	}
	ctx, cancel := context.WithTimeout(a.ctx, timeout)
	defer cancel()
	t := time.Now()
	res, err := store.Get(ctx, slot, func(ctx context.Context) (cache.Token, error) {
		f, err := a.fetcher(p, secret, timeout)
		if err != nil {
			return cache.Token{}, err
		}
		return f.Fetch(ctx)
	})
	if err != nil {
		return p, cache.Token{}, err
	}
	a.redact(res.Token.AccessToken)
	left := res.Token.Expiry.Sub(a.now()).Round(time.Second)
	switch res.Source {
	case cache.FromCache:
		a.log.Debug("cache hit", "profile", p.Name, "expires_in", left, "took", time.Since(t))
	case cache.Fetched:
		a.log.Debug("token fetched", "profile", p.Name, "expires_in", left, "took", time.Since(t))
	case cache.Stale:
		a.warnf("could not refresh the token of %s (%v); using the cached one, valid for %s more", p.Label(), res.RefreshErr, left)
	}
	if res.WriteErr != nil {
		a.warnf("%v; every call will fetch a new token until this is fixed", res.WriteErr)
	}
	return p, res.Token, nil
}

// hintError is an error with a hint to print after it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }
func (e *hintError) Hint() string  { return e.hint }

// isNoProfile reports whether err says that no profile exists or was chosen.
func isNoProfile(err error) bool {
	var np *auth.NoProfileError
	return errors.As(err, &np)
}

// drop invalidates the cached token of the profile that owns ch.Host (git
// erase, docker erase): the next call fetches a new one. A foreign host, or
// no profile at all, is not an error: there is nothing of ours to drop.
func (a *app) drop(ch auth.Choice) error {
	p, _, err := a.profileFor(ch)
	if isNoProfile(err) || errors.Is(err, errForeignHost) {
		return nil
	}
	if err != nil {
		return err
	}
	store, _, err := a.store()
	if err != nil {
		return err
	}
	a.log.Debug("cached token dropped", "profile", p.Name, "host", ch.Host)
	return store.Drop(p.SlotName())
}
