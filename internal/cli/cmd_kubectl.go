package cli

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/token"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/procid"
	"github.com/nxcred/nxcred/internal/protocol"
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
the profile and must belong to it. When the same client process asks again
for the token it was given (client-go does after a 401), a new token is
fetched. See: nxcred configure kubectl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.kubectl(profile) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

func (a *app) kubectl(profile string) error {
	execInfo := a.getenv("KUBERNETES_EXEC_INFO")
	info, err := protocol.ParseExecInfo(execInfo)
	if err != nil {
		return err
	}
	want := broker.Request{Profile: profile, Host: info.ServerHost}
	r, err := a.tokens.Get(a.ctx, want)
	if err != nil {
		return err
	}
	if r.Unserved != nil {
		return r.Unserved
	}
	p, t := r.Profile, r.Token
	if r.Foreign {
		// client-go has no "no credentials" answer; failing is the only way
		// not to hand a Nexthink token to this server.
		return hint.Wrap(
			fmt.Errorf("cluster server %s does not belong to %s; refusing to send it a Nexthink token", info.ServerHost, p.Label()),
			a.foreignClusterHint(p, want, info.ServerHost),
		)
	}
	if err != nil {
		return err
	}
	if client, ok := kubeClient(execInfo); ok && a.handedBefore(p, t, client) {
		// client-go runs the plugin again within one process only once the
		// credential it holds is no good to it: the API server answered 401
		// to it, or its reported expiry passed (then the cache is within a
		// second of refreshing anyway). Serving the same token again would
		// fail every request until it expires.
		a.log.Debug("the same client asks again for the token it was given: refreshing", "profile", p.Name, "client", client)
		want.Fresh = true
		nr, err := a.tokens.Get(a.ctx, want)
		switch {
		case err == nil && nr.Foreign:
			// The config changed under us; never hand this server a token.
			return fmt.Errorf("cluster server %s no longer belongs to %s", info.ServerHost, p.Label())
		case err == nil:
			t = nr.Token
			a.handedBefore(p, t, client)
		case t.Usable(a.now()):
			// Nothing better to give. client-go also asks again, on every
			// request, once the expiry it was told has passed, which is
			// the case of a token served stale while the endpoint is down.
			a.warnf("could not get a new token for %s (%v); handing out the same one again, valid for %s more", p.Label(), err, t.Expiry.Sub(a.now()).Round(time.Second))
		default:
			return err
		}
	}
	return protocol.WriteExecCredential(a.stdout, info.APIVersion, a.credential(t))
}

// kubeClient names the client-go authenticator that runs this plugin: its
// process, by PID and start time so that a reused PID is another client,
// then a hash of the program it runs and of the exec info it sends. The
// program changes when a process execs another client-go program in place
// (gcloud's kubectl dispatcher execs the kubectl matching the server's
// version), which starts with nothing cached; the exec info differs between
// the authenticators of one process (kubeconfig users of other apiVersions,
// or other clusters with provideClusterInfo). ok is false when the parent
// cannot be named (see procid): then every call is a first call.
func kubeClient(execInfo string) (string, bool) {
	parent, ok := procid.Parent()
	if !ok {
		return "", false
	}
	h := fnv.New64a()
	h.Write([]byte(parent.Name))
	h.Write([]byte{0})
	h.Write([]byte(execInfo))
	return parent.ID() + "-" + strconv.FormatUint(h.Sum64(), 16), true
}

// handedBefore records that t goes to client and reports whether client
// already had it. A failure to record only costs the refresh on a repeat.
func (a *app) handedBefore(p *config.Profile, t token.Token, client string) bool {
	store, _, err := a.tokens.Store()
	if err != nil {
		return false
	}
	again, err := store.Handed(p.SlotName(), t, client)
	if err != nil {
		a.log.Debug("handed token not recorded", "profile", p.Name, "reason", err.Error())
		return false
	}
	return again
}

// foreignClusterHint says what makes a cluster server that p does not serve
// work. When --profile or NXCRED_PROFILE chose p and another profile has
// the host, that profile; else adding the host to p, by the exact login
// command of p (NXCRED_HOSTS for the environment profile). Naming a profile
// cannot help otherwise: with none named, the one that has the host would
// have been chosen.
func (a *app) foreignClusterHint(p *config.Profile, want broker.Request, host string) string {
	if owner := a.hostOwner(host); owner != nil && owner.Name != p.Name {
		if want.Profile != "" {
			return fmt.Sprintf("%s has %s: give this cluster's kubeconfig user --profile %s instead of --profile %s, or no --profile (the server's host then chooses)", owner.Label(), host, owner.Name, p.Name)
		}
		return fmt.Sprintf("%s has %s: unset NXCRED_PROFILE (%s) so that the server's host chooses the profile", owner.Label(), host, p.Name)
	}
	if p.FromEnv {
		hosts := a.getenv(config.EnvHosts)
		if hosts != "" {
			hosts += ","
		}
		return "add it to the environment profile: " + config.EnvHosts + "=" + hosts + host
	}
	return "add it to " + p.Label() + ": " + p.LoginCommand() + " --host " + host
}

// hostOwner is the profile that has host, if any (nil on any error: this
// only chooses a hint).
func (a *app) hostOwner(host string) *config.Profile {
	env, _, _ := a.tokens.EnvProfile()
	if env != nil && env.HasHost(host) {
		return env
	}
	cfg, err := a.tokens.Config()
	if err != nil {
		return nil
	}
	for _, name := range cfg.Names() {
		if cfg.Profiles[name].HasHost(host) {
			return cfg.Profiles[name]
		}
	}
	return nil
}
