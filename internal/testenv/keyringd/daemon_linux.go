package keyringd

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Password unlocks the scripts' login keyrings.
const Password = "keyring-test-pw"

// DaemonEnv is the environment for the programs a command starts itself:
// the script's folders and WORK, which marks every process the script
// starts, directly or not (the Reaper finds them by it). No DISPLAY: an
// unlock prompt finds no screen and is dismissed, as on a headless server.
func DaemonEnv(ts *testscript.TestScript) []string {
	env := []string{"LC_ALL=C"}
	for _, k := range []string{"PATH", "WORK", "HOME", "TMPDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "GNUPGHOME", "DBUS_SESSION_BUS_ADDRESS"} {
		if v := ts.Getenv(k); v != "" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Daemon is one script's Secret Service: a private session bus and the
// gnome-keyring-daemon on it, with a login keyring under the script's HOME.
// The zero Daemon is ready to Start.
type Daemon struct {
	bus     *exec.Cmd
	busExit chan error
	env     []string
	log     string
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

// Start starts the session bus at $XDG_RUNTIME_DIR/bus (where a systemd
// user session has it) and sets DBUS_SESSION_BUS_ADDRESS in the script;
// noServices gives a bus that D-Bus-activates nothing. The script's end
// stops the bus and every gnome-keyring-daemon of the script.
func (kd *Daemon) Start(ts *testscript.TestScript, noServices bool) {
	if kd.bus != nil {
		ts.Fatalf("keyringd: already started")
	}
	kd.log = ts.MkAbs("keyringd.log")
	logf, err := os.OpenFile(kd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	ts.Check(err)
	defer logf.Close()
	kd.env = DaemonEnv(ts)
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
	ts.Defer(kd.Stop)
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
	case <-time.After(30 * time.Second):
		ts.Fatalf("dbus-daemon printed no address within 30s\n%s", kd.readLog())
	}
}

// GnomeKeyring runs gnome-keyring-daemon with args on the bus Start
// started, then waits (at most 30 s, a bound against a hang only) until the
// login collection is unlocked (args hold --unlock, with Password) or
// locked. gnome-keyring-daemon forks the daemon and exits once the daemon
// is up, so its exit status is the start's; its output goes to a file,
// since the daemon inherits it and a pipe would stay open.
func (kd *Daemon) GnomeKeyring(ts *testscript.TestScript, args ...string) {
	if kd.bus == nil {
		ts.Fatalf("keyringd start first")
	}
	unlock := slices.Contains(args, "--unlock")
	logf, err := os.OpenFile(kd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	ts.Check(err)
	defer logf.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args = append(args, "--components=secrets")
	cmd := exec.CommandContext(ctx, "gnome-keyring-daemon", args...)
	cmd.Env = kd.env
	cmd.Dir = ts.Getenv("WORK")
	cmd.Stdout, cmd.Stderr = logf, logf
	if unlock {
		// --unlock reads the password from stdin, without a newline.
		cmd.Stdin = strings.NewReader(Password)
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
// for at most 30 s.
func (kd *Daemon) waitLocked(ts *testscript.TestScript, want bool) {
	wantText := "boolean " + strconv.FormatBool(want)
	deadline := time.Now().Add(30 * time.Second)
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
			ts.Fatalf("the login collection's Locked is not %v after 30s: %v %s\n%s", want, err, bytes.TrimSpace(out), kd.readLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop ends the bus, then every gnome-keyring-daemon of the script: the one
// started here, one it replaced, one D-Bus activated. Start has the
// script's end call it.
func (kd *Daemon) Stop() {
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
	var daemons []Proc
	for _, p := range ProcsWithWork(envValue(kd.env, "WORK")) {
		if p.Comm == "gnome-keyring-d" || p.Comm == "gcr-prompter" {
			daemons = append(daemons, p)
		}
	}
	StopProcs(daemons, syscall.SIGTERM, 3*time.Second)
}

func (kd *Daemon) readLog() string {
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
