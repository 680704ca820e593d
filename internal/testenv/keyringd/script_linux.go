package keyringd

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Commands are the keyring scripts' commands: keyringd, procs, elapsed,
// gnupghome and userkey. Setup readies a script for them.
var Commands = map[string]func(*testscript.TestScript, bool, []string){
	"keyringd":  CmdKeyringd,
	"procs":     CmdProcs,
	"elapsed":   CmdElapsed,
	"gnupghome": CmdGnupgHome,
	"userkey":   CmdUserKey,
}

type daemonKey struct{}

type stopwatchKey struct{}

type stopwatch struct{ start time.Time }

// Setup readies a script for Commands, after the hermetic environment is
// set: r reaps what the script leaves running once its own cleanups have
// run, and UNIQUE names what outlives the script (the kernel's user
// keyring is shared by every process of the uid and outlives the test:
// keyctl scripts name their profiles with it).
func Setup(e *testscript.Env, r *Reaper) {
	r.Add(e.WorkDir)
	// Registered first, so it runs after the script's own cleanups
	// (keyringd, gnupghome) have stopped their daemons.
	e.Defer(func() { r.Reap(e.WorkDir) })
	var b [4]byte
	rand.Read(b[:])
	e.Setenv("UNIQUE", hex.EncodeToString(b[:]))
	e.Values[daemonKey{}] = &Daemon{}
	e.Values[stopwatchKey{}] = &stopwatch{}
}

// CmdKeyringd drives the script's Secret Service:
//
//	keyringd start           session bus at $XDG_RUNTIME_DIR/bus (where a systemd user session has it), DBUS_SESSION_BUS_ADDRESS set, login keyring unlocked
//	keyringd start locked    the same with the login keyring locked (created, then the daemon restarted without --unlock)
//	keyringd lock            restart gnome-keyring-daemon without --unlock: the login keyring is locked
//	keyringd unlock          restart it with --unlock and the password
//	keyringd bus             the session bus alone: the first client D-Bus-activates gnome-keyring, which has no login keyring
//	keyringd bus noservices  a session bus that activates nothing: no Secret Service at all
//
// Those that start gnome-keyring wait (at most 30 s, a bound against a
// hang only) until the login collection reports the state asked for, so a
// script never tests the wrong state. Everything is stopped at the end of the script.
func CmdKeyringd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! keyringd")
	}
	kd := ts.Value(daemonKey{}).(*Daemon)
	switch strings.Join(args, " ") {
	case "start":
		kd.Start(ts, false)
		kd.GnomeKeyring(ts, "--unlock")
	case "start locked":
		kd.Start(ts, false)
		// --unlock creates login.keyring; a daemon started without it
		// finds that keyring locked, as after a reboot with no desktop
		// login.
		kd.GnomeKeyring(ts, "--unlock")
		kd.GnomeKeyring(ts, "--replace")
	case "lock":
		kd.GnomeKeyring(ts, "--replace")
	case "unlock":
		kd.GnomeKeyring(ts, "--replace", "--unlock")
	case "bus":
		kd.Start(ts, false)
	case "bus noservices":
		kd.Start(ts, true)
	default:
		ts.Fatalf("usage: keyringd start [locked] | lock | unlock | bus [noservices]")
	}
}

// CmdProcs counts or stops the live processes with a given name that this
// script started, directly or not (they carry its WORK):
//
//	procs count NAME N    exactly N such processes run
//	procs kill NAME       stop them
func CmdProcs(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! procs")
	}
	op, name := arg(ts, args, 0), arg(ts, args, 1)
	named := Named(ProcsWithWork(ts.Getenv("WORK")), name)
	switch op {
	case "count":
		want, err := strconv.Atoi(arg(ts, args, 2))
		ts.Check(err)
		if len(named) != want {
			ts.Fatalf("%d %s processes started by this script, want %d: %v", len(named), name, want, named)
		}
	case "kill":
		if left := StopProcs(named, syscall.SIGTERM, 3*time.Second); len(left) > 0 {
			ts.Fatalf("still running after SIGTERM and SIGKILL: %v", left)
		}
	default:
		ts.Fatalf("usage: procs count NAME N | procs kill NAME")
	}
}

// CmdElapsed bounds how long commands take:
//
//	elapsed start         start the clock
//	elapsed below 10s     fail if more time has passed since
//
// A bound is the time a bug would take (a wait for the 10 s keyring
// timeout), never a guess at how fast a loaded machine runs.
func CmdElapsed(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! elapsed")
	}
	sw := ts.Value(stopwatchKey{}).(*stopwatch)
	switch arg(ts, args, 0) {
	case "start":
		sw.start = time.Now()
	case "below":
		if sw.start.IsZero() {
			ts.Fatalf("elapsed start first")
		}
		limit, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		took := time.Since(sw.start)
		if took >= limit {
			ts.Fatalf("took %s, want below %s", took.Round(time.Millisecond), limit)
		}
		ts.Logf("elapsed: %s (limit %s)", took.Round(time.Millisecond), limit)
	default:
		ts.Fatalf("usage: elapsed start | elapsed below DURATION")
	}
}

// CmdGnupgHome makes DIR a throwaway GnuPG home (mode 0700, GNUPGHOME set)
// and stops its agents at the end of the script: gnupghome DIR.
func CmdGnupgHome(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! gnupghome")
	}
	dir := ts.MkAbs(arg(ts, args, 0))
	ts.Check(os.MkdirAll(dir, 0o700))
	ts.Setenv("GNUPGHOME", dir)
	env := DaemonEnv(ts)
	ts.Defer(func() {
		// A bound against a hang only: agents left running fail the script.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "gpgconf", "--kill", "all")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			ts.Logf("gpgconf --kill all: %v: %s", err, out)
		}
	})
}

// CmdUserKey: "userkey cleanup DESC" removes the user key DESC from the
// kernel's user keyring at the end of the script if it is still there,
// even when the script failed before its logout.
func CmdUserKey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || args[0] != "cleanup" {
		ts.Fatalf("usage: userkey cleanup DESCRIPTION")
	}
	desc := args[1]
	ts.Defer(func() {
		out, err := exec.Command("keyctl", "search", "@u", "user", desc).Output()
		if err != nil {
			return // not there: the script's logout removed it
		}
		id := strings.TrimSpace(string(out))
		if out, err := exec.Command("keyctl", "invalidate", id).CombinedOutput(); err != nil {
			ts.Logf("keyctl invalidate %s (%s): %v: %s", id, desc, err, out)
		}
	})
}

// arg is args[i], failing the script when it is missing.
func arg(ts *testscript.TestScript, args []string, i int) string {
	if i >= len(args) {
		ts.Fatalf("missing argument %d", i+1)
	}
	return args[i]
}

// CIPackages is what .ci/run installs for the keyring scripts.
const CIPackages = "dbus-x11 gnome-keyring libsecret-tools pass gnupg keyutils"

// conds are the script conditions: nil when the programs a backend
// needs are there and work.
var conds = map[string]func() error{
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

// Condition answers [secretservice], [keyctl] and [pass]. A missing
// program makes the condition false, so the script skips; with CI set it is
// an error instead, which fails the script: CI must run them all.
func Condition(cond string) (bool, error) {
	check, ok := conds[cond]
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	once, _ := condResults.LoadOrStore(cond, sync.OnceValue(check))
	err := once.(func() error)()
	if err == nil {
		return true, nil
	}
	if os.Getenv("CI") != "" {
		return false, fmt.Errorf("[%s] is false in CI: %v (.ci/run installs %s)", cond, err, CIPackages)
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
