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

	"github.com/nxcred/nxcred/protocol"
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

// gitHelperHosts reads `git config --get-regexp '^credential\..*helper$'`
// output and returns the hosts whose helper list, as git builds it, includes
// nxcred, and whether one of those helpers is a bare name (which git runs as
// git-credential-<name> from PATH). As in git, helpers add up in config
// order over every matching context, and an empty value empties the list.
func gitHelperHosts(out string, hosts []string) (served []string, byName bool) {
	for _, h := range hosts {
		var helpers []string
		for line := range strings.Lines(out) {
			key, value, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			if !gitContextMatches(key, h) {
				continue
			}
			if value == "" {
				helpers = nil
			} else {
				helpers = append(helpers, value)
			}
		}
		for _, v := range helpers {
			if strings.Contains(v, "nxcred") {
				if !slices.Contains(served, h) {
					served = append(served, h)
				}
				if f := strings.Fields(v); len(f) > 0 && !strings.HasPrefix(f[0], "!") && !gitAbsolute(f[0]) {
					byName = true
				}
			}
		}
	}
	return served, byName
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
		if c.CredsStore == protocol.DockerHelper || c.CredHelpers[h] == protocol.DockerHelper ||
			c.CredHelpers["https://"+h] == protocol.DockerHelper {
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
