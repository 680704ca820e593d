package cli

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// TestFuzzScriptTempFolder: scripts/fuzz.sh keeps the log of each fuzz run
// in a folder of its own under TMPDIR and removes it at exit, so two users
// or two runs never write one file in /tmp. A stand-in go command makes the
// one fuzz target fail at once with a marker the log must carry.
func TestFuzzScriptTempFolder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("scripts/fuzz.sh is a bash script")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash on PATH")
	}
	b := make([]byte, 8)
	rand.Read(b)
	marker := "fuzz-failure-" + hex.EncodeToString(b)
	bin := t.TempDir()
	fakeGo := `#!/bin/sh
case "$*" in
  "list ./...") echo example.com/pkg ;;
  "test -list ^Fuzz example.com/pkg") echo FuzzThing ;;
  *) echo ` + marker + `; exit 1 ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(fakeGo), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cmd := exec.Command(bash, "scripts/fuzz.sh")
	cmd.Dir = repoRoot
	cmd.Env = append(testenv.New(t).List(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("fuzz.sh with a failing target: %v, want exit 1\n%s", err, out)
	}
	if !strings.Contains(string(out), marker) {
		t.Errorf("fuzz.sh output lacks the failing run's log (%s):\n%s", marker, out)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("TMPDIR after fuzz.sh holds %d entries, want none: its folder removed at exit", len(left))
	}
	if data, err := os.ReadFile("/tmp/nxcred-fuzz.log"); err == nil && strings.Contains(string(data), marker) {
		t.Errorf("fuzz.sh wrote its log to the shared /tmp/nxcred-fuzz.log, want a folder of its own")
	}
}
