//go:build linux

package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestKeyringScripts runs testdata/keyring/*.txtar: nxcred against the real
// Linux keyrings (the Secret Service of gnome-keyring, keyctl, pass, file)
// and the errors of the backends that cannot run here. Every Secret Service
// script starts its own session bus and gnome-keyring (keyringd start), so
// plain `go test` needs no wrapper. A script whose programs are missing
// skips, except with CI set, where it fails: CI installs them (.ci/run).
func TestKeyringScripts(t *testing.T) {
	work := &workDirs{dirs: map[string]bool{}}
	// A cleanup, not code after Run: the scripts are parallel subtests,
	// which run only once this function has returned.
	t.Cleanup(func() { work.check(t) })
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
			work.add(e.WorkDir)
			// Registered first, so it runs after the script's own
			// cleanups (keyringd, gnupghome) have stopped their daemons.
			e.Defer(func() { work.reap(e.WorkDir) })
			// The kernel's user keyring is shared by every process of the
			// uid and outlives the test: keyctl scripts name their
			// profiles with this.
			var b [4]byte
			rand.Read(b[:])
			e.Setenv("UNIQUE", hex.EncodeToString(b[:]))
			e.Values[keyringdKey{}] = &keyringd{}
			e.Values[stopwatchKey{}] = &stopwatch{}
			return nil
		},
		Condition: keyringCondition,
		Cmds:      cmds,
	})
}

var keyringCommands = map[string]func(*testscript.TestScript, bool, []string){
	"keyringd":  cmdKeyringd,
	"procs":     cmdProcs,
	"elapsed":   cmdElapsed,
	"gnupghome": cmdGnupgHome,
	"userkey":   cmdUserKey,
}

// ciPackages is what .ci/run installs for these scripts.
const ciPackages = "dbus-x11 gnome-keyring libsecret-tools pass gnupg keyutils"

// keyringConds are the script conditions: nil when the programs a backend
// needs are there and work.
var keyringConds = map[string]func() error{
	"secretservice": func() error {
		return lookPaths("dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool")
	},
	"keyctl": func() error {
		if err := lookPaths("keyctl"); err != nil {
			return err
		}
		// Container seccomp profiles (Docker's default) block the keyctl
		// system calls; the program being there is not enough.
		if out, err := exec.Command("keyctl", "show", "@u").CombinedOutput(); err != nil {
			return fmt.Errorf("keyctl show @u: %v: %s", err, bytes.TrimSpace(out))
		}
		return nil
	},
	"pass": func() error { return lookPaths("pass", "gpg", "gpgconf") },
}

var condResults sync.Map // condition name → func() error (a sync.OnceValue)

// keyringCondition answers [secretservice], [keyctl] and [pass]. A missing
// program makes the condition false, so the script skips; with CI set it is
// an error instead, which fails the script: CI must run them all.
func keyringCondition(cond string) (bool, error) {
	check, ok := keyringConds[cond]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	once, _ := condResults.LoadOrStore(cond, sync.OnceValue(check))
	err := once.(func() error)()
	if err == nil {
		return true, nil
	}
	if os.Getenv("CI") != "" {
		return false, fmt.Errorf("[%s] is false in CI: %v (.ci/run installs %s)", cond, err, ciPackages)
	}
	return false, nil
}

func lookPaths(progs ...string) error {
	var missing []string
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not on PATH: %s", strings.Join(missing, ", "))
	}
	return nil
}
