package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/childenv"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/setup"
)

// execTimeout bounds each client command doctor runs (git config, go env).
const execTimeout = 5 * time.Second

// client is a client doctor knows: how to tell whether it is configured for
// nxcred, and the configure command that does it.
type client struct {
	// name is the check's name and the binary looked up on PATH; who names
	// the client in a sentence.
	name, who string
	// configure is the fix when the client is not configured.
	configure func(profile string) string
	// byHost: the client chooses credentials by host, so a profile without
	// one cannot serve it.
	byHost bool
	check  func(d *run, p *config.Profile, bin string, hosts []string) result
}

var clients = []client{
	{
		name: "kubectl", who: "kubectl",
		configure: func(p string) string {
			return "nxcred configure kubectl --profile " + p + ", then run the kubectl config set-credentials command it prints"
		},
		check: (*run).checkKubectl,
	},
	{
		name: "git", who: "git", byHost: true,
		configure: func(p string) string { return "nxcred configure git --profile " + p + " --apply" },
		check:     (*run).checkGit,
	},
	{
		name: "docker", who: "docker", byHost: true,
		configure: func(p string) string { return "nxcred configure docker --profile " + p + " --apply" },
		check:     (*run).checkDocker,
	},
	{
		name: "bazel", who: "Bazel", byHost: true,
		configure: func(p string) string {
			return "nxcred configure bazel --profile " + p + " >> ~/.bazelrc (or the workspace's .bazelrc)"
		},
		check: (*run).checkBazel,
	},
	{
		name: "go", who: "the go command", byHost: true,
		configure: func(p string) string {
			return "nxcred configure goauth --profile " + p + ", then run the go env -w command it prints"
		},
		check: (*run).checkGo,
	},
}

// checkClients reports, for each client on PATH, whether it is configured
// for nxcred. A client that is not installed is fine.
func (d *run) checkClients(p *config.Profile) {
	for _, c := range clients {
		bin, err := d.s.LookPath(c.name)
		if err != nil {
			d.report(passed(c.name, "not installed (no "+c.name+" on PATH)"))
			continue
		}
		var hosts []string
		if c.byHost {
			if hosts, err = d.s.Hosts(p, c.who); err != nil {
				d.report(warned(c.name, bin+" is installed, but "+err.Error(), hintOf(err)))
				continue
			}
		}
		r := c.check(d, p, bin, hosts)
		if r.status != statusOK && r.fix == "" {
			r.fix = c.configure(p.Name)
		}
		d.report(r)
	}
}

// home is the user's home folder, as the clients find it.
func (d *run) home() string {
	if h := d.s.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

func (d *run) checkKubectl(p *config.Profile, bin string, _ []string) result {
	var files []string
	if v := d.s.Getenv("KUBECONFIG"); v != "" {
		files = filepath.SplitList(v)
	} else {
		files = []string{filepath.Join(d.home(), ".kube", "config")}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil && kubeconfigRunsNxcred(data) {
			return passed("kubectl", bin+"; "+f+" runs nxcred as an exec credential plugin")
		}
	}
	return warned("kubectl", bin+" is installed; no user in "+strings.Join(files, ", ")+" runs nxcred", "")
}

func (d *run) checkGit(p *config.Profile, bin string, hosts []string) result {
	// Every scope, as git reads it here: a repository's .git/config and
	// `git -c` come after ~/.gitconfig.
	out, err := d.output(bin, "config", "--show-scope", "--show-origin", "-z", "--get-regexp", `^credential\..*helper$`)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		// git config --get-regexp exits 1 when nothing matches.
		out, err = "", nil
	}
	if err != nil {
		return warned("git", bin+": cannot read git's config: "+err.Error(), "check it with: git config --show-origin --list")
	}
	served, byName, others := gitHelperHosts(parseGitConfig(out), hosts)
	switch {
	case len(served) == 0:
		return warned("git", bin+" is installed; git's config sends no host of "+p.Label()+" to nxcred", "")
	case len(others) > 0:
		var what, fixes []string
		for _, o := range others {
			what = append(what, d.describeGitHelper(o, len(served) > 1))
			fixes = append(fixes, gitHelperFix(o, p.Name))
		}
		return warned("git", fmt.Sprintf("%s; git sends %s to nxcred, and also gives its tokens to %s", bin, strings.Join(served, ", "), strings.Join(what, "; and to ")), strings.Join(fixes, "; "))
	case len(served) < len(hosts):
		return warned("git", fmt.Sprintf("%s; git sends %s to nxcred, but not %s", bin, strings.Join(served, ", "), strings.Join(without(hosts, served), ", ")), "")
	}
	if byName {
		if _, err := d.s.LookPath("git-credential-nxcred"); err != nil {
			return warned("git", "git is configured for nxcred and runs it as git-credential-nxcred, which is not on PATH",
				`link it beside nxcred (install.sh does): ln -s nxcred "$(dirname "$(command -v nxcred)")/git-credential-nxcred"`)
		}
	}
	return passed("git", bin+"; git sends "+strings.Join(served, ", ")+" to nxcred")
}

// describeGitHelper says which helper o is and where it is set, and what it
// does with a token when git knows.
func (d *run) describeGitHelper(o gitOther, manyHosts bool) string {
	where := "on the git command line (git -c, GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT)"
	if path, ok := strings.CutPrefix(o.origin, "file:"); ok {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		where = "in " + path
	}
	s := fmt.Sprintf("the credential helper %q (%s %s)", o.value, o.key, where)
	if manyHosts {
		s += " for " + strings.Join(o.hosts, ", ")
	}
	if f := strings.Fields(o.value); len(f) > 0 && (f[0] == "store" || strings.HasSuffix(filepath.Base(f[0]), "git-credential-store")) {
		file := "~/.git-credentials"
		if slices.ContainsFunc(f, func(a string) bool { return strings.HasPrefix(a, "--file") }) {
			file = "the file its --file names"
		}
		s += ", which writes them in plain text to " + file
	}
	return s
}

// gitHelperFix is the exact fix for a helper that gets nxcred's tokens: in
// ~/.gitconfig, configure --apply again (it puts nxcred's entries last, and
// their empty value drops every helper before them), or remove the helper
// where it is set.
func gitHelperFix(o gitOther, profile string) string {
	switch o.scope {
	case "system", "global", "local", "worktree":
	default:
		return "remove " + o.key + "=" + o.value + " from the git command line, GIT_CONFIG_PARAMETERS or GIT_CONFIG_COUNT"
	}
	remove := "remove the helper: " + setup.ShellCommand([]string{"git", "config", "--" + o.scope, "--fixed-value", "--unset-all", o.key, o.value})
	if o.scope == "global" {
		return "nxcred configure git --profile " + profile + " --apply (it puts nxcred's entries after that helper), or " + remove
	}
	return remove
}

func (d *run) checkDocker(p *config.Profile, bin string, hosts []string) result {
	file, err := d.s.DockerConfig()
	if err != nil {
		return warned("docker", bin+" is installed; "+err.Error(), hintOf(err))
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return warned("docker", fmt.Sprintf("%s: cannot read %s: %s", bin, file, err.Error()), "make it readable by you: ls -l "+file)
	}
	served, err := dockerHelperHosts(data, hosts)
	switch {
	case err != nil:
		return warned("docker", fmt.Sprintf("%s: %s is not valid docker config (%v)", bin, file, err), "fix the JSON in "+file)
	case len(served) == 0:
		return warned("docker", bin+" is installed; "+file+" sends no host of "+p.Label()+" to nxcred", "")
	case len(served) < len(hosts):
		return warned("docker", fmt.Sprintf("%s; %s sends %s to nxcred, but not %s", bin, file, strings.Join(served, ", "), strings.Join(without(hosts, served), ", ")), "")
	}
	if _, err := d.s.LookPath("docker-credential-nxcred"); err != nil {
		return warned("docker", "docker is configured for nxcred and runs it as docker-credential-nxcred, which is not on PATH",
			`link it beside nxcred (install.sh does): ln -s nxcred "$(dirname "$(command -v nxcred)")/docker-credential-nxcred"`)
	}
	return passed("docker", bin+"; "+file+" sends "+strings.Join(served, ", ")+" to nxcred")
}

func (d *run) checkBazel(p *config.Profile, bin string, _ []string) result {
	files := []string{filepath.Join(d.home(), ".bazelrc")}
	if wd, err := os.Getwd(); err == nil {
		files = append(files, filepath.Join(wd, ".bazelrc"))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil && bazelrcUsesNxcred(data) {
			return passed("bazel", bin+"; "+f+" names nxcred as --credential_helper")
		}
	}
	return warned("bazel", bin+" is installed; neither "+strings.Join(files, " nor ")+" names nxcred as --credential_helper", "")
}

func (d *run) checkGo(p *config.Profile, bin string, _ []string) result {
	out, err := d.output(bin, "env", "GOAUTH")
	if err != nil {
		return warned("go", bin+": go env GOAUTH failed: "+err.Error(), "check it with: go env GOAUTH")
	}
	// GOAUTH may run any command: its value is not printed.
	if strings.Contains(out, "nxcred") {
		return passed("go", bin+"; GOAUTH runs nxcred")
	}
	return warned("go", bin+" is installed; GOAUTH does not run nxcred", "")
}

// output runs a client's command with a bound, no stdin, and the environment
// of every child of nxcred (package childenv: without nxcred's secrets, which
// git and go do not need). GOTOOLCHAIN=local, last so that it wins, keeps
// `go env` from downloading a toolchain a go.mod in the working folder asks
// for.
func (d *run) output(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(d.ctx, execTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(childenv.Environ(), "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("no answer within %s", execTimeout)
	}
	if err != nil {
		if msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n"); msg != "" {
			return "", fmt.Errorf("%w: %s", err, msg)
		}
		return "", err
	}
	return string(out), nil
}
