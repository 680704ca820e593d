package main

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/internal/busenv"
)

func (a *app) execCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "exec [--profile P] [--] CMD [ARG]...",
		Short: "Run a command with NEXTHINK_TOKEN and NEXTHINK_API_URL in its environment",
		Long: `exec runs CMD with NEXTHINK_TOKEN (the token) and NEXTHINK_API_URL
(https://<instance>.api.<region>.nexthink.cloud) in its environment, and exits
with its exit status. The token is never put in CMD's arguments, where ps would
show it; NXCRED_CLIENT_SECRET and NXCRED_KEYRING_PASSWORD are removed from CMD's
environment.`,
		Example: `  nxcred exec -- sh -c 'curl -H "Authorization: Bearer $NEXTHINK_TOKEN" "$NEXTHINK_API_URL/api/v1/act/remote-action"'
  nxcred exec --profile prod -- python3 report.py`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("exec needs a command to run")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.exec(profile, args) },
	}
	cmd.Flags().SetInterspersed(false)
	a.profileFlag(cmd, &profile)
	return cmd
}

func (a *app) exec(profile string, args []string) error {
	p, t, err := a.token(auth.Choice{Flag: profile}, tokenOptions{})
	if err != nil {
		return err
	}
	env := childEnv(busenv.ChildEnv(os.Environ()))
	env = append(env, "NEXTHINK_TOKEN="+t.AccessToken)
	if u := p.APIURL(); u != "" {
		env = append(env, "NEXTHINK_API_URL="+u)
	}
	return a.runChild(args, env)
}
