package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
)

func (a *app) statusCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show a profile, its keyring backend and its cached token (never the token)",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, args []string) error { return a.status(profile) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

// status prints what a user needs to tell why a call does what it does. It
// exits 1 when the profile cannot give a token (no secret, keyring failing).
func (a *app) status(name string) error {
	p, envSecret, err := a.tokens.Resolve(broker.Request{Profile: name})
	if err != nil {
		return err
	}
	d := profileSummary(p, false)
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, v) }
	row("profile", fmt.Sprintf("%s (%s)", p.Name, d.Source))
	if d.Source == "config" {
		row("config file", a.configPath)
	}
	row("instance", orDash(p.Instance))
	row("region", orDash(p.Region))
	row("api url", orDash(p.APIURL()))
	row("token url", p.Endpoint())
	row("client id", p.ClientID)
	row("scope", p.EffectiveScope())
	row("hosts", orDash(strings.Join(p.AllHosts(), ", ")))

	var secret string
	var secretErr error
	if p.FromEnv {
		row("secret", "from NXCRED_CLIENT_SECRET")
		secret = envSecret
	} else if ring, err := a.tokens.Keyring(p); err != nil {
		secretErr = err
		row("keyring", "unavailable")
	} else {
		row("keyring", fmt.Sprintf("%s (%s)", ring.Backend, ring.Reason))
		secret, secretErr = a.tokens.Secret(p, "")
		state := "present"
		switch {
		case secretErr == nil:
		case errors.As(secretErr, new(*broker.SecretMissingError)):
			state = "missing"
		default:
			state = "unreadable"
		}
		if keyring.LooksElsewhere(p, ring) {
			// What this call found is not the profile's secret: say where
			// that is, and why this shell looks elsewhere.
			state = fmt.Sprintf("in %s (this shell's %s=%s looks in %s: %s there)", p.Keyring, keyring.EnvKeyringBackend, ring.Backend, ring.Backend, state)
		}
		row("secret", state)
	}
	store, _, err := a.tokens.Store()
	if err != nil {
		return err
	}
	row("cache file", store.Path(p.SlotName()))
	row("cached token", a.cacheState(store, p, secret))
	tw.Flush()
	return secretErr
}

func (a *app) cacheState(store *cache.Store, p *config.Profile, secret string) string {
	if secret == "" {
		return "unknown (no secret to open the cache with)"
	}
	slot := broker.SlotFor(p, secret)
	t, ok := store.Peek(slot)
	now := a.now()
	until := func(t time.Time) string {
		return fmt.Sprintf("%s (until %s)", t.Sub(now).Round(time.Second), t.UTC().Format(time.RFC3339))
	}
	switch {
	case !ok:
		if r, ok := store.PeekRefused(slot); ok && r.Usable(now) {
			return "refused by a client (git or docker erase), kept as a fallback while the endpoint cannot give a new one, valid for " + until(r.Expiry) + "; the next call fetches a new one"
		}
		return "none (the next call fetches one)"
	case t.Fresh(now):
		return "valid for " + until(t.Expiry) + "; served until a minute before"
	case t.Usable(now):
		return "in its last minute, " + until(t.Expiry) + "; the next call fetches a new one"
	}
	return "expired; the next call fetches a new one"
}
