//go:build linux

package cli

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// cmdProcs counts or stops the live processes with a given name that this
// script started, directly or not (they carry its WORK):
//
//	procs count NAME N    exactly N such processes run
//	procs kill NAME       stop them
func cmdProcs(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! procs")
	}
	op, name := arg(ts, args, 0), arg(ts, args, 1)
	var named []proc
	for _, p := range procsWithWork(ts.Getenv("WORK")) {
		if p.comm == name {
			named = append(named, p)
		}
	}
	switch op {
	case "count":
		if want := atoi(ts, args, 2); len(named) != want {
			ts.Fatalf("%d %s processes started by this script, want %d: %v", len(named), name, want, named)
		}
	case "kill":
		if left := stopProcs(named, syscall.SIGTERM, 3*time.Second); len(left) > 0 {
			ts.Fatalf("still running after SIGTERM and SIGKILL: %v", left)
		}
	default:
		ts.Fatalf("usage: procs count NAME N | procs kill NAME")
	}
}

type stopwatchKey struct{}

type stopwatch struct{ start time.Time }

// cmdElapsed bounds how long commands take:
//
//	elapsed start         start the clock
//	elapsed below 10s     fail if more time has passed since
//
// A bound is the time a bug would take (a wait for the 10 s keyring
// timeout), never a guess at how fast a loaded machine runs.
func cmdElapsed(ts *testscript.TestScript, neg bool, args []string) {
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

// cmdGnupgHome makes DIR a throwaway GnuPG home (mode 0700, GNUPGHOME set)
// and stops its agents at the end of the script: gnupghome DIR.
func cmdGnupgHome(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! gnupghome")
	}
	dir := ts.MkAbs(arg(ts, args, 0))
	ts.Check(os.MkdirAll(dir, 0o700))
	ts.Setenv("GNUPGHOME", dir)
	env := daemonEnv(ts)
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

// cmdUserKey: "userkey cleanup DESC" removes the user key DESC from the
// kernel's user keyring at the end of the script if it is still there,
// even when the script failed before its logout.
func cmdUserKey(ts *testscript.TestScript, neg bool, args []string) {
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

// proc is a running process.
type proc struct {
	pid  int
	comm string
	args string
}

func (p proc) String() string { return fmt.Sprintf("%d %s", p.pid, p.args) }

// procsWithWork lists the live processes (not zombies) whose environment
// has WORK set to one of dirs. Reading another process's environment needs
// the same uid or root, which is what the scripts' processes have.
func procsWithWork(dirs ...string) []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []proc
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		dir := "/proc/" + e.Name()
		env, err := os.ReadFile(dir + "/environ")
		if err != nil || len(env) == 0 {
			continue
		}
		var work string
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if w, ok := bytes.CutPrefix(kv, []byte("WORK=")); ok {
				work = string(w)
				break
			}
		}
		if work == "" || !slices.Contains(dirs, work) || !alive(pid) {
			continue
		}
		comm, _ := os.ReadFile(dir + "/comm")
		cmdline, _ := os.ReadFile(dir + "/cmdline")
		out = append(out, proc{
			pid:  pid,
			comm: strings.TrimSpace(string(comm)),
			args: strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")),
		})
	}
	return out
}

// alive reports whether pid runs: it exists and is no zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// stopProcs sends sig to ps, waits up to grace for them to exit, then kills
// the rest. It returns those that still run after SIGKILL: a process slow
// to exit on a loaded machine is not one that cannot be stopped.
func stopProcs(ps []proc, sig syscall.Signal, grace time.Duration) []proc {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		syscall.Kill(p.pid, sig)
	}
	left := waitExit(ps, grace)
	for _, p := range left {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	return waitExit(left, 10*time.Second)
}

// waitExit waits up to d for ps to exit and returns those still running.
func waitExit(ps []proc, d time.Duration) []proc {
	deadline := time.Now().Add(d)
	for {
		var left []proc
		for _, p := range ps {
			if alive(p.pid) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// workDirs are the $WORK of every script. Everything a script starts
// carries WORK in its environment, daemons that fork away or that D-Bus
// activates included, so a process still carrying it after the script's
// cleanups is one the script leaked.
type workDirs struct {
	mu        sync.Mutex
	dirs      map[string]bool
	survivors []string
}

func (w *workDirs) add(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirs[dir] = true
}

// reap runs at the end of a script, after its own cleanups: it gives
// exiting processes time (10 s, spent only when one is left: a leaked
// daemon never exits, one slowed by a loaded machine does), then kills and
// records what is left.
func (w *workDirs) reap(dir string) {
	left := waitExit(procsWithWork(dir), 10*time.Second)
	if len(left) == 0 {
		return
	}
	for _, p := range left {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	waitExit(left, time.Second)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range left {
		w.survivors = append(w.survivors, fmt.Sprintf("%s (comm %s, WORK=%s)", p, p.comm, dir))
	}
}

// check fails the test if a script left a process running (gnome-keyring-
// daemon, dbus-daemon, gpg-agent or anything else it started).
func (w *workDirs) check(t *testing.T) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.survivors {
		t.Errorf("left running after its script ended (killed): %s", s)
	}
	dirs := slices.Collect(maps.Keys(w.dirs))
	if left := procsWithWork(dirs...); len(left) > 0 {
		stopProcs(left, syscall.SIGKILL, time.Second)
		t.Errorf("still running after all scripts ended (killed): %v", left)
	}
}
