package cli

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/serve"
)

func (a *app) serveCommand() *cobra.Command {
	var profile, listen, envFile string
	var printEnv bool
	cmd := &cobra.Command{
		Use:   "serve [--profile P] [--listen 127.0.0.1:PORT] [--print-env] [--env-file PATH]",
		Short: "Serve tokens on loopback: a local token endpoint and an authenticating proxy to the API",
		Long: `serve runs in the foreground until Ctrl-C or SIGTERM (requests in flight
finish first) and serves the profile's tokens on loopback:

  a token endpoint that answers like Nexthink's (POST /oauth2/default/v1/token,
  grant_type=client_credentials, Basic authentication), for any tool that takes
  a token URL and client credentials: give it the local client id and secret
  printed at start, never the real secret;

  an authenticating proxy to the profile's API host: requests to
  http://127.0.0.1:PORT/<key>/api/v1/... go to https://<instance>.api.<region>.nexthink.cloud/api/v1/...
  with a fresh bearer token, for tools that take only a base URL. Redirects are
  passed back, never followed; on a 401 the token is refreshed and the request
  retried once when it can be replayed.

Only callers holding this run's key (the local client secret, also the first
path segment of the proxy URL) are served; requests for another Host or with
an Origin header (browsers) are refused. Tokens come from nxcred's cache: one
token request per token lifetime, whatever the load. The client secret is read
once per run (with the file keyring, its password is asked once).

The URLs and local credential are printed on stderr at start; --print-env
prints them on stdout as NAME=value lines, and --env-file writes them to a
file readable only by you.`,
		Example: `  nxcred serve --listen 127.0.0.1:8765
  nxcred serve --env-file ~/.config/nxcred/serve.env`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.serve(profile, listen, printEnv, envFile) },
	}
	a.profileFlag(cmd, &profile)
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:0", "loopback address and port to listen on (port 0: any free port)")
	cmd.Flags().BoolVar(&printEnv, "print-env", false, "print NEXTHINK_API_URL, NEXTHINK_TOKEN_URL, NEXTHINK_CLIENT_ID, NEXTHINK_CLIENT_SECRET and NXCRED_AGENT on stdout")
	cmd.Flags().StringVar(&envFile, "env-file", "", "write the same NAME=value lines to this file (mode 0600)")
	return cmd
}

func (a *app) serve(profile, listen string, printEnv bool, envFile string) error {
	srv, r, err := a.startServer(profile, listen, 0)
	if err != nil {
		return err
	}
	info := srv.Info()
	if envFile != "" {
		if err := serve.WriteEnvFile(envFile, info); err != nil {
			return fmt.Errorf("cannot write --env-file: %w", err)
		}
	}
	if printEnv {
		for _, kv := range info.Env() {
			fmt.Fprintln(a.stdout, kv)
		}
	}
	up, _ := a.upstream(r)
	a.infof("serving %s (API %s) on %s until Ctrl-C", r.Profile.Label(), up, info.BaseURL)
	a.infof("API base URL (key included): %s", info.ProxyURL)
	a.infof("token URL: %s", info.TokenURL)
	a.infof("client id: %s  client secret: %s", info.ClientID, info.ClientSecret)
	ctx, stop := signal.NotifyContext(a.ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := srv.Serve(ctx); err != nil {
		return err
	}
	a.infof("stopped")
	return nil
}

// startServer gets a first token of the profile (so that a missing secret,
// a password prompt or a rejected secret shows now, not at the first
// request), then makes the server and its listener. minValid is the life
// that first token must have left.
func (a *app) startServer(profile, listen string, minValid time.Duration) (*serve.Server, broker.Result, error) {
	a.tokens.KeepSecrets = true
	want := broker.Request{Profile: profile, MinValid: minValid}
	r, err := a.tokens.Get(a.ctx, want)
	if err != nil {
		return nil, r, err
	}
	upstream, err := a.upstream(r)
	if err != nil {
		return nil, r, err
	}
	client, err := oauth.NewHTTPClient(a.getenv("SSL_CERT_FILE"))
	if err != nil {
		return nil, r, err
	}
	memo := a.tokens.Memo(broker.Request{Profile: profile})
	srv, err := serve.New(serve.Config{
		Listen:    listen,
		Upstream:  upstream,
		Transport: client.Transport,
		Tokens: func(ctx context.Context, n serve.Need) (serve.Token, error) {
			t, err := memo.Token(ctx, n.Fresh, n.MinValid)
			return serve.Token{Access: t.AccessToken, Expiry: t.ReportedExpiry(a.now())}, err
		},
		Identity: r.Profile.Identity().String(),
		Scope:    r.Profile.EffectiveScope(),
		Log:      a.log,
		Now:      a.now,
	})
	if err != nil {
		return nil, r, hint.Wrap(err, "give --listen a loopback address, such as 127.0.0.1:8765")
	}
	if err := srv.Listen(); err != nil {
		return nil, r, err
	}
	return srv, r, nil
}

// upstream is the API host the proxy forwards to: the profile's API host,
// else its first extra host.
func (a *app) upstream(r broker.Result) (*url.URL, error) {
	p := r.Profile
	hosts := p.AllHosts()
	if len(hosts) == 0 {
		return nil, hint.Wrap(fmt.Errorf("%s has no API host to proxy to", p.Label()), "add one: "+p.LoginCommandWithHost("HOST"))
	}
	return url.Parse("https://" + hosts[0])
}
