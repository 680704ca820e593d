//go:build linux

package cli

import (
	"maps"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nxcred/nxcred/internal/testenv/keyringd"
)

// TestKeyringScripts runs testdata/keyring/*.txtar: nxcred against the real
// Linux keyrings (the Secret Service of gnome-keyring, keyctl, pass, file)
// and the errors of the backends that cannot run here. Every Secret Service
// script starts its own session bus and gnome-keyring (keyringd start), so
// plain `go test` needs no wrapper. A script whose programs are missing
// skips, except with CI set, where it fails: CI installs them (.ci/run).
// The harness (the keyringd, procs, elapsed, gnupghome and userkey
// commands, the conditions, the reaping of what a script leaves running)
// is internal/testenv/keyringd.
func TestKeyringScripts(t *testing.T) {
	work := keyringd.NewReaper()
	// A cleanup, not code after Run: the scripts are parallel subtests,
	// which run only once this function has returned.
	t.Cleanup(func() { work.Check(t) })
	cmds := maps.Clone(scriptCommands)
	maps.Copy(cmds, keyringCommands)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/keyring",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(e *testscript.Env) error {
			if err := setupScript(e); err != nil {
				return err
			}
			keyringd.Setup(e, work)
			return nil
		},
		Condition: keyringCondition,
		Cmds:      cmds,
	})
}

// The harness's old names here, from before it moved to keyringd: tests
// written against them still build.
var (
	keyringCommands  = keyringd.Commands
	keyringCondition = keyringd.Condition
)
