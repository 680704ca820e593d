package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// TestNoDBusDaemonLeak proves that nxcred, run with DBUS_SESSION_BUS_ADDRESS
// unset on a machine with dbus-launch, leaves no dbus-daemon behind (the
// keyring library's D-Bus client would run dbus-launch, whose daemon outlives
// the process). A control run with internal/busenv switched off shows
// that the leak is real here and that this test sees it.
func TestNoDBusDaemonLeak(t *testing.T) {
	if _, err := exec.LookPath("dbus-launch"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("dbus-launch is missing; .ci/run installs dbus-x11 so that this test runs in CI")
		}
		t.Skip("dbus-launch not installed (apt-get install dbus-x11)")
	}
	bin, err := exec.LookPath("nxcred")
	if err != nil {
		t.Fatal(err)
	}
	// No DBUS_SESSION_BUS_ADDRESS and no XDG_RUNTIME_DIR: the case that
	// makes godbus run dbus-launch.
	hermetic := testenv.New(t).Without("DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR")
	home := hermetic["HOME"]
	env := append(hermetic.List(), "PATH="+os.Getenv("PATH"))
	runNxcred := func(extra ...string) {
		t.Helper()
		cmd := exec.Command(bin, "version")
		cmd.Env = append(slices.Clip(env), extra...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("nxcred version: %v\n%s", err, out)
		}
	}

	before := dbusDaemons(t, home)
	for range 3 {
		runNxcred()
	}
	if leaked := newPIDs(before, dbusDaemons(t, home)); len(leaked) > 0 {
		killAll(leaked)
		t.Fatalf("3 runs of nxcred left %d dbus-daemon processes behind, want 0", len(leaked))
	}

	runNxcred("NXCRED_TEST_BUSENV_OFF=1")
	leaked := newPIDs(before, dbusDaemons(t, home))
	killAll(leaked)
	if len(leaked) == 0 {
		t.Fatal("control run without busenv left no dbus-daemon: this test cannot see the leak it guards against")
	}
}

// dbusDaemons lists the pids of running dbus-daemon processes started with
// HOME=home: the ones nxcred's runs here started, not those of other tests
// or users on a shared machine.
func dbusDaemons(t *testing.T, home string) []int {
	t.Helper()
	comms, err := filepath.Glob("/proc/[0-9]*/comm")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, c := range comms {
		b, err := os.ReadFile(c)
		if err != nil || strings.TrimSpace(string(b)) != "dbus-daemon" {
			continue
		}
		env, err := os.ReadFile(filepath.Join(filepath.Dir(c), "environ"))
		if err != nil || !slices.Contains(strings.Split(string(env), "\x00"), "HOME="+home) {
			continue
		}
		var pid int
		for _, r := range filepath.Base(filepath.Dir(c)) {
			pid = pid*10 + int(r-'0')
		}
		pids = append(pids, pid)
	}
	return pids
}

func newPIDs(before, after []int) []int {
	var out []int
	for _, p := range after {
		if !slices.Contains(before, p) {
			out = append(out, p)
		}
	}
	return out
}

func killAll(pids []int) {
	for _, p := range pids {
		syscall.Kill(p, syscall.SIGTERM)
	}
}
