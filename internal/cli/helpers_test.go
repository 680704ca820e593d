package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// runInProcess runs nxcred's run with args (split on spaces) and stdin, in a
// fresh hermetic environment (testenv.New) with env layered on top: the
// environment is exactly that map, nothing of the test process's own. An env
// that is itself a whole testenv.Env replaces the fresh one.
func runInProcess(t *testing.T, args string, env map[string]string, stdin string) (code int, stdout, stderr string) {
	t.Helper()
	all := testenv.New(t).With(env)
	var out, errb bytes.Buffer
	argv := append([]string{"nxcred"}, strings.Fields(args)...)
	code = run(context.Background(), argv, strings.NewReader(stdin), &out, &errb, all.Getenv)
	return code, out.String(), errb.String()
}

// repoRoot is the checkout's top folder, seen from this package's folder
// (where go test runs its tests): the installers and scripts live there.
const repoRoot = "../.."
