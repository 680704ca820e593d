package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/protocol"
)

func (a *app) bazelCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "get",
		Short: "Bazel credential helper (EngFlow credential-helper spec): stdin {\"uri\": ...}",
		Long: `get answers Bazel's credential-helper request: it reads {"uri": "..."} on stdin
and prints {"headers":{"Authorization":["Bearer ..."]},"expires":"..."} with the
expiry minus one minute. A URI whose host belongs to no profile, or that is not
https, gets {"headers":{}}. Bazel passes no other arguments, so the profile is
chosen by NXCRED_PROFILE or by the URI's host. See: nxcred configure bazel`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.bazel() },
	}
}

func (a *app) bazel() error {
	u, err := protocol.ParseBazelRequest(a.stdin)
	if err != nil {
		return fmt.Errorf("bazel credential request: %w", err)
	}
	host, err := protocol.HostFromURL(u.String())
	if err != nil || u.Scheme != "https" {
		a.log.Debug("no credentials for a URI that is not https with a host", "uri", u.Redacted())
		return protocol.WriteBazelResponse(a.stdout, nil)
	}
	r, err := a.tokens.Get(a.ctx, broker.Request{Host: host})
	if err != nil {
		return err
	}
	if r.Foreign {
		return protocol.WriteBazelResponse(a.stdout, nil)
	}
	if r.Unserved != nil {
		return r.Unserved
	}
	c := a.credential(r.Token)
	return protocol.WriteBazelResponse(a.stdout, &c)
}
