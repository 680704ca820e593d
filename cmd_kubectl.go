package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/protocol"
)

func (a *app) kubectlCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "kubectl",
		Short: "client-go exec credential plugin (users[].user.exec in a kubeconfig)",
		Long: `kubectl answers a client-go exec credential request: it reads
KUBERNETES_EXEC_INFO and prints an ExecCredential in the same apiVersion (v1 or
v1beta1; v1beta1 when the variable is absent), with the token and its expiry
minus one minute. With provideClusterInfo, the cluster's server host chooses
the profile and must belong to it. See: nxcred configure kubectl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.kubectl(profile) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

func (a *app) kubectl(profile string) error {
	info, err := protocol.ParseExecInfo(a.getenv("KUBERNETES_EXEC_INFO"))
	if err != nil {
		return err
	}
	p, t, err := a.token(auth.Choice{Flag: profile, Host: info.ServerHost}, tokenOptions{})
	if errors.Is(err, errForeignHost) {
		// client-go has no "no credentials" answer; failing is the only way
		// not to hand a Nexthink token to this server.
		return &hintError{
			err:  fmt.Errorf("cluster server %s does not belong to %s; refusing to send it a Nexthink token", info.ServerHost, p.Label()),
			hint: "add it to the profile with nxcred login ... --host " + info.ServerHost + ", or choose the profile with --profile",
		}
	}
	if err != nil {
		return err
	}
	return protocol.WriteExecCredential(a.stdout, info.APIVersion, credential(t))
}
