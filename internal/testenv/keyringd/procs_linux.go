package keyringd

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Proc is a running process.
type Proc struct {
	PID  int
	Comm string // the kernel's name of the program (15 bytes at most)
	Args string // its command line, space-separated
}

func (p Proc) String() string { return fmt.Sprintf("%d %s", p.PID, p.Args) }

// Procs lists the live processes (not zombies) whose environment has key
// set to one of values. Reading another process's environment needs the
// same uid or root, which is what a test's processes have.
func Procs(key string, values ...string) []Proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	prefix := []byte(key + "=")
	var out []Proc
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
		var value string
		for kv := range bytes.SplitSeq(env, []byte{0}) {
			if v, ok := bytes.CutPrefix(kv, prefix); ok {
				value = string(v)
				break
			}
		}
		if value == "" || !slices.Contains(values, value) || !Alive(pid) {
			continue
		}
		comm, _ := os.ReadFile(dir + "/comm")
		cmdline, _ := os.ReadFile(dir + "/cmdline")
		out = append(out, Proc{
			PID:  pid,
			Comm: strings.TrimSpace(string(comm)),
			Args: strings.TrimSpace(strings.ReplaceAll(string(cmdline), "\x00", " ")),
		})
	}
	return out
}

// ProcsWithWork lists the live processes whose environment has WORK set to
// one of dirs: everything the scripts with those $WORK started, directly
// or not.
func ProcsWithWork(dirs ...string) []Proc { return Procs("WORK", dirs...) }

// Named is the processes of ps whose Comm is comm.
func Named(ps []Proc, comm string) []Proc {
	var out []Proc
	for _, p := range ps {
		if p.Comm == comm {
			out = append(out, p)
		}
	}
	return out
}

// Alive reports whether pid runs: it exists and is no zombie.
func Alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// StopProcs sends sig to ps, waits up to grace for them to exit, then kills
// the rest. It returns those that still run after SIGKILL: a process slow
// to exit on a loaded machine is not one that cannot be stopped.
func StopProcs(ps []Proc, sig syscall.Signal, grace time.Duration) []Proc {
	if len(ps) == 0 {
		return nil
	}
	for _, p := range ps {
		syscall.Kill(p.PID, sig)
	}
	left := WaitExit(ps, grace)
	for _, p := range left {
		syscall.Kill(p.PID, syscall.SIGKILL)
	}
	return WaitExit(left, 10*time.Second)
}

// WaitExit waits up to d for ps to exit and returns those still running.
func WaitExit(ps []Proc, d time.Duration) []Proc {
	deadline := time.Now().Add(d)
	for {
		var left []Proc
		for _, p := range ps {
			if Alive(p.PID) {
				left = append(left, p)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Reaper keeps the $WORK of every script of one test. Everything a script
// starts carries WORK in its environment, daemons that fork away or that
// D-Bus activates included, so a process still carrying it after the
// script's cleanups is one the script leaked.
type Reaper struct {
	mu        sync.Mutex
	dirs      map[string]bool
	survivors []string
}

// NewReaper is a Reaper with no scripts yet.
func NewReaper() *Reaper { return &Reaper{dirs: map[string]bool{}} }

// Add records the $WORK of a script.
func (w *Reaper) Add(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.dirs[dir] = true
}

// Reap runs at the end of a script, after its own cleanups: it gives
// exiting processes time (10 s, spent only when one is left: a leaked
// daemon never exits, one slowed by a loaded machine does), then kills and
// records what is left.
func (w *Reaper) Reap(dir string) {
	left := WaitExit(ProcsWithWork(dir), 10*time.Second)
	if len(left) == 0 {
		return
	}
	for _, p := range left {
		syscall.Kill(p.PID, syscall.SIGKILL)
	}
	WaitExit(left, time.Second)
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range left {
		w.survivors = append(w.survivors, fmt.Sprintf("%s (comm %s, WORK=%s)", p, p.Comm, dir))
	}
}

// Check fails the test if a script left a process running (gnome-keyring-
// daemon, dbus-daemon, gpg-agent or anything else it started).
func (w *Reaper) Check(t testing.TB) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, s := range w.survivors {
		t.Errorf("left running after its script ended (killed): %s", s)
	}
	dirs := slices.Collect(maps.Keys(w.dirs))
	if left := ProcsWithWork(dirs...); len(left) > 0 {
		StopProcs(left, syscall.SIGKILL, time.Second)
		t.Errorf("still running after all scripts ended (killed): %v", left)
	}
}
