package cli

import (
	"context"
	"os/exec"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/token"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/doctor"
)

func (a *app) doctorCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check config, keyring, cache, network and clients; print each problem with its fix",
		Long: `doctor checks everything a token depends on, one line each, on stdout:

  ok    <check>: <what was found>
  warn  <check>: <what is wrong, but does not stop nxcred>
        fix: <the command or action that fixes it>
  fail  <check>: <what stops nxcred from giving a token>
        fix: <the command or action that fixes it>

The checks: config, profile, keyring, secret, cache, proxy, dns, endpoint,
tls, token, then the clients kubectl, git, docker, bazel and go. A check that
depends on one that failed is left out. The token check makes one real token
request and does not cache its token: doctor changes nothing.

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

// doctor runs internal/doctor's checks on what this program would use: its
// config path, environment, keyring, token cache and token request, and the
// clients on PATH. It exits 1 if a check failed.
func (a *app) doctor(flag string) error {
	env, envSecret, envErr := a.tokens.EnvProfile()
	counts := doctor.Run(a.ctx, doctor.System{
		Out:    a.stdout,
		Log:    a.log,
		Now:    a.now,
		Getenv: a.getenv,

		ConfigPath:  a.configPath,
		ProfileFlag: flag,
		EnvProfile:  env,
		EnvSecret:   envSecret,
		EnvErr:      envErr,

		Keyring: a.tokens.Keyring,
		Secrets: a.secrets,

		// No Log, Warn or LockWait: doctor only peeks at the cache.
		Cache: &cache.Store{Dir: a.cacheDir, Now: a.now},
		Slot:  broker.SlotFor,

		CertFile: a.getenv("SSL_CERT_FILE"),
		Fetch:    a.doctorFetch,

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
	return f.Fetch(ctx)
}
