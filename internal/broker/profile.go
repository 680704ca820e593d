package broker

import (
	"errors"
	"fmt"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/token"
)

// ExecMarker is set to 1 in the environment of the command nxcred exec runs.
// It carries nothing secret; it lets a nested nxcred tell the user why the
// environment profile has no secret there.
const ExecMarker = "NXCRED_EXEC"

// Config loads the config file, once per Broker.
func (b *Broker) Config() (*config.Config, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cfg != nil {
		return b.cfg, nil
	}
	t := time.Now()
	cfg, err := config.Load(b.ConfigPath)
	if err != nil {
		return nil, err
	}
	b.Log.Debug("config loaded", "path", b.ConfigPath, "profiles", len(cfg.Profiles), "took", time.Since(t))
	for _, w := range cfg.Warnings {
		b.Warn(w)
	}
	b.cfg = cfg
	return cfg, nil
}

// EnvProfile reads the NXCRED_* environment profile (nil when unset) and
// its secret.
func (b *Broker) EnvProfile() (*config.Profile, string, error) {
	if b.insideAgent() && b.Getenv(config.EnvClientID) != "" && b.Getenv(config.EnvClientSecret) == "" {
		p, err := b.agentEnvProfile()
		return p, "", err
	}
	p, secret, err := config.EnvProfile(b.Getenv)
	if err != nil && b.insideExec() && b.Getenv(config.EnvClientID) != "" && b.Getenv(config.EnvClientSecret) == "" {
		return nil, "", b.insideExecError()
	}
	return p, secret, err
}

func (b *Broker) insideExec() bool { return b.Getenv(ExecMarker) == "1" }

// insideExecError is the environment profile seen from inside nxcred exec,
// which removed NXCRED_CLIENT_SECRET from its command's environment.
type insideExecError struct{ hint string }

func (e *insideExecError) Error() string {
	return "the environment profile has no secret here: this runs inside nxcred exec, which does not pass NXCRED_CLIENT_SECRET to the command it runs"
}

func (e *insideExecError) Hint() string { return e.hint }

func (b *Broker) insideExecError() error {
	h := "use $NEXTHINK_TOKEN, the token nxcred exec gave this command"
	if at, err := time.Parse(time.RFC3339, b.Getenv("NEXTHINK_TOKEN_EXPIRES_AT")); err == nil {
		h += " (good until " + at.UTC().Format(time.RFC3339) + ")"
	}
	return &insideExecError{hint: h + "; a profile from nxcred login still works here with --profile (with the file keyring, only where a terminal can ask its password)"}
}

// Resolve picks the profile for r, and returns the environment secret when
// the environment profile was picked. It does not check r.Host.
func (b *Broker) Resolve(r Request) (*config.Profile, string, error) {
	ch := config.Choice{Flag: r.Profile, Env: b.Getenv("NXCRED_PROFILE"), Host: r.Host}
	env, envSecret, err := b.EnvProfile()
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
		b.Log.Debug("profile chosen", "profile", env.Name)
		return env, envSecret, nil
	}
	cfg, err := b.Config()
	if err != nil {
		return nil, "", err
	}
	p, err := config.Resolve(cfg, env, ch)
	if err != nil {
		return nil, "", err
	}
	b.Log.Debug("profile chosen", "profile", p.Name, "host", ch.Host)
	if p.FromEnv {
		return p, envSecret, nil
	}
	return p, "", nil
}

// namesConfigProfile reports whether ch names a profile of the config file
// (not the environment profile) with --profile or NXCRED_PROFILE.
func namesConfigProfile(ch config.Choice) bool {
	name := ch.Flag
	if name == "" {
		name = ch.Env
	}
	return name != "" && name != config.EnvProfileName
}

// SecretMissingError is a profile with no secret in the keyring.
type SecretMissingError struct {
	p    *config.Profile
	ring *keyring.Keyring
}

func (e *SecretMissingError) Error() string {
	return "no client secret for profile " + e.p.Name + " in the keyring"
}

func (e *SecretMissingError) Hint() string {
	if e.ring != nil && keyring.LooksElsewhere(e.p, e.ring) {
		return fmt.Sprintf("profile %s keeps its secret in the %s keyring, but %s=%s made this call look in %s: unset %s",
			e.p.Name, e.p.Keyring, keyring.EnvKeyringBackend, e.ring.Backend, e.ring.Backend, keyring.EnvKeyringBackend)
	}
	return "run: " + e.p.LoginCommand()
}

// Unwrap lets callers (doctor) tell a missing secret from a keyring that
// failed.
func (e *SecretMissingError) Unwrap() error { return keyring.ErrNoSecret }

// Secret returns the client secret of p: from the environment profile, or
// from the keyring.
func (b *Broker) Secret(p *config.Profile, envSecret string) (string, error) {
	if p.FromEnv {
		if envSecret == "" {
			// Only inside nxcred exec --serve, for a profile its agent
			// does not serve.
			return "", b.insideExecError()
		}
		b.Secrets.Add(envSecret)
		return envSecret, nil
	}
	if s, ok := b.keptSecret(p); ok {
		return s, nil
	}
	ring, err := b.Keyring(p)
	if err != nil {
		return "", err
	}
	t := time.Now()
	s, err := ring.GetFor(p)
	b.Log.Debug("secret read", "backend", ring.Backend, "took", time.Since(t))
	if errors.Is(err, keyring.ErrNoSecret) {
		return "", &SecretMissingError{p, ring}
	}
	if err != nil && ring.Backend == "file" && b.insideExec() && b.Getenv("NXCRED_KEYRING_PASSWORD") == "" {
		// The password was not forgotten: exec kept it from its command.
		return "", hint.Wrap(
			fmt.Errorf("%w; this runs inside nxcred exec, which does not pass NXCRED_KEYRING_PASSWORD to the command it runs", err),
			"use $NEXTHINK_TOKEN, the token nxcred exec gave this command, or give this one command NXCRED_KEYRING_PASSWORD itself")
	}
	b.Secrets.Add(s)
	if err == nil {
		b.keep(p, s)
	}
	return s, err
}

func (b *Broker) keptSecret(p *config.Profile) (string, bool) {
	if !b.KeepSecrets {
		return "", false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.kept[p.Identity()]
	return s, ok
}

func (b *Broker) keep(p *config.Profile, s string) {
	if !b.KeepSecrets {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.kept == nil {
		b.kept = map[token.Identity]string{}
	}
	b.kept[p.Identity()] = s
}
