package cli

import (
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/testenv"
	"github.com/nxcred/nxcred/internal/testenv/keyringd"
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

	before := dbusDaemons(home)
	for range 3 {
		runNxcred()
	}
	if leaked := newProcs(before, dbusDaemons(home)); len(leaked) > 0 {
		killAll(leaked)
		t.Fatalf("3 runs of nxcred left %d dbus-daemon processes behind, want 0", len(leaked))
	}

	runNxcred("NXCRED_TEST_BUSENV_OFF=1")
	leaked := newProcs(before, dbusDaemons(home))
	killAll(leaked)
	if len(leaked) == 0 {
		t.Fatal("control run without busenv left no dbus-daemon: this test cannot see the leak it guards against")
	}
}

// dbusDaemons lists the running dbus-daemon processes started with
// HOME=home: the ones nxcred's runs here started, not those of other tests
// or users on a shared machine.
func dbusDaemons(home string) []keyringd.Proc {
	return keyringd.Named(keyringd.Procs("HOME", home), "dbus-daemon")
}

// newProcs is the processes of after not in before.
func newProcs(before, after []keyringd.Proc) []keyringd.Proc {
	var out []keyringd.Proc
	for _, p := range after {
		if !slices.ContainsFunc(before, func(b keyringd.Proc) bool { return b.PID == p.PID }) {
			out = append(out, p)
		}
	}
	return out
}

// killAll stops the leaked daemons.
func killAll(ps []keyringd.Proc) {
	keyringd.StopProcs(ps, syscall.SIGTERM, 3*time.Second)
}
