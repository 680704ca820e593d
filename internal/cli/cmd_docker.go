package cli

import (
	"fmt"

	"github.com/docker/docker-credential-helpers/credentials"
	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/protocol"
)

func (a *app) dockerCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "docker get|store|erase|list|version",
		Short: "docker credential helper (also as docker-credential-nxcred)",
		Long: `docker answers docker's credential-helper protocol. get prints
{"ServerURL","Username","Secret"} with the token as Secret for a host of a
profile, or "credentials not found in native keychain" for any other server;
erase marks the cached token as refused (the next get fetches a new one); store succeeds without storing; list lists the
profiles' hosts. Errors go to stdout with exit 1, as docker expects.
See: nxcred configure docker`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("docker takes one verb: get, store, erase, list or version")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			credentials.Name = "docker-credential-nxcred"
			credentials.Package = "github.com/nxcred/nxcred"
			credentials.Version = version()
			err := credentials.HandleCommand(&dockerHelper{a: a, profile: profile}, credentials.Action(args[0]), protocol.DockerInput(a.stdin), a.stdout)
			if err == nil {
				return nil
			}
			// docker reads the failure from stdout (credentials.Serve); people
			// read stderr. Both go through the same scrub as every message.
			fmt.Fprintln(a.stdout, a.scrub(err.Error()))
			if !credentials.IsErrCredentialsNotFound(err) {
				a.fail(err)
			}
			return &exitError{code: 1}
		},
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

// dockerHelper is nxcred behind docker's four-method Helper interface.
type dockerHelper struct {
	a       *app
	profile string
}

func (h *dockerHelper) Get(serverURL string) (string, string, error) {
	host, err := protocol.DockerServerHost(serverURL)
	if err != nil {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	r, err := h.a.tokens.Get(h.a.ctx, broker.Request{Profile: h.profile, Host: host})
	if err == nil && (r.Foreign || r.Unserved != nil) {
		return "", "", credentials.NewErrCredentialsNotFound()
	}
	if err != nil {
		return "", "", err
	}
	return protocol.DockerUsername, r.Token.AccessToken, nil
}

// Add accepts docker login's store and keeps nothing: nxcred mints tokens.
func (h *dockerHelper) Add(*credentials.Credentials) error { return nil }

// Delete marks the cached token of the server's profile as refused (docker
// logout): the next get asks for a new one.
func (h *dockerHelper) Delete(serverURL string) error {
	host, err := protocol.DockerServerHost(serverURL)
	if err != nil {
		return nil
	}
	return h.a.tokens.Refuse(broker.Request{Profile: h.profile, Host: host})
}

// List maps every profile host to the fixed username; docker calls it when
// nxcred is the credsStore.
func (h *dockerHelper) List() (map[string]string, error) {
	out := map[string]string{}
	cfg, err := h.a.tokens.Config()
	if err != nil {
		return nil, err
	}
	profiles := make([]*config.Profile, 0, len(cfg.Profiles)+1)
	for _, name := range cfg.Names() {
		profiles = append(profiles, cfg.Profiles[name])
	}
	if env, _, err := h.a.tokens.EnvProfile(); err == nil && env != nil {
		profiles = append(profiles, env)
	}
	for _, p := range profiles {
		for _, host := range p.AllHosts() {
			out["https://"+host] = protocol.DockerUsername
		}
	}
	return out, nil
}
