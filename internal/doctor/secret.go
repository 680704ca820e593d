package doctor

import (
	"errors"
	"fmt"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
)

// checkSecret reads the profile's secret as the token path does, and
// reports the keyring and the secret apart: a keyring that does not open
// and a missing secret have different fixes. It returns the secret, or ""
// when there is none.
func (d *run) checkSecret(p *config.Profile) string {
	if p.FromEnv {
		d.report(passed("keyring", "not used: the environment profile's secret comes from NXCRED_CLIENT_SECRET"))
		secret, err := d.s.Secret(p)
		if err != nil {
			d.report(failedWith("secret", "", err))
			return ""
		}
		d.report(passed("secret", "set in NXCRED_CLIENT_SECRET"))
		return secret
	}
	// Choosing the backend opens nothing; Secret opens it.
	ring, err := d.s.Keyring(p)
	if err != nil {
		d.report(failedWith("keyring", "", err))
		return ""
	}
	if keyring.LooksElsewhere(p, ring) {
		d.report(warned("keyring", fmt.Sprintf("profile %s keeps its secret in the %s keyring, but this shell's %s=%s makes calls look in %s",
			p.Name, p.Keyring, keyring.EnvKeyringBackend, ring.Backend, ring.Backend),
			fmt.Sprintf("unset %s, or store the secret there: %s", keyring.EnvKeyringBackend, loginFixIn(p, ring.Backend))))
	}
	backend := fmt.Sprintf("%s (%s)", ring.Backend, ring.Reason)
	t := time.Now()
	secret, err := d.s.Secret(p)
	took := since(t)
	switch {
	case errors.Is(err, keyring.ErrNoSecret):
		d.report(passed("keyring", backend+", opened in "+took))
		d.report(failedWith("secret", "", err))
		return ""
	case err != nil:
		d.report(failedWith("keyring", backend+": ", err))
		return ""
	}
	d.report(passed("keyring", backend+", opened in "+took))
	d.report(passed("secret", "present for profile "+p.Name))
	return secret
}

// checkToken makes one real token request with the profile's secret and
// reports its classified failure and hint. The token is not cached: doctor
// changes nothing, and a token is not printed.
func (d *run) checkToken(p *config.Profile, secret string) {
	t := time.Now()
	tok, err := d.s.Fetch(d.ctx, p, secret)
	if err != nil {
		d.report(failedWith("token", "", err))
		return
	}
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
func loginFixIn(p *config.Profile, backend string) string {
	q := *p
	q.Keyring = backend
	return q.LoginCommand()
}
