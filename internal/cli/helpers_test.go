package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// runInProcess runs nxcred's run with args (split on spaces) and stdin, in a
// fresh HOME and XDG folders, with env layered on top: the environment is
// exactly that map, nothing of the test process's own.
func runInProcess(t *testing.T, args string, env map[string]string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	home := t.TempDir()
	all := map[string]string{
		"HOME":            home,
		"XDG_CONFIG_HOME": filepath.Join(home, "config"),
		"XDG_CACHE_HOME":  filepath.Join(home, "cache"),
		"XDG_DATA_HOME":   filepath.Join(home, "data"),
	}
	for k, v := range env {
		all[k] = v
	}
	var out, errb bytes.Buffer
	argv := append([]string{"nxcred"}, strings.Fields(args)...)
	code = run(context.Background(), argv, strings.NewReader(stdin), &out, &errb, func(k string) string { return all[k] })
	return code, out.String(), errb.String()
}

// repoRoot is the checkout's top folder, seen from this package's folder
// (where go test runs its tests): the installers and scripts live there.
const repoRoot = "../.."
