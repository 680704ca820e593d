package cli

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/protocol"
)

func (a *app) tokenCommand() *cobra.Command {
	var profile, format string
	var refresh bool
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a token: raw, json, or an Authorization header for curl -H @-",
		Example: `  curl -H @<(nxcred token --format header) https://acme.api.eu.nexthink.cloud/api/v1/act/remote-action
  nxcred token --format header | curl -H @- https://acme.api.eu.nexthink.cloud/api/v1/act/remote-action
  Invoke-RestMethod -Headers @{Authorization = "Bearer $((nxcred token --format json | ConvertFrom-Json).access_token)"} ...`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(protocol.TokenFormats, format) {
				return usagef("unknown --format %q: use %s", format, strings.Join(protocol.TokenFormats, ", "))
			}
			r, err := a.tokens.Get(a.ctx, broker.Request{Profile: profile, Fresh: refresh, SayReused: true})
			if err != nil {
				return err
			}
			return protocol.WriteToken(a.stdout, format, a.credential(r.Token), a.now())
		},
	}
	a.profileFlag(cmd, &profile)
	cmd.Flags().StringVarP(&format, "format", "f", "raw", "output: "+strings.Join(protocol.TokenFormats, ", "))
	cmd.Flags().BoolVar(&refresh, "refresh", false, "fetch a new token even if the cached one is still good (unless another forced refresh fetched it in the last 30s); if that fails, the cached one is kept")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(protocol.TokenFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
