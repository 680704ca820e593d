package doctor

import (
	"bytes"
	"encoding/json"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/nxcred/nxcred/internal/setup"
)

// The readers of each client's configuration: pure functions over its
// contents, fuzzed, so that the checks in clients.go only find the files.

// kubeconfigCommand matches the command of an exec plugin in a kubeconfig,
// YAML or JSON: the key, then a double-quoted, single-quoted or plain value.
var kubeconfigCommand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?m)(?:^|[\s{,])"?command"?[ \t]*:[ \t]*("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s,#}\]]+)`)
})

// kubeconfigRunsNxcred reports whether a kubeconfig has an exec command named
// nxcred. A text search keeps a YAML parser out of nxcred; only exec plugins
// have a command key.
func kubeconfigRunsNxcred(data []byte) bool {
	for _, m := range kubeconfigCommand().FindAllStringSubmatch(string(data), -1) {
		value := m[1]
		switch value[0] {
		case '"':
			if v, err := strconv.Unquote(value); err == nil {
				value = v
			}
		case '\'':
			value = strings.ReplaceAll(strings.Trim(value, "'"), "''", "'")
		}
		// The kubeconfig may come from the other OS: either separator.
		name := strings.ToLower(value[strings.LastIndexAny(value, `/\`)+1:])
		if strings.TrimSuffix(name, ".exe") == "nxcred" {
			return true
		}
	}
	return false
}

// gitEntry is one credential helper entry of git's config.
type gitEntry struct {
	// scope is git's word for where it is set: system, global, local,
	// worktree or command; origin is git's "file:PATH" or "command line:".
	scope, origin string
	key, value    string
}

// parseGitConfig reads the output of `git config --show-scope --show-origin
// -z --get-regexp ...`: records of scope, origin, and key and value joined
// by a newline, each ended by a NUL. A key without a value (which git
// refuses as a helper) and anything malformed are left out.
func parseGitConfig(out string) []gitEntry {
	f := strings.Split(out, "\x00")
	var entries []gitEntry
	for i := 0; i+2 < len(f); i += 3 {
		key, value, ok := strings.Cut(f[i+2], "\n")
		if ok {
			entries = append(entries, gitEntry{scope: f[i], origin: f[i+1], key: key, value: value})
		}
	}
	return entries
}

// gitHelpers is git's credential helper list for https requests to host, as
// git builds it: the helper entries of every matching context, in config
// order (system, global, local, worktree, command line), an empty value
// emptying the list. git runs "get" on them in turn, and "store" on all of
// them with a credential that worked.
func gitHelpers(entries []gitEntry, host string) []gitEntry {
	var helpers []gitEntry
	for _, e := range entries {
		switch {
		case !gitContextMatches(e.key, host):
		case e.value == "":
			helpers = nil
		default:
			helpers = append(helpers, e)
		}
	}
	return helpers
}

func isNxcredHelper(value string) bool { return strings.Contains(value, "nxcred") }

// gitOther is a helper other than nxcred in the list of hosts nxcred
// serves: git gives it every token nxcred answers with.
type gitOther struct {
	gitEntry
	hosts []string
}

// gitHelperHosts returns the hosts whose helper list includes nxcred,
// whether one of those helpers is a bare name (which git runs as
// git-credential-<name> from PATH), and the other helpers in those lists.
func gitHelperHosts(entries []gitEntry, hosts []string) (served []string, byName bool, others []gitOther) {
	for _, h := range hosts {
		helpers := gitHelpers(entries, h)
		if !slices.ContainsFunc(helpers, func(e gitEntry) bool { return isNxcredHelper(e.value) }) {
			continue
		}
		served = append(served, h)
		for _, e := range helpers {
			if isNxcredHelper(e.value) {
				if f := strings.Fields(e.value); len(f) > 0 && !strings.HasPrefix(f[0], "!") && !gitAbsolute(f[0]) {
					byName = true
				}
				continue
			}
			i := slices.IndexFunc(others, func(o gitOther) bool { return o.gitEntry == e })
			if i < 0 {
				others = append(others, gitOther{gitEntry: e})
				i = len(others) - 1
			}
			if !slices.Contains(others[i].hosts, h) {
				others[i].hosts = append(others[i].hosts, h)
			}
		}
	}
	return served, byName, others
}

// gitAbsolute reports whether git takes helper as a path rather than a name
// to prefix with git-credential-. Git for Windows counts a leading / or \ as
// absolute as well as a drive letter, so filepath.IsAbs is wrong there for
// "/usr/local/bin/nxcred".
func gitAbsolute(helper string) bool {
	if strings.HasPrefix(helper, "/") {
		return true
	}
	if runtime.GOOS != "windows" {
		return false
	}
	return strings.HasPrefix(helper, `\`) || filepath.VolumeName(helper) != ""
}

// gitContextMatches reports whether a credential.<url>.helper key applies to
// https requests for host: credential.helper applies everywhere, a URL
// context to its host (with git's * wildcards; its path is ignored).
func gitContextMatches(key, host string) bool {
	key = strings.ToLower(key)
	if key == "credential.helper" {
		return true
	}
	ctx, ok := strings.CutPrefix(key, "credential.")
	if !ok {
		return false
	}
	if ctx, ok = strings.CutSuffix(ctx, ".helper"); !ok {
		return false
	}
	u, err := url.Parse(ctx)
	if err != nil || u.Host == "" {
		u, err = url.Parse("https://" + ctx)
		if err != nil {
			return false
		}
	}
	if u.Scheme != "https" {
		return false
	}
	pattern := strings.TrimSuffix(u.Host, ":443")
	m, err := path.Match(pattern, strings.TrimSuffix(host, ":443"))
	return err == nil && m
}

// dockerHelperHosts returns the hosts docker's config.json sends to
// docker-credential-nxcred: all with credsStore "nxcred", else those with
// credHelpers[host] "nxcred". Empty content is an empty config.
func dockerHelperHosts(data []byte, hosts []string) ([]string, error) {
	var c struct {
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, err
		}
	}
	var served []string
	for _, h := range hosts {
		if c.CredsStore == setup.DockerHelper || c.CredHelpers[h] == setup.DockerHelper ||
			c.CredHelpers["https://"+h] == setup.DockerHelper {
			served = append(served, h)
		}
	}
	return served, nil
}

// bazelrcUsesNxcred reports whether a .bazelrc has a line, not a comment,
// that gives nxcred as --credential_helper.
func bazelrcUsesNxcred(data []byte) bool {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.Index(line, "--credential_helper"); i >= 0 && strings.Contains(line[i:], "nxcred") {
			return true
		}
	}
	return false
}
