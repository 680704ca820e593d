package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/childenv"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/setup"
)

// configureClients are the clients configure writes snippets for, in the
// order the help lists them.
var configureClients = []string{"kubectl", "git", "docker", "bazel", "goauth"}

// dockerHelperName is the credHelpers value: docker runs
// docker-credential-<value>.
const dockerHelperName = setup.DockerHelper

func (a *app) configureCommand() *cobra.Command {
	var profile string
	var apply bool
	cmd := &cobra.Command{
		Use:   "configure kubectl|git|docker|bazel|goauth",
		Short: "Print the snippet that makes a client use nxcred (--apply writes it for git and docker)",
		Long: `configure prints, on stdout, the exact configuration that makes a client use
nxcred with the chosen profile, and nothing else:

  kubectl  a kubeconfig users: entry (exec plugin, absolute command path), and
           the kubectl config set-credentials command that adds it
  git      git config --global commands, scoped to each host of the profile
  docker   the credHelpers entries of docker's config.json
  bazel    .bazelrc lines, one --credential_helper per host
  goauth   the go env -w GOAUTH=... command

Where the client passes arguments (kubectl, git, GOAUTH) the snippet names the
profile, so it keeps working when the default profile changes. docker and Bazel
pass none: nxcred chooses the profile by the request's host.

--apply runs the git commands, or merges credHelpers into
$DOCKER_CONFIG/config.json (default ~/.docker/config.json) keeping every other
key; running it again changes nothing. It reports what it did on stderr.`,
		Example: `  nxcred configure kubectl --profile prod
  nxcred configure git --profile prod --apply
  nxcred configure docker --apply
  nxcred configure bazel >> .bazelrc`,
		ValidArgs: configureClients,
		Args:      configureArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.configure(args[0], profile, apply)
		},
	}
	a.profileFlag(cmd, &profile)
	cmd.Flags().BoolVar(&apply, "apply", false, "write the configuration: git's global config, or docker's config.json")
	return cmd
}

func configureArgs(cmd *cobra.Command, args []string) error {
	clients := strings.Join(configureClients, ", ")
	switch {
	case len(args) == 0:
		return &usageError{err: fmt.Errorf("configure needs a client: %s", clients), hint: "see: nxcred configure --help"}
	case len(args) > 1:
		return &usageError{err: fmt.Errorf("configure takes one client, got %d arguments", len(args)), hint: "see: nxcred configure --help"}
	case !slices.Contains(configureClients, args[0]):
		return &usageError{err: fmt.Errorf("unknown client %q: configure knows %s", args[0], clients), hint: "see: nxcred configure --help"}
	}
	return nil
}

// applyHints say where to put a snippet that --apply does not write.
var applyHints = map[string]string{
	"kubectl": "run the kubectl config set-credentials command that nxcred configure kubectl prints",
	"bazel":   "append the lines to your workspace's .bazelrc (or ~/.bazelrc): nxcred configure bazel >> .bazelrc",
	"goauth":  "run the go env -w command that nxcred configure goauth prints",
}

func (a *app) configure(client, profile string, apply bool) error {
	if apply && client != "git" && client != "docker" {
		return &usageError{err: fmt.Errorf("--apply is for git and docker, not %s", client), hint: applyHints[client]}
	}
	p, _, err := a.tokens.Resolve(broker.Request{Profile: profile})
	if err != nil {
		return err
	}
	switch client {
	case "kubectl":
		return a.configureKubectl(p)
	case "git":
		return a.configureGit(p, apply)
	case "docker":
		return a.configureDocker(p, apply)
	case "bazel":
		return a.configureBazel(p)
	case "goauth":
		return a.configureGoAuth(p)
	}
	return fmt.Errorf("unknown client %q", client)
}

func (a *app) configureKubectl(p *config.Profile) error {
	exe, err := nxcredPath()
	if err != nil {
		return err
	}
	return setup.WriteKubectlSetup(a.stdout, exe, p.Name, addHostCommand(p))
}

func (a *app) configureGit(p *config.Profile, apply bool) error {
	hosts, err := routedHosts(p, "git")
	if err != nil {
		return err
	}
	a.checkOnPath("git-credential-nxcred", "git")
	if apply {
		return a.applyGit(p.Name, hosts)
	}
	return setup.WriteGitSetup(a.stdout, p.Name, hosts)
}

func (a *app) configureDocker(p *config.Profile, apply bool) error {
	hosts, err := routedHosts(p, "docker")
	if err != nil {
		return err
	}
	a.checkOnPath("docker-credential-nxcred", "docker")
	a.warnOtherOwners(p, hosts, "docker")
	if apply {
		return a.applyDocker(hosts)
	}
	return setup.WriteDockerSetup(a.stdout, hosts)
}

func (a *app) configureBazel(p *config.Profile) error {
	hosts, err := routedHosts(p, "Bazel")
	if err != nil {
		return err
	}
	exe, err := nxcredPath()
	if err != nil {
		return err
	}
	scopes, skipped := setup.BazelScopes(hosts)
	if len(scopes) == 0 {
		add := "add one: " + p.LoginCommandWithHost("HOST")
		if p.FromEnv {
			add = "add one to " + config.EnvHosts
		}
		return hint.Wrap(
			fmt.Errorf("no host of %s can scope a Bazel credential helper (Bazel takes DNS names with a dot: %s)", p.Label(), strings.Join(skipped, ", ")),
			add,
		)
	}
	a.warnOtherOwners(p, hosts, "Bazel")
	// Bazel takes forward slashes on Windows; backslashes would need
	// escaping in a .bazelrc.
	return setup.WriteBazelSetup(a.stdout, filepath.ToSlash(exe), p.Name, scopes, skipped)
}

func (a *app) configureGoAuth(p *config.Profile) error {
	// The go command asks GOAUTH for every https fetch, but nxcred
	// answers only for the profile's hosts: with none, it would never
	// answer at all.
	if _, err := routedHosts(p, "the go command"); err != nil {
		return err
	}
	exe, err := nxcredPath()
	if err != nil {
		return err
	}
	return setup.WriteGoAuthSetup(a.stdout, exe, p.Name)
}

// routedHosts are the hosts a host-routed client sends to nxcred: the
// profile's API host and extra hosts, each once. A profile without one (a
// token URL only) would configure nothing, so it is an error.
func routedHosts(p *config.Profile, client string) ([]string, error) {
	var hosts []string
	for _, h := range p.AllHosts() {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) > 0 {
		return hosts, nil
	}
	err := fmt.Errorf("%s has no host, and %s chooses credentials by host", p.Label(), client)
	if p.FromEnv {
		return nil, hint.Wrap(err, fmt.Sprintf("set %s and %s (the API host), or list hosts in %s", config.EnvInstance, config.EnvRegion, config.EnvHosts))
	}
	return nil, hint.Wrap(err, "add a host: "+p.LoginCommandWithHost("HOST"))
}

// addHostCommand is how to add a host to p: its login command with the
// settings it has and one more --host, or NXCRED_HOSTS for the environment
// profile.
func addHostCommand(p *config.Profile) string {
	if p.FromEnv {
		return "add HOST to " + config.EnvHosts + " (comma-separated)"
	}
	return p.LoginCommand() + " --host HOST"
}

// checkOnPath warns when the helper name a client runs is not on PATH: the
// snippet would be right and still not work.
func (a *app) checkOnPath(name, client string) {
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	a.warnf("%s is not on PATH, and %s runs nxcred by that name; install.sh creates it beside nxcred (or link it to nxcred yourself)", name, client)
}

// warnOtherOwners warns when a client that passes no profile (docker, Bazel)
// would get another profile's token for one of p's hosts: the host, not
// --profile, chooses the profile there.
func (a *app) warnOtherOwners(p *config.Profile, hosts []string, client string) {
	cfg, err := a.tokens.Config()
	if err != nil {
		return
	}
	env, _, err := a.tokens.EnvProfile()
	if err != nil {
		return
	}
	for _, h := range hosts {
		owner, err := config.Resolve(cfg, env, config.Choice{Host: h})
		if err != nil || (owner.Name == p.Name && owner.FromEnv == p.FromEnv) {
			continue
		}
		a.warnf("%s passes no profile, so for %s it will get the token of %s, which also has that host, not of %s; set NXCRED_PROFILE=%s in %s's environment", client, h, owner.Label(), p.Label(), p.Name, client)
	}
}

// nxcredPath is the absolute path of the running nxcred, for the snippets
// that name it (kubectl's command, Bazel's helper, GOAUTH).
func nxcredPath() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the path of the nxcred executable: %w", err)
	}
	return nxcredPathFrom(exe)
}

// nxcredPathFrom turns os.Executable's answer into the path to write: its
// symlinks resolved only when the target is still named nxcred (nxcred
// chooses its protocol from the name it runs as), and for the helper names
// git-credential-nxcred and docker-credential-nxcred the nxcred beside them.
func nxcredPathFrom(exe string) (string, error) {
	exe, err := filepath.Abs(exe)
	if err != nil {
		return "", err
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil && commandName(r) == "nxcred" {
		return r, nil
	}
	switch commandName(exe) {
	case "git-credential-nxcred", "docker-credential-nxcred":
		n := filepath.Join(filepath.Dir(exe), "nxcred"+exeSuffix(exe))
		if _, err := os.Stat(n); err != nil {
			return "", fmt.Errorf("nxcred runs as %s and there is no nxcred beside it", exe)
		}
		return n, nil
	}
	return exe, nil
}

func exeSuffix(path string) string {
	if strings.EqualFold(filepath.Ext(path), ".exe") {
		return filepath.Ext(path)
	}
	return ""
}

// applyGit runs the commands setup.WriteGitSetup prints.
func (a *app) applyGit(profile string, hosts []string) error {
	git, err := exec.LookPath("git")
	if err != nil {
		return hint.Wrap(errors.New("git is not on PATH"), "install git, or run the commands that nxcred configure git prints where git is")
	}
	for _, c := range setup.GitSetupCommands(profile, hosts) {
		cmd := exec.CommandContext(a.ctx, git, c[1:]...)
		cmd.Env = childenv.Environ()
		// git config prints nothing on success; anything it does print is
		// for the user, and stdout is not the place for it here.
		cmd.Stdout = a.stderr
		cmd.Stderr = a.stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if c[2] == "--global" && c[3] == "--unset-all" && errors.As(err, &ee) && ee.ExitCode() == setup.GitUnsetNothing {
			// No earlier entries of nxcred's: nothing to remove.
			continue
		}
		if err != nil {
			return fmt.Errorf("%s failed: %w", setup.ShellCommand(c), err)
		}
		a.infof("ran: %s", setup.ShellCommand(c))
	}
	return nil
}

// dockerConfigPath is docker's config.json: $DOCKER_CONFIG/config.json, else
// ~/.docker/config.json with the home folder docker itself uses.
func (a *app) dockerConfigPath() (string, error) {
	if dir := a.getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json"), nil
	}
	home := a.getenv("HOME")
	if runtime.GOOS == "windows" {
		home = a.getenv("USERPROFILE")
	}
	if home == "" {
		return "", hint.Wrap(errors.New("no home folder to find docker's config.json in"), "set DOCKER_CONFIG to the folder of docker's config.json")
	}
	return filepath.Join(home, ".docker", "config.json"), nil
}

// applyDocker merges credHelpers into docker's config.json. A file that does
// not parse is left exactly as it was.
func (a *app) applyDocker(hosts []string) error {
	path, err := a.dockerConfigPath()
	if err != nil {
		return err
	}
	// Write through a symlink (a dotfiles manager's), as docker does,
	// instead of replacing the link with a file.
	target := path
	if r, err := filepath.EvalSymlinks(path); err == nil {
		target = r
	}
	data, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read docker's config: %w", err)
	}
	out, changes, err := setup.MergeDockerConfig(data, hosts)
	if err != nil {
		return hint.Wrap(
			fmt.Errorf("cannot update %s: %w; nothing was changed", path, err),
			"fix the file or move it away, then run nxcred configure docker --apply again",
		)
	}
	if len(changes) == 0 {
		a.infof("%s already sends %s to docker-credential-nxcred; nothing changed", path, strings.Join(hosts, ", "))
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return fmt.Errorf("cannot create docker's config folder: %w", err)
	}
	if err := atomicfile.Write(target, out); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	for _, c := range changes {
		if c.Was != "" {
			a.infof("set credHelpers[%q] = %q in %s (was %q)", c.Host, dockerHelperName, path, c.Was)
		} else {
			a.infof("set credHelpers[%q] = %q in %s", c.Host, dockerHelperName, path)
		}
	}
	return nil
}
