package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// started runs fake-nexthink with args until stop is called, and returns
// its printout once the printout is complete.
func started(t *testing.T, args ...string) (out string, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr testenv.SyncBuffer
	code := make(chan int, 1)
	printed := make(chan struct{})
	go func() {
		code <- run(ctx, args, &watch{&stdout, printed, "--format json\n"}, &stderr)
	}()
	select {
	case <-printed:
	case c := <-code:
		cancel()
		t.Fatalf("fake-nexthink %s exited %d before printing its instructions: %s", strings.Join(args, " "), c, stderr.String())
	}
	var once sync.Once
	var c int
	stop = func() int { once.Do(func() { cancel(); c = <-code }); return c }
	t.Cleanup(func() { stop() })
	return stdout.String(), stop
}

// watch closes done once what was written contains mark.
type watch struct {
	w    *testenv.SyncBuffer
	done chan struct{}
	mark string
}

func (w *watch) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if w.done != nil && strings.Contains(w.w.String(), w.mark) {
		close(w.done)
		w.done = nil
	}
	return n, err
}

var certFile = regexp.MustCompile(`SSL_CERT_FILE=(\S+) `)

// -tls writes its certificate in a folder of its own, private to the user,
// and removes it at exit: two runs, or two users, never share or overwrite
// one file in the shared temp folder.
func TestTLSCertificateFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// Windows' temp folder comes from TMP (then TEMP), not TMPDIR.
	t.Setenv("TMP", tmp)
	t.Setenv("TEMP", tmp)
	out1, stop1 := started(t, "-tls")
	out2, stop2 := started(t, "-tls")
	var certs []string
	for _, out := range []string{out1, out2} {
		m := certFile.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("printout names no SSL_CERT_FILE:\n%s", out)
		}
		certs = append(certs, m[1])
	}
	if certs[0] == certs[1] {
		t.Fatalf("two runs use the same certificate file %s, want one folder each", certs[0])
	}
	for _, c := range certs {
		if pem, err := os.ReadFile(c); err != nil || !bytes.Contains(pem, []byte("BEGIN CERTIFICATE")) {
			t.Errorf("certificate %s while running: %v, want the PEM", c, err)
		}
		dir := filepath.Dir(c)
		if filepath.Dir(dir) != tmp {
			t.Errorf("certificate folder %s, want one under the temp folder %s", dir, tmp)
		}
		// Windows keeps access in ACLs, not mode bits: a folder of the
		// user's temp folder is private there by default.
		if fi, err := os.Stat(dir); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0) {
			t.Errorf("certificate folder %s: %v, want it private to the user", dir, err)
		}
	}
	for i, stop := range []func() int{stop1, stop2} {
		if code := stop(); code != 0 {
			t.Errorf("run %d exited %d, want 0", i+1, code)
		}
		if _, err := os.Stat(filepath.Dir(certs[i])); !os.IsNotExist(err) {
			t.Errorf("after exit, %s: %v, want it removed", filepath.Dir(certs[i]), err)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temp folder after both runs holds %d entries, want none", len(left))
	}
}

// Tokens living a minute or less are never cached by nxcred, so the
// printout must not promise a refresh to watch; it names a lifetime that
// shows one.
func TestLifetimeAdvice(t *testing.T) {
	for _, tt := range []struct {
		lifetime string
		want     string
	}{
		{"30", "never caches a token with 60 s or less to live, so every call fetches one.\nTo watch the refresh, use -lifetime 90 (cached for 30 s, then fetched again)."},
		{"60", "never caches"},
		{"90", "serves each from its cache for 30 s, then fetches a new one"},
		{"900", "serves each from its cache for 840 s"},
	} {
		out, _ := started(t, "-lifetime", tt.lifetime)
		if !strings.Contains(out, tt.want) {
			t.Errorf("fake-nexthink -lifetime %s printed:\n%s\nwant it to say %q", tt.lifetime, out, tt.want)
		}
	}
	var help testenv.SyncBuffer
	if code := run(context.Background(), []string{"-h"}, &help, &help); code != 0 || !strings.Contains(help.String(), "so 90 shows a refresh every 30 s and 60 or less is never cached") {
		t.Errorf("fake-nexthink -h = %d:\n%s\nwant exit 0 and the lifetime that shows a refresh", code, help.String())
	}
}

// TestLoginLineKeyring: where the OS keyring cannot be opened (this test
// process has no session bus), the printed login line names the keyring
// login would recommend, so it works as printed without a terminal; on a
// machine whose OS keyring works it names none.
func TestLoginLineKeyring(t *testing.T) {
	if got := keyringFlag(); runtime.GOOS == "linux" && os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "disabled:" && !strings.HasPrefix(got, " --keyring ") {
		t.Errorf("keyringFlag() without a session bus = %q, want a --keyring", got)
	}
	prev := keyringFlag
	t.Cleanup(func() { keyringFlag = prev })
	keyringFlag = func() string { return " --keyring keyctl" }
	out, _ := started(t)
	if !regexp.MustCompile(`--token-url http://127\.0\.0\.1:\d+/oauth2/default/v1/token --keyring keyctl --client-secret-stdin\n`).MatchString(out) {
		t.Errorf("printout has no --keyring keyctl in its login line:\n%s", out)
	}
	keyringFlag = func() string { return "" }
	out, _ = started(t)
	if !regexp.MustCompile(`--token-url http://127\.0\.0\.1:\d+/oauth2/default/v1/token --client-secret-stdin\n`).MatchString(out) {
		t.Errorf("printout with a working OS keyring names a keyring:\n%s", out)
	}
}
