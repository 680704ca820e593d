package cli

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nxcred/nxcred/internal/testenv"
	"github.com/nxcred/nxcred/internal/wine"
)

var update = flag.Bool("update", false, "rewrite the cmp golden sections of testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"nxcred":                   testMain,
		"git-credential-nxcred":    testMain,
		"docker-credential-nxcred": testMain,
	})
}

// testOnlyNow names the variable a script or process test sets to fix the
// clock of the nxcred calls it runs: env TESTONLY_NOW=2031-05-06T07:08:09Z.
// Only this test binary reads it; nxcred itself never does, so no user
// setting changes the clock.
const testOnlyNow = "TESTONLY_NOW"

// testOnlyClockRate names the variable that makes the clock of a
// long-running nxcred (serve, exec --serve) run RATE times faster than the
// wall clock from its start, so that a script sees several 15-minute token
// lifetimes in seconds. Only this test binary reads it.
const testOnlyClockRate = "TESTONLY_CLOCK_RATE"

// testMain is nxcred as the scripts run it: main, on the clock TESTONLY_NOW
// fixes, if set, or TESTONLY_CLOCK_RATE speeds up. A script then says how
// old a cached token is instead of sleeping and hoping the machine keeps up.
func testMain() {
	if v := os.Getenv(testOnlyNow); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s=%q: %v\n", testOnlyNow, v, err)
			os.Exit(2)
		}
		clock = func() time.Time { return t }
	}
	if v := os.Getenv(testOnlyClockRate); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil || rate < 1 {
			fmt.Fprintf(os.Stderr, "%s=%q: want a rate of at least 1\n", testOnlyClockRate, v)
			os.Exit(2)
		}
		start := time.Now()
		clock = func() time.Time { return start.Add(time.Duration(float64(time.Since(start)) * rate)) }
	}
	os.Exit(Main(""))
}

// TestScripts runs testdata/script/*.txtar: the real binary against the fake
// Nexthink endpoint (auth/authtest) over TLS.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup:               setupScript,
		Cmds:                scriptCommands,
		Condition:           scriptCondition,
	})
}

// scriptCondition answers [wine] (this Windows binary runs under Wine) and
// [client:NAME]: whether the real client NAME (kubectl, git, go) is on PATH.
// In CI, where the machine image has them, a missing one fails the script
// instead of skipping it: the scripts that drive the real clients must run
// there. The Windows lane's Wine root has none (see wineSkips).
func scriptCondition(cond string) (bool, error) {
	if cond == "wine" {
		return wine.Running(), nil
	}
	name, ok := strings.CutPrefix(cond, "client:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err == nil {
		return true, nil
	}
	if os.Getenv("CI") != "" && !wine.Running() {
		return false, fmt.Errorf("%s is not on PATH, and CI must run the scripts that use it", name)
	}
	return false, nil
}

// setupScript pins every folder nxcred could write to under $WORK and gives
// the keyring library a bus address it cannot dial, so no script touches the
// machine's real home, keyring or D-Bus, and none starts a bus daemon
// through dbus-launch that would outlive it.
func setupScript(e *testscript.Env) error {
	skipUnderWine(e)
	env := testenv.Layout(filepath.Join(e.WorkDir, "home"), filepath.Join(e.WorkDir, "run"))
	env.Apply(e.Setenv)
	if err := env.MkdirAll(); err != nil {
		return err
	}
	e.Values[serverKey{}] = &scriptServer{}
	e.Values[apiServerKey{}] = &scriptAPIServer{}
	e.Values[proxyKey{}] = &scriptProxy{}
	e.Values[nxapiKey{}] = &scriptNxAPI{}
	return nil
}
