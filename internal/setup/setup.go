// Package setup writes the snippets that point each client at nxcred, as
// `nxcred configure` prints or applies them: a kubeconfig user, git config
// commands, docker's credHelpers, .bazelrc lines, GOAUTH. They encode
// nxcred's own command line, so they live apart from package protocol,
// which knows only what the clients send and receive.
//
// Like protocol's writers, each builds its whole snippet in memory and hands
// it to one Write, so a snippet that cannot be made leaves stdout empty.
package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// WriteKubectlSetup writes a kubeconfig users: entry that runs exe (nxcred's
// absolute path) as the exec plugin for profile, headed by comments with the
// kubectl config set-credentials command that adds the same entry. addHost
// is the exact command that adds a host to profile, for the comment that
// explains provideClusterInfo.
func WriteKubectlSetup(w io.Writer, exe, profile, addHost string) error {
	// command is absolute so that client-go's plugin allow-lists (kuberc,
	// client-go 1.35+) can name it; interactiveMode Never because nxcred
	// never prompts. provideClusterInfo true because a user entry can be put
	// in a context of any cluster: with it client-go names the cluster's
	// server in KUBERNETES_EXEC_INFO and nxcred refuses a server that is not
	// a host of the profile; without it, nxcred cannot tell where the token
	// goes.
	user := kubeconfigUser(profile)
	args := []string{"kubectl", "--profile", profile}
	set := []string{"kubectl", "config", "set-credentials", user,
		"--exec-api-version=client.authentication.k8s.io/v1",
		"--exec-command=" + exe}
	for _, arg := range args {
		set = append(set, "--exec-arg="+arg)
	}
	set = append(set, "--exec-interactive-mode=Never", "--exec-provide-cluster-info=true")
	hint := fmt.Sprintf("nxcred is not at %s: install it (https://github.com/nxcred/nxcred), then run nxcred configure kubectl --profile %s", exe, profile)

	var b bytes.Buffer
	fmt.Fprintf(&b, "# kubeconfig user for nxcred profile %s; to add it to your kubeconfig, run:\n", profile)
	fmt.Fprintf(&b, "#   %s\n", ShellCommand(set))
	fmt.Fprintf(&b, "# then use it in a context: kubectl config set-context CONTEXT --user=%s\n", user)
	fmt.Fprintf(&b, "# provideClusterInfo: true lets nxcred see the cluster's server and refuse to send a Nexthink token to one that is not a host of\n")
	fmt.Fprintf(&b, "# profile %s, whatever context this user is put in. Add the cluster's host to the profile: %s\n", profile, addHost)
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
	fmt.Fprintf(&b, "      provideClusterInfo: true\n")
	fmt.Fprintf(&b, "      installHint: %s\n", jsonString(hint))
	return writeAll(w, b.Bytes())
}

// kubeconfigUser is the kubeconfig user name configure gives a profile.
func kubeconfigUser(profile string) string { return "nexthink-" + profile }

// gitHelper is the credential.helper value for a profile. git runs a value
// that is not a path as "git credential-<value> get", so this needs
// git-credential-nxcred on PATH (install.sh creates it) and no absolute path
// that would need quoting for git's shell, on Windows too.
func gitHelper(profile string) string { return "nxcred --profile " + profile }

// GitSetupCommands are the git commands (argv, "git" first) that make nxcred
// with profile the only credential helper for each of hosts.
//
// git builds a host's helper list from every matching entry in config order,
// an empty value emptying it, and sends each credential that worked to every
// helper in it ("store"): a storage helper listed with nxcred would keep
// nxcred's tokens, and a credential-store or keychain before it would replay
// an expired one. So for each host: first nxcred's earlier entries are
// removed (the command exits 5, harmlessly, when there are none), then an
// empty value and nxcred are added, scoped to credential.https://<host>.
// Added anew, they go after every helper ~/.gitconfig holds when this runs,
// and the empty value drops them all for that host; every other host keeps
// them, and running the commands again leaves the same config.
func GitSetupCommands(profile string, hosts []string) [][]string {
	var cmds [][]string
	for _, h := range hosts {
		key := "credential.https://" + h + ".helper"
		cmds = append(cmds,
			[]string{"git", "config", "--global", "--unset-all", key},
			[]string{"git", "config", "--global", "--add", key, ""},
			[]string{"git", "config", "--global", "--add", key, gitHelper(profile)})
	}
	return cmds
}

// GitUnsetNothing is the exit status of git config --unset-all when there
// was nothing to unset.
const GitUnsetNothing = 5

// WriteGitSetup writes GitSetupCommands as shell commands, one a line, headed
// by comments saying what they do.
func WriteGitSetup(w io.Writer, profile string, hosts []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# git asks nxcred (profile %s) for credentials for these hosts, and only these.\n", profile)
	fmt.Fprintf(&b, "# %q makes git run git-credential-nxcred, which must be on PATH (install.sh puts it beside nxcred).\n", gitHelper(profile))
	fmt.Fprintf(&b, "# --unset-all removes nxcred's earlier entries (it exits 5 when there are none), so that the entries added go after every helper\n")
	fmt.Fprintf(&b, "# already configured: their empty value drops those helpers (credential-store, a keychain) for these hosts, so none of them\n")
	fmt.Fprintf(&b, "# keeps nxcred's tokens or replays an expired one.\n")
	for _, c := range GitSetupCommands(profile, hosts) {
		fmt.Fprintln(&b, ShellCommand(c))
	}
	return writeAll(w, b.Bytes())
}

// DockerHelper is the credHelpers value MergeDockerConfig sets: docker runs
// docker-credential-<value>.
const DockerHelper = "nxcred"

// DockerChange is one credHelpers entry MergeDockerConfig set.
type DockerChange struct {
	Host string // the credHelpers key
	Was  string // the helper it replaced; "" when the host had none
}

// MergeDockerConfig sets credHelpers[host] = DockerHelper for each host in
// the content of a docker config.json (nil or blank: none yet) and keeps
// every other key and value as it was. It returns the new content
// (tab-indented, as docker writes it) and what changed; nothing changed
// means the file needs no write. Content that is not a JSON object, or whose
// credHelpers is not an object of strings, is an error.
func MergeDockerConfig(data []byte, hosts []string) ([]byte, []DockerChange, error) {
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
	var changes []DockerChange
	for _, h := range hosts {
		if was, ok := helpers[h]; !ok || was != DockerHelper {
			changes = append(changes, DockerChange{Host: h, Was: was})
			helpers[h] = DockerHelper
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

// WriteDockerSetup writes the credHelpers entries of a docker config.json
// that send each of hosts to nxcred, as a config.json of their own.
func WriteDockerSetup(w io.Writer, hosts []string) error {
	out, _, err := MergeDockerConfig(nil, hosts)
	if err != nil {
		return err
	}
	return writeAll(w, out)
}

// bazelScopeRE is what Bazel accepts as a --credential_helper scope
// (DOMAIN_PATTERN in CredentialHelperProvider.java): a DNS name with at
// least one dot, no port.
var bazelScopeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[-a-zA-Z0-9]+(\.[-a-zA-Z0-9]+)+$`) })

// BazelScopes are the --credential_helper scopes for hosts: ports dropped
// (Bazel matches the URI's host only; nxcred still checks the port), each
// once, in order. Hosts Bazel cannot scope (IPv6, single labels) are
// returned as skipped.
func BazelScopes(hosts []string) (scopes, skipped []string) {
	for _, h := range hosts {
		name := h
		if hh, _, err := net.SplitHostPort(h); err == nil {
			name = hh
		}
		switch {
		case !bazelScopeRE().MatchString(name):
			skipped = append(skipped, h)
		case !slices.Contains(scopes, name):
			scopes = append(scopes, name)
		}
	}
	return scopes, skipped
}

// WriteBazelSetup writes .bazelrc lines that make exe Bazel's credential
// helper for each of scopes (from BazelScopes), headed by comments that name
// profile and each skipped host. exe is written as given: on Windows, pass
// it with forward slashes.
func WriteBazelSetup(w io.Writer, exe, profile string, scopes, skipped []string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# .bazelrc (the workspace's or ~/.bazelrc): nxcred is Bazel's credential helper for the hosts of profile %s, and only there.\n", profile)
	fmt.Fprintf(&b, "# Bazel runs \"<path> get\" with no other argument, so nxcred chooses the profile by the request's host (or by NXCRED_PROFILE in Bazel's client environment).\n")
	fmt.Fprintf(&b, "# Bazel 6.3+ takes --credential_helper; 7.4+ uses the expiry nxcred reports.\n")
	for _, h := range skipped {
		fmt.Fprintf(&b, "# %s is left out: Bazel scopes take DNS names with a dot.\n", h)
	}
	for _, s := range scopes {
		fmt.Fprintf(&b, "common %s\n", bazelrcWord("--credential_helper="+s+"="+exe))
	}
	return writeAll(w, b.Bytes())
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

// WriteGoAuthSetup writes the go env -w GOAUTH=... command that makes the go
// command run exe in GOAUTH command mode with profile, and the export line
// that does the same for one shell. A path GOAUTH cannot quote is an error,
// and nothing is written.
func WriteGoAuthSetup(w io.Writer, exe, profile string) error {
	word, err := goauthWord(exe)
	if err != nil {
		return err
	}
	value := word + " goauth --profile " + profile
	var b bytes.Buffer
	fmt.Fprintf(&b, "# GOAUTH for nxcred profile %s (Go 1.24+). The go command splits the value into words (no shell) and uses it for https fetches only.\n", profile)
	fmt.Fprintf(&b, "# It replaces the default, netrc; end the value with ;netrc to keep reading ~/.netrc too.\n")
	fmt.Fprintln(&b, ShellCommand([]string{"go", "env", "-w", "GOAUTH=" + value}))
	if windowsShell {
		fmt.Fprintf(&b, "# or only in this PowerShell: $env:GOAUTH = %s\n", powershellQuote(value))
	} else {
		fmt.Fprintf(&b, "# or only in this shell: export %s\n", ShellCommand([]string{"GOAUTH=" + value}))
	}
	return writeAll(w, b.Bytes())
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
var shellSafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`) })

// windowsSafe is the same for PowerShell and cmd, where a backslash is
// an ordinary character.
var windowsSafe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_./:@+=,\\-]+$`) })

// windowsShell: commands are printed for PowerShell (and cmd) rather than
// a POSIX shell.
const windowsShell = runtime.GOOS == "windows"

// ShellCommand renders argv as one command line to paste: for a POSIX shell,
// or on Windows for PowerShell and cmd, whose double quotes keep a path's
// backslashes as they are (a POSIX rendering would double them). Words with
// anything but safe characters are double-quoted.
func ShellCommand(argv []string) string { return shellCommand(argv, windowsShell) }

func shellCommand(argv []string, windows bool) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		words[i] = shellWord(w, windows)
	}
	return strings.Join(words, " ")
}

func shellWord(s string, windows bool) string {
	safe, quote := shellSafe(), shellQuote
	if windows {
		safe, quote = windowsSafe(), powershellQuote
	}
	if safe.MatchString(s) {
		return s
	}
	// An option's value is quoted after its '=' (--exec-command="/a b"),
	// as people write it.
	if prefix, value, ok := strings.Cut(s, "="); ok && safe.MatchString(prefix+"=") {
		return prefix + "=" + quote(value)
	}
	return quote(s)
}

func shellQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return `"` + r.Replace(s) + `"`
}

// powershellQuote double-quotes s for PowerShell, whose escape character is
// the backtick; cmd reads the same quotes for paths, which hold none of
// the escaped characters.
func powershellQuote(s string) string {
	r := strings.NewReplacer("`", "``", `"`, "`\"", "$", "`$")
	return `"` + r.Replace(s) + `"`
}

// yamlPlain is what yamlString leaves unquoted: names, flags and Unix paths.
var yamlPlain = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(--)?[A-Za-z_/][A-Za-z0-9_./-]*$`) })

// yamlString is s as a YAML scalar that reads back as the string s: plain
// when it is clearly safe, else JSON-quoted (a JSON string is a YAML
// double-quoted scalar). YAML 1.1 words such as yes and off are quoted, since
// kubeconfig's parser would read them as booleans.
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return jsonString(s)
	}
	if yamlPlain().MatchString(s) {
		return s
	}
	return jsonString(s)
}

// jsonString is s as a JSON string literal, without HTML escaping.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// writeAll hands b to w in one Write and turns a short write into an error.
func writeAll(w io.Writer, b []byte) error {
	n, err := w.Write(b)
	if err == nil && n < len(b) {
		err = io.ErrShortWrite
	}
	return err
}
