package doctor

import (
	"errors"
	"fmt"
	"time"

	"github.com/nxcred/nxcred/auth"
)

// checkSecret opens the keyring by reading the profile's secret, within the
// keyring's own timeout, and reports the keyring and the secret apart: a
// locked keyring and a missing secret have different fixes. It returns the
// secret, or "" when there is none.
func (d *run) checkSecret(p *auth.Profile) string {
	if p.FromEnv {
		d.s.Secrets.Add(d.s.EnvSecret)
		d.report(passed("keyring", "not used: the environment profile's secret comes from NXCRED_CLIENT_SECRET"))
		d.report(passed("secret", "set in NXCRED_CLIENT_SECRET"))
		return d.s.EnvSecret
	}
	ring, err := d.s.Keyring(p)
	if err != nil {
		d.report(failed("keyring", err.Error(), hintOf(err)))
		return ""
	}
	if auth.LooksElsewhere(p, ring) {
		d.report(warned("keyring", fmt.Sprintf("profile %s keeps its secret in the %s keyring, but this shell's %s=%s makes calls look in %s",
			p.Name, p.Keyring, auth.EnvKeyringBackend, ring.Backend, ring.Backend),
			fmt.Sprintf("unset %s, or store the secret there: %s", auth.EnvKeyringBackend, loginFixIn(p, ring.Backend))))
	}
	t := time.Now()
	secret, err := ring.GetFor(p)
	took := since(t)
	backend := fmt.Sprintf("%s (%s)", ring.Backend, ring.Reason)
	switch {
	case errors.Is(err, auth.ErrNoSecret):
		d.report(passed("keyring", backend+", opened in "+took))
		d.report(failed("secret", fmt.Sprintf("no client secret for profile %s in the %s keyring", p.Name, ring.Backend), loginFix(p)))
		return ""
	case err != nil:
		d.report(failed("keyring", backend+": "+err.Error(), hintOf(err)))
		return ""
	}
	d.s.Secrets.Add(secret)
	d.report(passed("keyring", backend+", opened in "+took))
	d.report(passed("secret", "present for profile "+p.Name))
	return secret
}

// checkToken makes one real token request with the profile's secret. The
// token is not cached: doctor changes nothing, and a token is not printed.
func (d *run) checkToken(p *auth.Profile, secret string) {
	t := time.Now()
	tok, err := d.s.Fetch(d.ctx, p, secret)
	if err != nil {
		d.report(failed("token", err.Error(), hintOf(err)))
		return
	}
	d.s.Secrets.Add(tok.AccessToken)
	lifetime := tok.Expiry.Sub(tok.FetchedAt).Round(time.Second)
	if !tok.Cacheable() {
		d.report(warned("token", fmt.Sprintf("got a token that lives only %s, so nxcred cannot cache it and every call makes a token request", lifetime),
			"check the token URL ("+p.Endpoint()+"): Nexthink tokens live 15 minutes"))
		return
	}
	d.report(passed("token", fmt.Sprintf("got a token valid for %s in %s (not cached)", lifetime, since(t))))
}

// loginFixIn is the login command that stores p's secret again, in the
// backend keyring.
func loginFixIn(p *auth.Profile, backend string) string {
	q := *p
	q.Keyring = backend
	return q.LoginCommand()
}

// loginFix is the login command that stores a profile's secret again.
func loginFix(p *auth.Profile) string {
	if p.FromEnv {
		return "set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET to the credential from Nexthink (Administration > API credentials)"
	}
	return p.LoginCommand()
}
