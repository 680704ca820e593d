package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/internal/atomicfile"
)

// configureClients are the clients configure writes snippets for, in the
// order the help lists them.
var configureClients = []string{"kubectl", "git", "docker", "bazel", "goauth"}

// dockerHelperName is the credHelpers value: docker runs
// docker-credential-<value>.
const dockerHelperName = "nxcred"

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
	p, _, err := a.resolve(auth.Choice{Flag: profile})
	if err != nil {
		return err
	}
	switch client {
	case "kubectl":
		exe, err := nxcredPath()
		if err != nil {
			return err
		}
		return writeKubectlSnippet(a.stdout, exe, p.Name)
	case "git":
		hosts, err := routedHosts(p, "git")
		if err != nil {
			return err
		}
		a.checkOnPath("git-credential-nxcred", "git")
		if apply {
			return a.applyGit(p.Name, hosts)
		}
		return writeGitSnippet(a.stdout, p.Name, hosts)
	case "docker":
		hosts, err := routedHosts(p, "docker")
		if err != nil {
			return err
		}
		a.checkOnPath("docker-credential-nxcred", "docker")
		a.warnOtherOwners(p, hosts, "docker")
		if apply {
			return a.applyDocker(hosts)
		}
		out, _, err := mergeDockerConfig(nil, hosts)
		if err != nil {
			return err
		}
		_, err = a.stdout.Write(out)
		return err
	case "bazel":
		hosts, err := routedHosts(p, "Bazel")
		if err != nil {
			return err
		}
		exe, err := nxcredPath()
		if err != nil {
			return err
		}
		scopes, skipped := bazelScopes(hosts)
		if len(scopes) == 0 {
			return &hintError{
				err:  fmt.Errorf("no host of %s can scope a Bazel credential helper (Bazel takes DNS names with a dot: %s)", profileLabel(p), strings.Join(skipped, ", ")),
				hint: "add one with nxcred login --profile " + p.Name + " ... --host HOST",
			}
		}
		a.warnOtherOwners(p, hosts, "Bazel")
		return writeBazelSnippet(a.stdout, exe, p.Name, scopes, skipped)
	case "goauth":
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
		return writeGoauthSnippet(a.stdout, exe, p.Name)
	}
	return fmt.Errorf("unknown client %q", client)
}

// routedHosts are the hosts a host-routed client sends to nxcred: the
// profile's API host and extra hosts, each once. A profile without one (a
// token URL only) would configure nothing, so it is an error.
func routedHosts(p *auth.Profile, client string) ([]string, error) {
	var hosts []string
	for _, h := range p.AllHosts() {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) > 0 {
		return hosts, nil
	}
	err := fmt.Errorf("%s has no host, and %s chooses credentials by host", profileLabel(p), client)
	if p.FromEnv {
		return nil, &hintError{err: err, hint: fmt.Sprintf("set %s and %s (the API host), or list hosts in %s", auth.EnvInstance, auth.EnvRegion, auth.EnvHosts)}
	}
	return nil, &hintError{err: err, hint: fmt.Sprintf("add a host: nxcred login --profile %s --instance INSTANCE --region REGION --client-id %s --host HOST", p.Name, p.ClientID)}
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
func (a *app) warnOtherOwners(p *auth.Profile, hosts []string, client string) {
	cfg, err := a.config()
	if err != nil {
		return
	}
	env, _, err := a.envProfile()
	if err != nil {
		return
	}
	for _, h := range hosts {
		owner, err := auth.Resolve(cfg, env, auth.Choice{Host: h})
		if err != nil || (owner.Name == p.Name && owner.FromEnv == p.FromEnv) {
			continue
		}
		a.warnf("%s passes no profile, so for %s it will get the token of %s, which also has that host, not of %s; set NXCRED_PROFILE=%s in %s's environment", client, h, profileLabel(owner), profileLabel(p), p.Name, client)
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

// commandName is a file's name as dispatch sees it: lower case, no .exe.
func commandName(path string) string {
	return strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".exe")
}

func exeSuffix(path string) string {
	if strings.EqualFold(filepath.Ext(path), ".exe") {
		return filepath.Ext(path)
	}
	return ""
}

// kubeconfigUser is the kubeconfig user name configure gives a profile.
func kubeconfigUser(profile string) string { return "nexthink-" + profile }

// writeKubectlSnippet prints a kubeconfig users: entry. command is absolute
// so that client-go's plugin allow-lists (kuberc, client-go 1.35+) can name
// it; interactiveMode Never because nxcred never prompts (PROTOCOLS §1.1).
func writeKubectlSnippet(w io.Writer, exe, profile string) error {
	user := kubeconfigUser(profile)
	args := []string{"kubectl", "--profile", profile}
	set := []string{"kubectl", "config", "set-credentials", user,
		"--exec-api-version=client.authentication.k8s.io/v1",
		"--exec-command=" + exe}
	for _, arg := range args {
		set = append(set, "--exec-arg="+arg)
	}
	set = append(set, "--exec-interactive-mode=Never", "--exec-provide-cluster-info=false")
	hint := fmt.Sprintf("nxcred is not at %s: install it (https://github.com/nxcred/nxcred), then run nxcred configure kubectl --profile %s", exe, profile)

	var b bytes.Buffer
	fmt.Fprintf(&b, "# kubeconfig user for nxcred profile %s; to add it to your kubeconfig, run:\n", profile)
	fmt.Fprintf(&b, "#   %s\n", shellCommand(set))
	fmt.Fprintf(&b, "# then use it in a context: kubectl config set-context CONTEXT --user=%s\n", user)
	fmt.Fprintf(&b, "# Tools built with client-go older than 1.22 need apiVersion client.authentication.k8s.io/v1beta1.\n")
	fmt.Fprintf(&b, "users:\n")
	fmt.Fprintf(&b, "- name: %s\n", yamlString(user))
	fmt.Fprintf(&b, "  user:\n")
	fmt.Fprintf(&b, "    exec:\n")
	fmt.Fprintf(&b, "      apiVersion: client.authentication.k8s.io/v1\n")
	fmt.Fprintf(&b, "      command: %s\n", yamlString(exe))
	fmt.Fprintf(&b, "      args:\n")
	for _, arg := range args {
		fmt.Fprintf(&b, "      - %s\n", yamlString(arg))
	}
	fmt.Fprintf(&b, "      interactiveMode: Never\n")
	fmt.Fprintf(&b, "      provideClusterInfo: false\n")
	fmt.Fprintf(&b, "      installHint: %s\n", jsonString(hint))
	_, err := w.Write(b.Bytes())
	return err
}

// gitHelper is the credential.helper value for a profile. git runs a value
// that is not a path as "git credential-<value> get", so this needs
// git-credential-nxcred on PATH (install.sh creates it) and no absolute path
// that would need quoting for git's shell, on Windows too.
func gitHelper(profile string) string { return "nxcred --profile " + profile }

// gitConfigCommands are the git commands that make nxcred the only helper
// for each host: first an empty value, which drops the helpers configured
// before it for that URL (a credential-store or keychain would replay an
// expired token, PROTOCOLS §2.7), then nxcred. Scoped to
// credential.https://<host>, they leave every other host alone, and running
// them twice leaves the same config.
func gitConfigCommands(profile string, hosts []string) [][]string {
	var cmds [][]string
	for _, h := range hosts {
		key := "credential.https://" + h + ".helper"
		cmds = append(cmds,
			[]string{"git", "config", "--global", "--replace-all", key, ""},
			[]string{"git", "config", "--global", "--add", key, gitHelper(profile)})
	}
	return cmds
}

func writeGitSnippet(w io.Writer, profile string, hosts []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# git asks nxcred (profile %s) for credentials for these hosts, and only these.\n", profile)
	fmt.Fprintf(&b, "# %q makes git run git-credential-nxcred, which must be on PATH (install.sh puts it beside nxcred).\n", gitHelper(profile))
	fmt.Fprintf(&b, "# The empty value first drops the helpers configured before it (credential-store, a keychain), so none of them replays an expired token.\n")
	for _, c := range gitConfigCommands(profile, hosts) {
		fmt.Fprintln(&b, shellCommand(c))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// applyGit runs the commands writeGitSnippet prints.
func (a *app) applyGit(profile string, hosts []string) error {
	git, err := exec.LookPath("git")
	if err != nil {
		return &hintError{err: errors.New("git is not on PATH"), hint: "install git, or run the commands that nxcred configure git prints where git is"}
	}
	for _, c := range gitConfigCommands(profile, hosts) {
		cmd := exec.CommandContext(a.ctx, git, c[1:]...)
		// git config prints nothing on success; anything it does print is
		// for the user, and stdout is not the place for it here.
		cmd.Stdout = a.stderr
		cmd.Stderr = a.stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s failed: %w", shellCommand(c), err)
		}
		a.infof("ran: %s", shellCommand(c))
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
		return "", &hintError{err: errors.New("no home folder to find docker's config.json in"), hint: "set DOCKER_CONFIG to the folder of docker's config.json"}
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
	out, changes, err := mergeDockerConfig(data, hosts)
	if err != nil {
		return &hintError{
			err:  fmt.Errorf("cannot update %s: %w; nothing was changed", path, err),
			hint: "fix the file or move it away, then run nxcred configure docker --apply again",
		}
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
		if c.was != "" {
			a.infof("set credHelpers[%q] = %q in %s (was %q)", c.host, dockerHelperName, path, c.was)
		} else {
			a.infof("set credHelpers[%q] = %q in %s", c.host, dockerHelperName, path)
		}
	}
	return nil
}

// dockerChange is one credHelpers entry mergeDockerConfig set; was is the
// helper it replaced, if any.
type dockerChange struct{ host, was string }

// mergeDockerConfig sets credHelpers[host] = "nxcred" for each host in the
// content of a docker config.json (nil or blank: none yet) and keeps every
// other key and value as it was. It returns the new content (tab-indented,
// as docker writes it) and what changed; nothing changed means the file
// needs no write.
func mergeDockerConfig(data []byte, hosts []string) ([]byte, []dockerChange, error) {
	var top map[string]json.RawMessage
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &top); err != nil {
			return nil, nil, fmt.Errorf("it is not a JSON object (%v)", err)
		}
	}
	if top == nil {
		top = map[string]json.RawMessage{}
	}
	var helpers map[string]string
	if raw, ok := top["credHelpers"]; ok {
		if err := json.Unmarshal(raw, &helpers); err != nil {
			return nil, nil, errors.New("its credHelpers is not an object of strings")
		}
	}
	if helpers == nil {
		helpers = map[string]string{}
	}
	var changes []dockerChange
	for _, h := range hosts {
		if was, ok := helpers[h]; !ok || was != dockerHelperName {
			changes = append(changes, dockerChange{host: h, was: was})
			helpers[h] = dockerHelperName
		}
	}
	raw, err := json.Marshal(helpers)
	if err != nil {
		return nil, nil, err
	}
	top["credHelpers"] = raw
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	// Keep values such as "<token>" byte for byte, not \u003c-escaped.
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(top); err != nil {
		return nil, nil, err
	}
	return b.Bytes(), changes, nil
}

// bazelScopeRE is what Bazel accepts as a --credential_helper scope
// (DOMAIN_PATTERN in CredentialHelperProvider.java): a DNS name with at
// least one dot, no port.
var bazelScopeRE = regexp.MustCompile(`^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$`)

// bazelScopes are the Bazel scopes for hosts: ports dropped (Bazel matches the
// URI's host only; nxcred still checks the port), each once. Hosts Bazel
// cannot scope (IPv6, single labels) are returned as skipped.
func bazelScopes(hosts []string) (scopes, skipped []string) {
	for _, h := range hosts {
		name := h
		if hh, _, err := net.SplitHostPort(h); err == nil {
			name = hh
		}
		switch {
		case !bazelScopeRE.MatchString(name):
			skipped = append(skipped, h)
		case !slices.Contains(scopes, name):
			scopes = append(scopes, name)
		}
	}
	return scopes, skipped
}

func writeBazelSnippet(w io.Writer, exe, profile string, scopes, skipped []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# .bazelrc (the workspace's or ~/.bazelrc): nxcred is Bazel's credential helper for the hosts of profile %s, and only there.\n", profile)
	fmt.Fprintf(&b, "# Bazel runs \"<path> get\" with no other argument, so nxcred chooses the profile by the request's host (or by NXCRED_PROFILE in Bazel's client environment).\n")
	fmt.Fprintf(&b, "# Bazel 6.3+ takes --credential_helper; 7.4+ uses the expiry nxcred reports.\n")
	for _, h := range skipped {
		fmt.Fprintf(&b, "# %s is left out: Bazel scopes take DNS names with a dot.\n", h)
	}
	if runtime.GOOS == "windows" {
		// Bazel takes forward slashes on Windows; backslashes would need
		// escaping in a .bazelrc.
		exe = filepath.ToSlash(exe)
	}
	for _, s := range scopes {
		fmt.Fprintf(&b, "common %s\n", bazelrcWord("--credential_helper="+s+"="+exe))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// bazelrcWord escapes what Bazel's .bazelrc tokenizer treats specially
// (blaze_util::Tokenize: white space, quotes, backslash, '#').
func bazelrcWord(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(" \t\r\n'\"\\#", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func writeGoauthSnippet(w io.Writer, exe, profile string) error {
	word, err := goauthWord(exe)
	if err != nil {
		return err
	}
	value := word + " goauth --profile " + profile
	var b bytes.Buffer
	fmt.Fprintf(&b, "# GOAUTH for nxcred profile %s (Go 1.24+). The go command splits the value into words (no shell) and uses it for https fetches only.\n", profile)
	fmt.Fprintf(&b, "# It replaces the default, netrc; end the value with ;netrc to keep reading ~/.netrc too.\n")
	fmt.Fprintln(&b, shellCommand([]string{"go", "env", "-w", "GOAUTH=" + value}))
	fmt.Fprintf(&b, "# or only in this shell: export %s\n", shellCommand([]string{"GOAUTH=" + value}))
	_, err = w.Write(b.Bytes())
	return err
}

// goauthWord quotes a path for GOAUTH's word splitting
// (cmd/internal/quoted.Split: quotes, no escapes).
func goauthWord(s string) (string, error) {
	switch {
	case !strings.ContainsAny(s, " \t\n\r'\""):
		return s, nil
	case !strings.Contains(s, `"`):
		return `"` + s + `"`, nil
	case !strings.Contains(s, `'`):
		return `'` + s + `'`, nil
	}
	return "", fmt.Errorf("GOAUTH cannot name %s: the path has both kinds of quotes", s)
}

// shellSafe is what a shell word may hold unquoted.
var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellCommand renders argv for a POSIX shell (and PowerShell, for paths
// without $): words with anything but safe characters in double quotes.
func shellCommand(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = shellWord(w)
	}
	return strings.Join(words, " ")
}

func shellWord(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	// An option's value is quoted after its '=' (--exec-command="/a b"),
	// as people write it.
	if prefix, value, ok := strings.Cut(s, "="); ok && shellSafe.MatchString(prefix+"=") {
		return prefix + "=" + shellQuote(value)
	}
	return shellQuote(s)
}

func shellQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

// yamlPlain is what yamlString leaves unquoted: names, flags and Unix paths.
var yamlPlain = regexp.MustCompile(`^(--)?[A-Za-z_/][A-Za-z0-9_./-]*$`)

// yamlString is s as a YAML scalar that reads back as the string s: plain
// when it is clearly safe, else JSON-quoted (a JSON string is a YAML
// double-quoted scalar). YAML 1.1 words such as yes and off are quoted, since
// kubeconfig's parser would read them as booleans.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return jsonString(s)
	}
	if yamlPlain.MatchString(s) {
		return s
	}
	return jsonString(s)
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
