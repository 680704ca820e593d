package cli

import (
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/busenv"
)

func (a *app) execCommand() *cobra.Command {
	var profile string
	var withServer bool
	cmd := &cobra.Command{
		Use:   "exec [--profile P] [--serve] [--] CMD [ARG]...",
		Short: "Run a command with NEXTHINK_TOKEN and NEXTHINK_API_URL in its environment",
		Long: `exec runs CMD with NEXTHINK_TOKEN (the token), NEXTHINK_TOKEN_EXPIRES_AT
(when to stop using it, RFC 3339 UTC) and NEXTHINK_API_URL
(https://<instance>.api.<region>.nexthink.cloud) in its environment, and exits
with its exit status. The token has at least 5 minutes left: a cached token
with less is refreshed first (if that fails, it is still handed over, with a
warning, while it works). The token is never put in CMD's arguments, where ps
would show it; NXCRED_CLIENT_SECRET and NXCRED_KEYRING_PASSWORD are removed
from CMD's environment, and NXCRED_EXEC=1 is set in it.

With --serve, CMD may run for hours: nxcred stays beside it and serves its
tokens on loopback (see nxcred serve --help) until it ends. CMD gets
NEXTHINK_API_URL as the local proxy's URL (its key included: requests need no
token at all), NEXTHINK_TOKEN_URL, NEXTHINK_CLIENT_ID and
NEXTHINK_CLIENT_SECRET for a local token endpoint (SDKs that take client
credentials work unchanged, without the real secret), and NXCRED_AGENT, so
that nxcred run inside CMD (token, git, kubectl, ...) asks this one for
tokens: no keyring is opened and no password asked again. Without CMD,
--serve runs your shell.`,
		Example: `  nxcred exec -- sh -c 'curl -H "Authorization: Bearer $NEXTHINK_TOKEN" "$NEXTHINK_API_URL/api/v1/act/remote-action"'
  nxcred exec --profile prod -- python3 report.py
  nxcred exec --serve -- python3 long_export.py`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !withServer {
				return usagef("exec needs a command to run")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if withServer {
				return a.execServe(profile, args)
			}
			return a.exec(profile, args)
		},
	}
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().BoolVar(&withServer, "serve", false, "serve tokens to CMD for as long as it runs (NEXTHINK_API_URL is a local proxy; NXCRED_AGENT for nested nxcred calls)")
	a.profileFlag(cmd, &profile)
	return cmd
}

// execMinValid is the least life the token exec hands over has left, when
// the endpoint can give one: a job started with a token in its last minute
// would fail within that minute.
const execMinValid = 5 * time.Minute

func (a *app) exec(profile string, args []string) error {
	env, err := a.execEnv(profile, os.Environ())
	if err != nil {
		return err
	}
	return a.runChild(args, env)
}

// execEnv is the command's environment: environ scrubbed (childEnv), then
// the token, its reported expiry, the API URL and the exec marker.
func (a *app) execEnv(profile string, environ []string) ([]string, error) {
	r, err := a.tokens.Get(a.ctx, broker.Request{Profile: profile, MinValid: execMinValid})
	if err != nil {
		return nil, err
	}
	p, c := r.Profile, a.credential(r.Token)
	env := childEnv(busenv.ChildEnv(environ))
	env = append(env, "NEXTHINK_TOKEN="+c.Token, "NEXTHINK_TOKEN_EXPIRES_AT="+c.Expires.UTC().Format(time.RFC3339))
	if u := p.APIURL(); u != "" {
		env = append(env, "NEXTHINK_API_URL="+u)
	}
	return append(env, broker.ExecMarker+"=1"), nil
}
