package keyringd

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestProcsFindAndStop: a process is found by a variable of its
// environment and by its name, and StopProcs ends it (a process that
// ignores SIGTERM by SIGKILL); once it has exited it is no longer Alive.
func TestProcsFindAndStop(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on PATH")
	}
	b := make([]byte, 8)
	rand.Read(b)
	mark := hex.EncodeToString(b)
	// An ignored signal stays ignored across exec: sleep ignores SIGTERM.
	cmd := exec.Command(sh, "-c", "trap '' TERM; exec sleep 600")
	cmd.Env = append(os.Environ(), "KEYRINGD_TEST_MARK="+mark)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer cmd.Process.Kill()

	// Until the exec, the process is the shell.
	var found []Proc
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if found = Procs("KEYRINGD_TEST_MARK", mark); len(Named(found, "sleep")) == 1 {
			break
		}
	}
	if len(found) != 1 || found[0].PID != cmd.Process.Pid || len(Named(found, "sleep")) != 1 || !Alive(found[0].PID) {
		t.Fatalf("Procs(KEYRINGD_TEST_MARK=%s) = %v, want the one sleep, pid %d, alive", mark, found, cmd.Process.Pid)
	}
	if other := Procs("KEYRINGD_TEST_MARK", mark+"x"); len(other) != 0 {
		t.Errorf("Procs with another value = %v, want none", other)
	}
	if left := StopProcs(found, syscall.SIGTERM, 200*time.Millisecond); len(left) != 0 {
		t.Errorf("StopProcs left %v running", left)
	}
	select {
	case <-exited:
	case <-time.After(time.Minute):
		t.Fatal("the process ignoring SIGTERM did not exit after StopProcs")
	}
	if Alive(cmd.Process.Pid) {
		t.Errorf("Alive(%d) after it exited and was reaped", cmd.Process.Pid)
	}
}
