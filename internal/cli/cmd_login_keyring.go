package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/keyring"
)

// loginKeyring chooses where login stores p's secret and records it in p:
// --keyring, else NXCRED_KEYRING_BACKEND, else the keyring the replaced
// profile old records, else the OS keyring when it can be opened. When it
// cannot (no session bus on a headless Linux), a person on a terminal
// picks one of the backends that work here; without a terminal login fails
// at once with the command to run.
func (a *app) loginKeyring(f loginFlags, old, p *config.Profile) (*keyring.Keyring, error) {
	backend, reason := f.keyring, "--keyring"
	if backend == "" {
		backend, reason = keyring.BackendFor(old, a.getenv(keyring.EnvKeyringBackend))
	}
	if backend != "" {
		ring, err := a.tokens.KeyringWith(backend, reason)
		if err != nil {
			return nil, err
		}
		p.Keyring = ring.Backend
		return ring, nil
	}
	ring, err := a.tokens.KeyringWith("", "")
	if err == nil {
		err = ring.Check()
	}
	if err == nil {
		p.Keyring = ring.Backend
		return ring, nil
	}
	return a.chooseKeyring(f, p, err)
}

// chooseKeyring offers the backends that work here, since the OS keyring
// does not (cause says why).
func (a *app) chooseKeyring(f loginFlags, p *config.Profile, cause error) (*keyring.Keyring, error) {
	offers := keyring.Offers(a.tokens.KeyringOptions())
	names := make([]string, len(offers))
	lines := make([]string, len(offers))
	for i, o := range offers {
		names[i] = o.Backend
		lines[i] = fmt.Sprintf("%-6s  %s", o.Backend, o.Note)
	}
	lines[0] += " (recommended)"
	def := keyring.DefaultBackend()
	if def == "" {
		def = "none on this system"
	}
	text := fmt.Sprintf("nxcred: the OS keyring (%s) cannot be used here: %v\nWhere should nxcred keep the client secret of profile %s? (login --keyring NAME chooses without asking)",
		def, hint.OneLine(cause.Error()), p.Name)
	i, err := keyring.Choose(text, lines, 0)
	if errors.Is(err, keyring.ErrNoTerminal) {
		q := *p
		q.Keyring = offers[0].Backend
		return nil, hint.Wrap(
			fmt.Errorf("%s, and there is no terminal to choose another keyring on: login needs --keyring", strings.TrimSuffix(hint.OneLine(cause.Error()), ".")),
			fmt.Sprintf("%s work here (%s: %s); run: %s",
				joinAnd(names), offers[0].Backend, offers[0].Note, q.LoginCommand()+loginExtraFlags(f)),
		)
	}
	if err != nil {
		return nil, err
	}
	ring, err := a.tokens.KeyringWith(offers[i].Backend, "chosen at login")
	if err != nil {
		return nil, err
	}
	p.Keyring = ring.Backend
	a.infof("profile %s keeps its secret in the %s keyring; every call finds it there, with no variable to set", p.Name, ring.Backend)
	return ring, nil
}

// loginExtraFlags are the flags of f that LoginCommand does not write
// (they are not settings of the profile), so that a hint repeats the
// command the user ran.
func loginExtraFlags(f loginFlags) string {
	var b strings.Builder
	for _, fl := range []struct {
		on   bool
		name string
	}{{f.reset, "--reset"}, {f.makeDefault, "--default"}, {f.noVerify, "--no-verify"}, {f.secretStdin, "--client-secret-stdin"}} {
		if fl.on {
			b.WriteString(" " + fl.name)
		}
	}
	return b.String()
}

// dropReplacedSecret removes, once the new secret and profile are saved,
// the secret of the profile login replaced (old) when it is kept elsewhere:
// in another keyring, or under another item (the token URL or client id
// changed), where logout would no longer look. A profile that records no
// keyring (an older nxcred's) was stored where that login's environment
// said, unknown now: only the new secret's keyring is cleaned then.
func (a *app) dropReplacedSecret(old, p *config.Profile) {
	if old == nil {
		return
	}
	backend := old.Keyring
	if backend == "" {
		backend = p.Keyring
	}
	if backend == p.Keyring && keyring.ItemKey(old) == keyring.ItemKey(p) {
		return
	}
	ring, err := a.tokens.KeyringWith(backend, "recorded in profile "+old.Name)
	if err != nil {
		return
	}
	items, err := ring.RemoveFor(old)
	if err != nil {
		a.warnf("the previous secret of profile %s stays in the %s keyring: %v", old.Name, backend, err)
		return
	}
	if len(items) > 0 {
		a.infof("removed the previous secret of profile %s from the %s keyring (item %s)", old.Name, backend, strings.Join(items, " and item "))
	}
}
