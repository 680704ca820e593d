//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// secretService is a private session bus with an unlocked gnome-keyring
// login collection on it (docs/dependencies.md §1.6), started and stopped by bench.
type secretService struct {
	bus, daemon *exec.Cmd
	addr        string
}

// startSecretService sets up the Secret Service case when dbus-daemon and
// gnome-keyring-daemon are installed, and logs a profile in to it. Anything
// missing or failing skips the case with a note.
func (s *suite) startSecretService() {
	dbusDaemon, err1 := exec.LookPath("dbus-daemon")
	gkd, err2 := exec.LookPath("gnome-keyring-daemon")
	if err1 != nil || err2 != nil {
		s.ssNote = "secret-service case skipped: dbus-daemon or gnome-keyring-daemon is not installed (apt-get install gnome-keyring dbus-x11)"
		s.note("%s", s.ssNote)
		return
	}
	ss, env, err := s.startBus(dbusDaemon, gkd)
	if err != nil {
		if ss != nil {
			ss.stop()
		}
		s.ssNote = "secret-service case skipped: " + err.Error()
		s.note("%s", s.ssNote)
		return
	}
	s.ss, s.ssVars = ss, env
}

func (s *suite) startBus(dbusDaemon, gkd string) (*secretService, []string, error) {
	env, err := s.home("home-ss")
	if err != nil {
		return nil, nil, err
	}
	run := envValue(env, "XDG_RUNTIME_DIR")
	ss := &secretService{}
	ss.bus = exec.Command(dbusDaemon, "--session", "--nofork", "--nopidfile", "--print-address=1", "--address=unix:path="+filepath.Join(run, "bus"))
	ss.bus.Env = env
	ss.bus.Stderr = nil
	out, err := ss.bus.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := ss.bus.Start(); err != nil {
		return nil, nil, fmt.Errorf("dbus-daemon: %v", err)
	}
	addrc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addrc <- strings.TrimSpace(line)
	}()
	select {
	case ss.addr = <-addrc:
	case <-time.After(5 * time.Second):
	}
	if ss.addr == "" {
		return ss, nil, fmt.Errorf("dbus-daemon printed no address")
	}
	env = setEnv(env, "DBUS_SESSION_BUS_ADDRESS", ss.addr)

	ss.daemon = exec.Command(gkd, "--foreground", "--unlock", "--components=secrets")
	ss.daemon.Env = env
	ss.daemon.Stdin = strings.NewReader("bench-login-password")
	if err := ss.daemon.Start(); err != nil {
		return ss, nil, fmt.Errorf("gnome-keyring-daemon: %v", err)
	}
	env = append(env, "NXCRED_KEYRING_BACKEND=secret-service")
	// The daemon takes a moment to own org.freedesktop.secrets and create
	// the login collection; login fails until then.
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.login(env, "sskr")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return ss, nil, fmt.Errorf("login to the private gnome-keyring: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ss, env, nil
}

// stop ends the daemon, whatever the bus started on our behalf (D-Bus
// activation), and the bus, each by its process id.
func (ss *secretService) stop() {
	if ss.daemon != nil && ss.daemon.Process != nil {
		ss.daemon.Process.Signal(syscall.SIGTERM)
		waitOrKill(ss.daemon)
	}
	if ss.bus != nil && ss.bus.Process != nil {
		for _, pid := range childrenOf(ss.bus.Process.Pid) {
			syscall.Kill(pid, syscall.SIGTERM)
		}
		ss.bus.Process.Signal(syscall.SIGTERM)
		waitOrKill(ss.bus)
	}
}

func waitOrKill(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces, so cut at the last ')'.
		rest := string(data)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		f := strings.Fields(rest)
		if len(f) > 1 {
			if ppid, _ := strconv.Atoi(f[1]); ppid == pid {
				kids = append(kids, child)
			}
		}
	}
	return kids
}
