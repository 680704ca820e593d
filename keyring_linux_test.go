//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

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

// daemonEnv is the environment for the programs a command starts itself:
// the script's folders and WORK, which marks every process the script
// starts, directly or not (reap finds them by it). No DISPLAY: an unlock
// prompt finds no screen and is dismissed, as on a headless server.
func daemonEnv(ts *testscript.TestScript) []string {
	env := []string{"LC_ALL=C"}
	for _, k := range []string{"PATH", "WORK", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "GNUPGHOME", "DBUS_SESSION_BUS_ADDRESS"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

type keyringdKey struct{}

// keyringd is one script's Secret Service: a private session bus and the
// gnome-keyring-daemon on it, with a login keyring under the script's HOME.
type keyringd struct {
	bus     *exec.Cmd
	busExit chan error
	env     []string
	log     string
}

// keyringPassword unlocks the scripts' login keyrings.
const keyringPassword = "keyring-test-pw"

// cmdKeyringd drives the script's Secret Service:
//
//	keyringd start           session bus at $XDG_RUNTIME_DIR/bus (where a systemd user session has it), DBUS_SESSION_BUS_ADDRESS set, login keyring unlocked
//	keyringd start locked    the same with the login keyring locked (created, then the daemon restarted without --unlock)
//	keyringd lock            restart gnome-keyring-daemon without --unlock: the login keyring is locked
//	keyringd unlock          restart it with --unlock and the password
//	keyringd bus             the session bus alone: the first client D-Bus-activates gnome-keyring, which has no login keyring
//	keyringd bus noservices  a session bus that activates nothing: no Secret Service at all
//
// Those that start gnome-keyring wait (at most 5 s) until the login
// collection reports the state asked for, so a script never tests the wrong
// state. Everything is stopped at the end of the script.
func cmdKeyringd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! keyringd")
	}
	kd := ts.Value(keyringdKey{}).(*keyringd)
	switch strings.Join(args, " ") {
	case "start":
		kd.start(ts, false)
		kd.gnomeKeyring(ts, "--unlock")
	case "start locked":
		kd.start(ts, false)
		// --unlock creates login.keyring; a daemon started without it
		// finds that keyring locked (LIBRARIES.md §1.6).
		kd.gnomeKeyring(ts, "--unlock")
		kd.gnomeKeyring(ts, "--replace")
	case "lock":
		kd.gnomeKeyring(ts, "--replace")
	case "unlock":
		kd.gnomeKeyring(ts, "--replace", "--unlock")
	case "bus":
		kd.start(ts, false)
	case "bus noservices":
		kd.start(ts, true)
	default:
		ts.Fatalf("usage: keyringd start [locked] | lock | unlock | bus [noservices]")
	}
}

// noServicesConfig is a session bus configuration without service
// folders: nothing can be D-Bus-activated on it. The listen address is
// replaced by --address.
const noServicesConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

func (kd *keyringd) start(ts *testscript.TestScript, noServices bool) {
	if kd.bus != nil {
		ts.Fatalf("keyringd: already started")
	}
	kd.log = ts.MkAbs("keyringd.log")
	logf, err := os.OpenFile(kd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	ts.Check(err)
	defer logf.Close()
	kd.env = daemonEnv(ts)
	sock := filepath.Join(ts.Getenv("XDG_RUNTIME_DIR"), "bus")
	// gnome-keyring's control socket is the longest path; a unix socket
	// path has at most 107 bytes on Linux.
	if control := filepath.Join(ts.Getenv("XDG_RUNTIME_DIR"), "keyring", "control"); len(control) > 107 {
		ts.Fatalf("socket path %s is too long for a unix socket; set GOTMPDIR to a shorter folder", control)
	}
	// --nofork keeps the bus a child of the test; its first line of
	// output is the address, printed once it listens.
	config := "--session"
	if noServices {
		path := ts.MkAbs("keyringd-noservices.conf")
		ts.Check(os.WriteFile(path, []byte(noServicesConfig), 0o600))
		config = "--config-file=" + path
	}
	cmd := exec.Command("dbus-daemon", config, "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+sock)
	cmd.Env = kd.env
	cmd.Dir = ts.Getenv("WORK")
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	ts.Check(err)
	ts.Check(cmd.Start())
	kd.bus, kd.busExit = cmd, make(chan error, 1)
	ts.Defer(kd.stop)
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(s)
		io.Copy(io.Discard, out)
		kd.busExit <- cmd.Wait()
	}()
	select {
	case addr := <-line:
		if !strings.HasPrefix(addr, "unix:path="+sock) {
			ts.Fatalf("dbus-daemon printed address %q, want unix:path=%s...\n%s", addr, sock, kd.readLog())
		}
		kd.env = append(kd.env, "DBUS_SESSION_BUS_ADDRESS="+addr)
		ts.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
		ts.Logf("keyringd: session bus at %s (pid %d)", addr, cmd.Process.Pid)
	case <-time.After(5 * time.Second):
		ts.Fatalf("dbus-daemon printed no address within 5s\n%s", kd.readLog())
	}
}

// gnomeKeyring runs gnome-keyring-daemon with args. It forks the daemon and
// exits once the daemon is up, so its exit status is the start's; its
// output goes to a file, since the daemon inherits it and a pipe would stay
// open.
func (kd *keyringd) gnomeKeyring(ts *testscript.TestScript, args ...string) {
	if kd.bus == nil {
		ts.Fatalf("keyringd start first")
	}
	unlock := slices.Contains(args, "--unlock")
	logf, err := os.OpenFile(kd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	ts.Check(err)
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	args = append(args, "--components=secrets")
	cmd := exec.CommandContext(ctx, "gnome-keyring-daemon", args...)
	cmd.Env = kd.env
	cmd.Dir = ts.Getenv("WORK")
	cmd.Stdout, cmd.Stderr = logf, logf
	if unlock {
		// --unlock reads the password from stdin, without a newline.
		cmd.Stdin = strings.NewReader(keyringPassword)
	}
	if err := cmd.Run(); err != nil {
		ts.Fatalf("gnome-keyring-daemon %s: %v\n%s", strings.Join(args, " "), err, kd.readLog())
	}
	kd.waitLocked(ts, !unlock)
	state := "unlocked"
	if !unlock {
		state = "locked"
	}
	ts.Logf("keyringd: gnome-keyring-daemon %s: login keyring %s", strings.Join(args, " "), state)
}

// waitLocked polls the login collection's Locked property until it is want,
// for at most 5 s.
func (kd *keyringd) waitLocked(ts *testscript.TestScript, want bool) {
	wantText := "boolean " + strconv.FormatBool(want)
	deadline := time.Now().Add(5 * time.Second)
	for {
		cmd := exec.Command("dbus-send", "--session", "--print-reply", "--reply-timeout=2000",
			"--dest=org.freedesktop.secrets", "/org/freedesktop/secrets/collection/login",
			"org.freedesktop.DBus.Properties.Get", "string:org.freedesktop.Secret.Collection", "string:Locked")
		cmd.Env = kd.env
		out, err := cmd.CombinedOutput()
		if err == nil && bytes.Contains(out, []byte(wantText)) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("the login collection's Locked is not %v after 5s: %v %s\n%s", want, err, bytes.TrimSpace(out), kd.readLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop ends the bus, then every gnome-keyring-daemon of the script: the one
// started here, one it replaced, one D-Bus activated.
func (kd *keyringd) stop() {
	kd.bus.Process.Signal(syscall.SIGTERM)
	select {
	case <-kd.busExit:
	case <-time.After(3 * time.Second):
		kd.bus.Process.Kill()
		select {
		case <-kd.busExit:
		case <-time.After(2 * time.Second):
		}
	}
	var daemons []proc
	for _, p := range procsWithWork(envValue(kd.env, "WORK")) {
		if p.comm == "gnome-keyring-d" || p.comm == "gcr-prompter" {
			daemons = append(daemons, p)
		}
	}
	stopProcs(daemons, syscall.SIGTERM, 3*time.Second)
}

func (kd *keyringd) readLog() string {
	b, _ := os.ReadFile(kd.log)
	return string(b)
}

func envValue(env []string, key string) string {
	for _, kv := range slices.Backward(env) {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

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
//	elapsed below 5s      fail if more time has passed since
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
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
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
// the rest. It returns those that were still running after the grace.
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
	waitExit(left, time.Second)
	return left
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
// exiting processes a moment, then kills and records what is left.
func (w *workDirs) reap(dir string) {
	left := waitExit(procsWithWork(dir), 2*time.Second)
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
