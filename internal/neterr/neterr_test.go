package neterr_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/neterr"
)

// TestRefusedDial: a real refused connection reads the same on every OS. On
// Windows the error is WSAECONNREFUSED from "connectex", which neither
// errors.Is(err, syscall.ECONNREFUSED) nor the Unix words match.
func TestRefusedDial(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if err == nil {
		t.Fatalf("dial %s after closing its listener: no error", addr)
	}
	if !neterr.Refused(err) {
		t.Errorf("Refused(%v) = false, want true", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), addr) {
		t.Fatalf("dial error %v is not a *net.OpError naming %s", err, addr)
	}
	if got, want := neterr.Syscall(oe.Err), "connect: connection refused"; got != want {
		t.Errorf("Syscall(%v) = %q, want %q", oe.Err, got, want)
	}
	if got, want := neterr.Errno(err), "connection refused"; got != want {
		t.Errorf("Errno(%v) = %q, want %q", err, got, want)
	}
}

// TestNotRefused: other errors are neither refused nor reworded.
func TestNotRefused(t *testing.T) {
	_, err := net.Dial("tcp", "127.0.0.1:not-a-port")
	if err == nil {
		t.Fatal("dial to a bad port: no error")
	}
	if neterr.Refused(err) {
		t.Errorf("Refused(%v) = true, want false", err)
	}
	if got := neterr.Errno(err); got != err.Error() {
		t.Errorf("Errno(%v) = %q, want the error's own text", err, got)
	}
}
