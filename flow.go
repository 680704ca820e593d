package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/cache"
	"github.com/nxcred/nxcred/protocol"
)

// errForeignHost means the request names a host that does not belong to the
// chosen profile: each protocol answers it with its own "no credentials".
var errForeignHost = errors.New("host does not belong to the profile")

// secretMissingError is a profile with no secret in the keyring.
type secretMissingError struct {
	p    *auth.Profile
	ring *auth.Keyring
}

func (e *secretMissingError) Error() string {
	return fmt.Sprintf("no client secret for profile %s in the keyring", e.p.Name)
}

func (e *secretMissingError) Hint() string {
	if e.ring != nil && auth.LooksElsewhere(e.p, e.ring) {
		return fmt.Sprintf("profile %s keeps its secret in the %s keyring, but %s=%s made this call look in %s: unset %s",
			e.p.Name, e.p.Keyring, auth.EnvKeyringBackend, e.ring.Backend, e.ring.Backend, auth.EnvKeyringBackend)
	}
	return "run: " + e.p.LoginCommand()
}

// envProfile reads the NXCRED_* environment profile (nil when unset).
func (a *app) envProfile() (*auth.Profile, string, error) {
	p, secret, err := auth.EnvProfile(a.getenv)
	if err != nil && a.insideExec() && a.getenv(auth.EnvClientID) != "" && a.getenv(auth.EnvClientSecret) == "" {
		return nil, "", a.insideExecError()
	}
	return p, secret, err
}

// execMarker is set to 1 in the environment of the command nxcred exec runs.
// It carries nothing secret; it lets a nested nxcred tell the user why the
// environment profile has no secret there.
const execMarker = "NXCRED_EXEC"

func (a *app) insideExec() bool { return a.getenv(execMarker) == "1" }

// insideExecError is the environment profile seen from inside nxcred exec,
// which removed NXCRED_CLIENT_SECRET from its command's environment.
type insideExecError struct{ hint string }

func (e *insideExecError) Error() string {
	return "the environment profile has no secret here: this runs inside nxcred exec, which does not pass NXCRED_CLIENT_SECRET to the command it runs"
}

func (e *insideExecError) Hint() string { return e.hint }

func (a *app) insideExecError() error {
	hint := "use $NEXTHINK_TOKEN, the token nxcred exec gave this command"
	if at, err := time.Parse(time.RFC3339, a.getenv("NEXTHINK_TOKEN_EXPIRES_AT")); err == nil {
		hint += " (good until " + at.UTC().Format(time.RFC3339) + ")"
	}
	return &insideExecError{hint: hint + "; a profile from nxcred login still works here with --profile (with the file keyring, only where a terminal can ask its password)"}
}

// namesConfigProfile reports whether ch names a profile of the config file
// (not the environment profile) with --profile or NXCRED_PROFILE.
func namesConfigProfile(ch auth.Choice) bool {
	name := ch.Flag
	if name == "" {
		name = ch.Env
	}
	return name != "" && name != auth.EnvProfileName
}

// resolve picks the profile for ch and returns the environment secret when
// the environment profile was picked.
func (a *app) resolve(ch auth.Choice) (*auth.Profile, string, error) {
	if ch.Env == "" {
		ch.Env = a.getenv("NXCRED_PROFILE")
	}
	env, envSecret, err := a.envProfile()
	if err != nil {
		var ie *insideExecError
		if !errors.As(err, &ie) || !namesConfigProfile(ch) {
			return nil, "", err
		}
		// Inside nxcred exec the environment profile is incomplete by
		// design; a config profile named explicitly does not need it.
		env = nil
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
	ring, err := a.keyring(p)
	if err != nil {
		return "", err
	}
	t := time.Now()
	s, err := ring.GetFor(p)
	a.log.Debug("secret read", "backend", ring.Backend, "took", time.Since(t))
	if errors.Is(err, auth.ErrNoSecret) {
		return "", &secretMissingError{p, ring}
	}
	if err != nil && ring.Backend == "file" && a.insideExec() && a.getenv("NXCRED_KEYRING_PASSWORD") == "" {
		// The password was not forgotten: exec kept it from its command.
		return "", &hintError{
			err:  fmt.Errorf("%w; this runs inside nxcred exec, which does not pass NXCRED_KEYRING_PASSWORD to the command it runs", err),
			hint: "use $NEXTHINK_TOKEN, the token nxcred exec gave this command, or give this one command NXCRED_KEYRING_PASSWORD itself",
		}
	}
	a.redact(s)
	return s, err
}

func (a *app) store() (*cache.Store, time.Duration, error) {
	timeout, err := a.durationEnv("NXCRED_TIMEOUT", auth.DefaultTimeout)
	if err != nil {
		return nil, 0, err
	}
	return &cache.Store{Dir: a.cacheDir, LockWait: timeout, Now: a.now, Log: a.log, Remember: rememberFor,
		Warn: func(m string) { a.warnf("%s", m) }, Settings: a}, timeout, nil
}

// requestVars are the variables that shape a token request besides the
// profile and its secret: the proxies (as net/http reads them, CGI's
// REQUEST_METHOD included), the CA bundle and the deadline.
var requestVars = []string{
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD",
	"SSL_CERT_FILE", "SSL_CERT_DIR", "NXCRED_TIMEOUT",
}

// RequestSettings describes this call's request settings, for the failure
// memo (cache.Store.Settings): a failure is not replayed to a call whose
// settings differ, so fixing a proxy or a CA bundle (even in place: the
// bundle's size and time are part of it) takes effect at once. The cache
// stores only a digest. A method, not a closure: building the Store on a
// cache hit allocates nothing for it.
func (a *app) RequestSettings() string {
	var b strings.Builder
	for _, k := range requestVars {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(a.getenv(k))
		b.WriteByte(0)
	}
	if f := a.getenv("SSL_CERT_FILE"); f != "" {
		if fi, err := os.Stat(f); err == nil {
			fmt.Fprintf(&b, "bundle %d %d", fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
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
	return cache.Slot{Name: p.SlotName(), ID: id, Key: cache.DeriveKey(secret, id), Label: p.Label()}
}

// fetcher builds the token request for p; called only on a cache miss, so a
// hit never builds an HTTP client.
func (a *app) fetcher(p *auth.Profile, secret string, timeout time.Duration, timeoutVar string) (*auth.Fetcher, error) {
	client, err := auth.NewHTTPClient(a.getenv("SSL_CERT_FILE"))
	if err != nil {
		return nil, err
	}
	return &auth.Fetcher{Profile: p, Secret: secret, Client: client, Timeout: timeout, TimeoutVar: timeoutVar, Now: a.now, Log: a.log,
		Warn: func(m string) { a.warnf("%s", m) }}, nil
}

// tokenOptions change how token gets its token. The zero value is an
// ordinary call: the cached token while more than a minute of it is left.
type tokenOptions struct {
	// fresh asks for a new token: the client refused the one it had (GOAUTH
	// after a 401 or 403, kubectl asking again), or the user passed
	// --refresh. The cached token is replaced only once a new one is in
	// hand; if the request fails the call fails and the cached token is
	// kept for the calls that follow. A token that a forced refresh
	// fetched less than cache.RefreshWindow ago is served instead of asking
	// again.
	fresh bool
	// minValid is the life the token must have left (exec: 5 minutes). A
	// cached token with less is refreshed; if that fails it is served, with
	// a warning, while it has not expired.
	minValid time.Duration
	// sayReused tells the user when fresh served a token fetched moments
	// ago instead of asking again (token --refresh; protocol calls keep it
	// to the debug log).
	sayReused bool
	// budget, when set and shorter than NXCRED_TIMEOUT, bounds this call's
	// wait for the cache lock and its token request instead (goauth when no
	// token was refused: the go command waits on it for every fetch).
	budget time.Duration
	// budgetVar names the setting budget came from, for messages.
	budgetVar string
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
	timeoutVar := "NXCRED_TIMEOUT"
	if opts.budget > 0 && opts.budget < timeout {
		timeout, timeoutVar = opts.budget, opts.budgetVar
	}
	slot := slotFor(p, secret)
	ctx, cancel := context.WithTimeout(a.ctx, timeout)
	defer cancel()
	t := time.Now()
	need := cache.Need{Refresh: opts.fresh, MinValid: opts.minValid}
	res, err := store.Get(ctx, slot, need, func(ctx context.Context) (cache.Token, error) {
		f, err := a.fetcher(p, secret, timeout, timeoutVar)
		if err != nil {
			return cache.Token{}, err
		}
		return f.Fetch(ctx)
	})
	if err != nil {
		if opts.fresh {
			if kept, ok := store.Peek(slot); ok && kept.Usable(a.now()) {
				a.warnf("the cached token of %s is kept, valid for %s more", p.Label(), kept.Expiry.Sub(a.now()).Round(time.Second))
			}
		}
		return p, cache.Token{}, err
	}
	a.redact(res.Token.AccessToken)
	left := res.Token.Expiry.Sub(a.now()).Round(time.Second)
	switch res.Source {
	case cache.FromCache:
		a.log.Debug("cache hit", "profile", p.Name, "expires_in", left, "took", time.Since(t))
	case cache.Fetched:
		a.log.Debug("token fetched", "profile", p.Name, "expires_in", left, "took", time.Since(t))
		if opts.minValid > 0 && res.Token.Cacheable() && left < opts.minValid {
			a.warnf("the token endpoint gave %s a token valid for %s, less than the %s asked for", p.Label(), left, opts.minValid)
		}
	case cache.Stale:
		a.warnf("could not refresh the token of %s (%v); using the cached one, valid for %s more", p.Label(), res.RefreshErr, left)
	}
	if res.RefreshSkipped && opts.fresh && opts.sayReused {
		a.infof("the token of %s was refreshed %s ago: serving it again rather than asking for another (nxcred forces a refresh at most once every %s)",
			p.Label(), a.now().Sub(res.Token.FetchedAt).Round(time.Second), cache.RefreshWindow)
	}
	if res.WriteErr != nil {
		a.warnf("%v; every call will fetch a new token until this is fixed", res.WriteErr)
	}
	return p, res.Token, nil
}

// credential is what protocols hand out: the token and its reported expiry
// (cache.Token.ReportedExpiry), the one place every protocol's expiry comes
// from.
func (a *app) credential(t cache.Token) protocol.Credential {
	return protocol.Credential{Token: t.AccessToken, TokenType: "Bearer", Expires: t.ReportedExpiry(a.now())}
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

// refuse marks the cached token of the profile that owns ch.Host as refused
// by a client (git erase, docker erase): the next call asks for a new one,
// and falls back on the refused one, while it has not expired, if that
// request fails. A foreign host, or no profile at all, is not an error:
// there is nothing of ours to refuse.
func (a *app) refuse(ch auth.Choice) error {
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
	a.log.Debug("cached token marked as refused", "profile", p.Name, "host", ch.Host)
	return store.Refuse(p.SlotName())
}
