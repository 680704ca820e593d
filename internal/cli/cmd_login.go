package cli

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/token"

	"github.com/spf13/cobra"
)

type loginFlags struct {
	profile, instance, region, clientID, scope, tokenURL string
	keyring                                              string
	hosts                                                []string
	secretStdin, noVerify, makeDefault, reset            bool
	// given holds the setting flags on the command line: the others are
	// kept from the profile being replaced, unless --reset.
	given map[string]bool
}

// settingFlags are login's flags that set a field of the profile.
var settingFlags = []string{"instance", "region", "client-id", "scope", "token-url", "host"}

func (a *app) loginCommand() *cobra.Command {
	var f loginFlags
	cmd := &cobra.Command{
		Use:   "login --instance I --region R --client-id ID",
		Short: "Store a client secret in the keyring and the profile in the config",
		Long: `login asks for the client secret on the terminal without echo (or reads it
from stdin with --client-secret-stdin), checks it by fetching a token (skip with
--no-verify), then stores the secret in the OS keyring, the profile in the
config file, and the token in the cache. The first profile becomes the default.

Over an existing profile, the settings not given on the command line are kept
(login says which): nxcred login --profile prod alone stores a new secret for
prod as it is. --host replaces the list of extra hosts when given. --reset
starts from a blank profile instead, which is how to drop extra hosts, a
--token-url or a --scope: give only what the profile must keep.`,
		Example: `  nxcred login --profile prod --instance acme --region eu --client-id 0oa1b2c3
  printf %s "$SECRET" | nxcred login --profile ci --instance acme --region eu --client-id 0oa1b2c3 --client-secret-stdin`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.given = map[string]bool{}
			for _, name := range settingFlags {
				f.given[name] = cmd.Flags().Changed(name)
			}
			return a.login(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.profile, "profile", "p", "default", "name of the profile to create or replace")
	fl.StringVar(&f.instance, "instance", "", "Nexthink instance: acme in https://acme.eu.nexthink.cloud (required)")
	fl.StringVar(&f.region, "region", "", "Nexthink region: "+strings.Join(config.Regions, ", ")+" (required)")
	fl.StringVar(&f.clientID, "client-id", "", "client id of the API credential (required)")
	fl.StringVar(&f.scope, "scope", "", "OAuth scope (default "+config.DefaultScope+")")
	fl.StringVar(&f.tokenURL, "token-url", "", "token endpoint override; https only (http for loopback addresses)")
	fl.StringArrayVar(&f.hosts, "host", nil, "extra API host that may receive this profile's tokens (repeatable)")
	fl.BoolVar(&f.secretStdin, "client-secret-stdin", false, "read the client secret from stdin instead of the terminal")
	fl.BoolVar(&f.noVerify, "no-verify", false, "store the secret without checking it against the token endpoint")
	fl.BoolVar(&f.makeDefault, "default", false, "make this the default profile")
	fl.StringVar(&f.keyring, "keyring", "", "keyring backend to keep the secret in, recorded in the profile: "+strings.Join(keyring.Backends, ", ")+" (default: the OS keyring; asked on a terminal when it cannot be used)")
	fl.BoolVar(&f.reset, "reset", false, "replace an existing profile whole: drop the settings not given (extra hosts, token URL, scope) instead of keeping them")
	cmd.RegisterFlagCompletionFunc("region", cobra.FixedCompletions(config.Regions, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("keyring", cobra.FixedCompletions(keyring.Backends, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// pastedAddress matches a Nexthink address pasted as the instance.
var pastedAddress = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:https?://)?([a-z0-9-]+)(?:-login|\.api|\.data)?\.(us|eu|pac|meta)\.nexthink\.cloud/?$`)
})

// loginProfile builds the profile login stores: the flags given, and for
// the others the settings of the profile it replaces (old, nil for a new
// one), unless --reset. kept lists what was taken from old, as flags.
func (a *app) loginProfile(f loginFlags, old *config.Profile) (p *config.Profile, kept []string, err error) {
	if m := pastedAddress().FindStringSubmatch(strings.ToLower(f.instance)); m != nil {
		return nil, nil, &usageError{err: fmt.Errorf("--instance %q is an address, not an instance name", f.instance), hint: fmt.Sprintf("use --instance %s --region %s", m[1], m[2])}
	}
	p = &config.Profile{
		Name: f.profile, Instance: f.instance, Region: f.region, ClientID: f.clientID,
		Scope: f.scope, TokenURL: f.tokenURL, Hosts: f.hosts,
	}
	if old != nil && !f.reset {
		for _, s := range []struct {
			flag string
			dst  *string
			old  string
		}{
			{"instance", &p.Instance, old.Instance},
			{"region", &p.Region, old.Region},
			{"client-id", &p.ClientID, old.ClientID},
			{"scope", &p.Scope, old.Scope},
			{"token-url", &p.TokenURL, old.TokenURL},
		} {
			if !f.given[s.flag] && s.old != "" {
				*s.dst = s.old
				kept = append(kept, "--"+s.flag+" "+config.ShellQuote(s.old))
			}
		}
		if !f.given["host"] {
			p.Hosts = slices.Clone(old.Hosts)
			for _, h := range old.Hosts {
				kept = append(kept, "--host "+h)
			}
		}
	}
	// Instance and region make the token URL and the API host; with a
	// token URL they may be left out (the profile then has only the hosts
	// given with --host).
	var missing []string
	for _, m := range []struct{ name, v string }{{"--instance", p.Instance}, {"--region", p.Region}, {"--client-id", p.ClientID}} {
		if m.v == "" && (m.name == "--client-id" || p.TokenURL == "") {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, &usageError{err: fmt.Errorf("login needs %s", strings.Join(missing, ", ")), hint: "see: nxcred login --help"}
	}
	if p.Scope == config.DefaultScope {
		p.Scope = ""
	}
	if f.keyring != "" {
		if err := keyring.ValidateBackend(f.keyring); err != nil {
			return nil, nil, &usageError{err: fmt.Errorf("--keyring: %w", err)}
		}
	}
	if err := p.Validate(); err != nil {
		return nil, nil, &usageError{err: err}
	}
	return p, kept, nil
}

// droppedBy lists, as flags, the settings of old that --reset drops: those
// p no longer has.
func droppedBy(old, p *config.Profile) []string {
	var dropped []string
	for _, s := range []struct{ flag, old, now string }{
		{"instance", old.Instance, p.Instance},
		{"region", old.Region, p.Region},
		{"scope", old.Scope, p.Scope},
		{"token-url", old.TokenURL, p.TokenURL},
	} {
		if s.old != "" && s.now == "" {
			dropped = append(dropped, "--"+s.flag+" "+config.ShellQuote(s.old))
		}
	}
	for _, h := range old.Hosts {
		if !slices.Contains(p.Hosts, h) {
			dropped = append(dropped, "--host "+h)
		}
	}
	return dropped
}

func (a *app) readClientSecret(f loginFlags, p *config.Profile) (string, error) {
	var secret string
	if f.secretStdin {
		b, err := io.ReadAll(io.LimitReader(a.stdin, 8<<10))
		if err != nil {
			return "", fmt.Errorf("cannot read the client secret from stdin: %w", err)
		}
		secret = strings.TrimRight(string(b), "\r\n")
	} else {
		s, err := keyring.ReadPassword(fmt.Sprintf("Client secret for profile %s: ", f.profile))
		if errors.Is(err, keyring.ErrNoTerminal) {
			return "", &usageError{
				err:  errors.New("no terminal to read the client secret from"),
				hint: "pipe it in: printf %s \"$SECRET\" | " + p.LoginCommand() + " --client-secret-stdin",
			}
		}
		if err != nil {
			return "", err
		}
		secret = s
	}
	if secret == "" {
		return "", &usageError{err: errors.New("empty client secret")}
	}
	if len(secret) > 4096 || strings.ContainsFunc(secret, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", &usageError{err: errors.New("the client secret has control characters or is longer than 4096 bytes; paste it exactly as Nexthink shows it")}
	}
	return secret, nil
}

// login checks everything before it changes anything: a wrong secret, an
// unreachable endpoint or a broken keyring leaves the keyring, the config
// and the cache as they were.
func (a *app) login(f loginFlags) error {
	cfg, err := a.tokens.Config()
	if err != nil {
		return err
	}
	old := cfg.Profiles[f.profile]
	p, kept, err := a.loginProfile(f, old)
	if err != nil {
		return err
	}
	// Said before the secret is asked for, so the user can stop there.
	if len(kept) > 0 {
		a.infof("profile %s keeps %s (not given; --reset drops what is not given)", p.Name, strings.Join(kept, ", "))
	}
	if old != nil && f.reset {
		if dropped := droppedBy(old, p); len(dropped) > 0 {
			a.infof("profile %s drops %s (--reset)", p.Name, strings.Join(dropped, ", "))
		}
	}
	ring, err := a.loginKeyring(f, old, p)
	if err != nil {
		return err
	}
	secret, err := a.readClientSecret(f, p)
	if err != nil {
		return err
	}
	a.secrets.Add(secret)
	store, timeout, err := a.tokens.Store()
	if err != nil {
		return err
	}
	var tok token.Token
	if !f.noVerify {
		if tok, err = a.checkWithNexthink(p, secret, timeout); err != nil {
			return err
		}
	}
	if err := a.saveLogin(cfg, f, p, ring, store, secret); err != nil {
		return err
	}
	a.dropReplacedSecret(old, p)
	verified := "not checked (--no-verify)"
	if !f.noVerify {
		verified = "checked with Nexthink"
		if err := store.Put(broker.SlotFor(p, secret), tok); err != nil {
			a.warnf("%v", err)
		}
	}
	a.infof("profile %s saved: secret in the %s keyring, %s", p.Name, ring.Backend, verified)
	return nil
}

// checkWithNexthink fetches a token with the new secret: a wrong one fails
// login before anything is stored.
func (a *app) checkWithNexthink(p *config.Profile, secret string, timeout time.Duration) (token.Token, error) {
	fetcher, err := a.tokens.Fetcher(p, secret, timeout, "NXCRED_TIMEOUT")
	if err != nil {
		return token.Token{}, err
	}
	tok, err := fetcher.Fetch(a.ctx)
	a.secrets.Add(tok.AccessToken)
	return tok, err
}

// saveLogin stores the secret, drops the profile's cached tokens (they
// belong to another identity or secret) and saves the config. If either of
// the last two fails, the keyring gets its previous secret back, so a
// failed login changes nothing.
func (a *app) saveLogin(cfg *config.Config, f loginFlags, p *config.Profile, ring *keyring.Keyring, store *cache.Store, secret string) error {
	prev, prevErr := ring.GetFor(p)
	t := time.Now()
	if err := ring.SetFor(p, secret); err != nil {
		return err
	}
	a.log.Debug("secret stored", "backend", ring.Backend, "took", time.Since(t))
	rollback := func() {
		if prevErr == nil {
			ring.SetFor(p, prev)
		} else {
			ring.RemoveFor(p)
		}
	}
	if err := store.Remove(p.SlotName()); err != nil {
		rollback()
		return err
	}
	cfg.Put(p)
	if f.makeDefault {
		cfg.Default = p.Name
	}
	if err := cfg.Save(); err != nil {
		rollback()
		return err
	}
	a.log.Debug("config saved", "path", cfg.Path)
	return nil
}
