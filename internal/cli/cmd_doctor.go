package cli

import (
	"context"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/doctor"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/token"
)

func (a *app) doctorCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check config, keyring, cache, token request and clients; print each problem with its fix",
		Long: `doctor checks everything a token depends on, one line each, on stdout:

  ok    <check>: <what was found>
  warn  <check>: <what is wrong, but does not stop nxcred>
        fix: <the command or action that fixes it>
  fail  <check>: <what stops nxcred from giving a token>
        fix: <the command or action that fixes it>

The checks: config, profile, keyring, secret, cache, token, then the clients
kubectl, git, docker, bazel and go. A check that depends on one that failed
is left out. Each check runs what every command runs (the config loader, the
keyring read, the token request) and reports its error and hint: the token
check makes one real token request, through the same proxy and CAs, and does
not cache its token. doctor changes nothing.

doctor exits 1 if any check fails (warnings do not), and never prints the
client secret, a token or a proxy password.`,
		Example: `  nxcred doctor
  nxcred doctor --profile prod`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.doctor(profile) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

// doctor runs internal/doctor's checks with this program's own pieces: its
// config path, environment, keyring read, token cache, token request and
// configure's host rule, and the clients on PATH. It exits 1 if a check
// failed.
func (a *app) doctor(flag string) error {
	env, envSecret, envErr := a.tokens.EnvProfile()
	store := &cache.Store{Dir: a.cacheDir, Now: a.now}
	counts := doctor.Run(a.ctx, doctor.System{
		Out:    a.stdout,
		Log:    a.log,
		Scrub:  a.scrub,
		Getenv: a.getenv,

		ConfigPath:  a.configPath,
		ProfileFlag: flag,
		EnvProfile:  env,
		EnvErr:      envErr,

		Keyring: a.tokens.Keyring,
		Secret:  func(p *config.Profile) (string, error) { return a.tokens.Secret(p, envSecret) },

		// No Log, Warn or LockWait: doctor only peeks at the cache.
		CacheDir:   a.cacheDir,
		CacheState: func(p *config.Profile, secret string) string { return a.cacheState(store, p, secret) },
		Fetch:      a.doctorFetch,

		Hosts:        routedHosts,
		LookPath:     exec.LookPath,
		DockerConfig: a.dockerConfigPath,
	})
	if counts.Fail > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// doctorFetch is the token check's request: the one every command makes on
// a cache miss, within NXCRED_TIMEOUT, without the cache.
func (a *app) doctorFetch(ctx context.Context, p *config.Profile, secret string) (token.Token, error) {
	timeout, err := broker.Duration(a.getenv, "NXCRED_TIMEOUT", oauth.DefaultTimeout)
	if err != nil {
		return token.Token{}, hint.Wrap(err, "set NXCRED_TIMEOUT to a duration such as 10s, or unset it")
	}
	f, err := a.tokens.Fetcher(p, secret, timeout, "NXCRED_TIMEOUT")
	if err != nil {
		return token.Token{}, err
	}
	// doctor reports a token too short-lived to cache on its own line.
	f.Warn = nil
	tok, err := f.Fetch(ctx)
	a.secrets.Add(tok.AccessToken)
	return tok, err
}
