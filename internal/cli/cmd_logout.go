package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/spf13/cobra"
)

func (a *app) logoutCommand() *cobra.Command {
	var profile string
	var forget bool
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a profile's client secret and cached tokens",
		Long: `logout removes the client secret from the keyring and the cached tokens, and
says which of them it found. The profile stays in the config file, so login can
restore it; --forget removes it too. For the environment profile only the
cached tokens are removed.

The secret is removed from the keyring the profile records (login's
--keyring), whatever NXCRED_KEYRING_BACKEND says; for a profile that records
none (stored by an older nxcred, or gone from the config file), from the
keyring NXCRED_KEYRING_BACKEND chooses now, else the OS default. logout names
each keyring item it removed. --profile NAME also removes what a profile gone
from the config file left in the keyring and the cache; a name with nothing
anywhere is an error.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.logout(profile, forget) },
	}
	a.profileFlag(cmd, &profile)
	cmd.Flags().BoolVar(&forget, "forget", false, "also remove the profile from the config file")
	return cmd
}

func (a *app) logout(name string, forget bool) error {
	cfg, err := a.tokens.Config()
	if err != nil {
		return err
	}
	p, inConfig, err := a.logoutTarget(cfg, name)
	if err != nil {
		return err
	}
	hadToken, err := a.removeCachedToken(p)
	if err != nil {
		return err
	}
	if p.FromEnv {
		if hadToken {
			a.infof("environment profile logged out: removed its cached token (its secret is NXCRED_CLIENT_SECRET, which nxcred does not store)")
		} else {
			a.infof("environment profile: nothing to remove: no cached token (its secret is NXCRED_CLIENT_SECRET, which nxcred does not store)")
		}
		return nil
	}
	ring, items, err := a.removeSecret(p, inConfig)
	if !inConfig && !hadToken && (err != nil || len(items) == 0) {
		// A name that is nowhere is a mistake: the resolver's error
		// lists the profiles.
		_, err := config.Resolve(cfg, nil, config.Choice{Flag: name})
		return err
	}
	if err != nil {
		return err
	}
	r := logoutReport{p: p, inConfig: inConfig, ring: ring, items: items, hadToken: hadToken}
	if forget && inConfig {
		cfg.Delete(p.Name)
		if err := cfg.Save(); err != nil {
			return err
		}
		r.forgotten = cfg.Path
	}
	a.reportLogout(r)
	return nil
}

// logoutTarget is the profile logout works on. A profile gone from the
// config may still have a secret and tokens: --profile NAME removes them by
// name (inConfig false).
func (a *app) logoutTarget(cfg *config.Config, name string) (p *config.Profile, inConfig bool, err error) {
	if name != "" && name != config.EnvProfileName && cfg.Profiles[name] == nil {
		if err := config.ValidateName(name); err != nil {
			return nil, false, &usageError{err: err}
		}
		return &config.Profile{Name: name}, false, nil
	}
	p, _, err = a.tokens.Resolve(broker.Request{Profile: name})
	return p, true, err
}

// removeCachedToken removes p's cached token and says whether there was one.
func (a *app) removeCachedToken(p *config.Profile) (bool, error) {
	store, _, err := a.tokens.Store()
	if err != nil {
		return false, err
	}
	_, statErr := os.Stat(store.Path(p.SlotName()))
	hadToken := !errors.Is(statErr, fs.ErrNotExist)
	return hadToken, store.Remove(p.SlotName())
}

// removeSecret removes p's secret from the keyring logout looks in, and
// returns that keyring and the items it removed.
func (a *app) removeSecret(p *config.Profile, inConfig bool) (*keyring.Keyring, []string, error) {
	ring, err := a.logoutKeyring(p, inConfig)
	if err != nil {
		return nil, nil, err
	}
	items, err := ring.RemoveFor(p)
	return ring, items, err
}

// logoutReport is what logout removed and found.
type logoutReport struct {
	p        *config.Profile
	inConfig bool
	ring     *keyring.Keyring
	items    []string
	hadToken bool
	// forgotten is the config file the profile was removed from, if any.
	forgotten string
}

// reportLogout says exactly what logout removed and what it did not find.
func (a *app) reportLogout(r logoutReport) {
	p := r.p
	var removed, absent []string
	keyringName := "the " + r.ring.Backend + " keyring"
	if len(r.items) > 0 {
		removed = append(removed, fmt.Sprintf("its secret from %s (item %s)", keyringName, strings.Join(r.items, " and item ")))
	} else {
		absent = append(absent, "no secret in "+keyringName)
	}
	if r.hadToken {
		removed = append(removed, "its cached token")
	} else {
		absent = append(absent, "no cached token")
	}
	if r.forgotten != "" {
		removed = append(removed, "its entry in "+r.forgotten)
	}
	what := "profile " + p.Name
	switch {
	case !r.inConfig:
		what += " (not in the config file)"
	case r.forgotten != "":
		what += " forgotten"
	}
	if len(removed) == 0 {
		a.infof("%s: nothing to remove: %s", what, strings.Join(absent, ", "))
	} else {
		if r.inConfig && r.forgotten == "" {
			what += " logged out"
		}
		msg := what + ": removed " + joinAnd(removed)
		if len(absent) > 0 {
			msg += "; " + strings.Join(absent, ", ")
		}
		a.infof("%s", msg)
	}
	if len(r.items) == 0 && !recorded(p, r.inConfig) {
		a.infof("hint: %s", otherKeyringHint(r.ring))
	}
	if env := a.getenv(keyring.EnvKeyringBackend); env != "" && recorded(p, r.inConfig) && env != p.Keyring {
		a.infof("the secret of profile %s is kept in the %s keyring it records; %s=%s does not change that", p.Name, p.Keyring, keyring.EnvKeyringBackend, env)
	}
}

// recorded reports whether logout looks in the keyring p records.
func recorded(p *config.Profile, inConfig bool) bool { return inConfig && p.Keyring != "" }

// logoutKeyring is where logout removes p's secret from: the keyring p
// records, where login put it, whatever the environment says now; for a
// profile that records none, the keyring a call would look in.
func (a *app) logoutKeyring(p *config.Profile, inConfig bool) (*keyring.Keyring, error) {
	if recorded(p, inConfig) {
		return a.tokens.KeyringWith(keyring.BackendFor(p, ""))
	}
	return a.tokens.Keyring(p)
}

// otherKeyringHint says where a secret logout did not find may be: in the
// keyring of another backend, which only that backend's logout can reach.
func otherKeyringHint(ring *keyring.Keyring) string {
	chosen := "set by NXCRED_KEYRING_BACKEND"
	if ring.Reason != "NXCRED_KEYRING_BACKEND" {
		chosen = "the " + ring.Reason + ", as NXCRED_KEYRING_BACKEND is not set"
	}
	return fmt.Sprintf("this run used the %s keyring (%s); if login ran with another NXCRED_KEYRING_BACKEND, the secret is still in that keyring: run logout again with NXCRED_KEYRING_BACKEND set to that backend", ring.Backend, chosen)
}

// joinAnd joins items as English does: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
