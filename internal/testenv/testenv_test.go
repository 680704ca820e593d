package testenv_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// TestLayout: one naming scheme, a real home's, every folder under the
// home but the runtime folder; no bus, no proxy for loopback.
func TestLayout(t *testing.T) {
	home, run := filepath.FromSlash("/h"), filepath.FromSlash("/r")
	e := testenv.Layout(home, run)
	want := map[string]string{
		"HOME":                     home,
		"USERPROFILE":              home,
		"XDG_CONFIG_HOME":          filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":           filepath.Join(home, ".cache"),
		"XDG_DATA_HOME":            filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME":           filepath.Join(home, ".local", "state"),
		"XDG_RUNTIME_DIR":          run,
		"DBUS_SESSION_BUS_ADDRESS": "disabled:",
		"NO_PROXY":                 "127.0.0.1,::1,localhost",
	}
	if len(e) != len(want) {
		t.Errorf("Layout has %d variables, want %d: %v", len(e), len(want), e)
	}
	for k, v := range want {
		if e.Getenv(k) != v {
			t.Errorf("%s = %q, want %q", k, e.Getenv(k), v)
		}
	}
}

// TestNew: the home and the runtime folder exist, private, and differ
// from one test to the next.
func TestNew(t *testing.T) {
	a, b := testenv.New(t), testenv.New(t)
	if a["HOME"] == b["HOME"] {
		t.Errorf("two environments share HOME %s", a["HOME"])
	}
	for _, k := range []string{"HOME", "XDG_RUNTIME_DIR"} {
		fi, err := os.Stat(a[k])
		if err != nil || !fi.IsDir() {
			t.Fatalf("%s %s: %v, want a folder", k, a[k], err)
		}
		if perm := fi.Mode().Perm(); os.PathSeparator == '/' && perm != 0o700 {
			t.Errorf("%s mode %o, want 700", k, perm)
		}
	}
	if strings.HasPrefix(a["XDG_RUNTIME_DIR"], a["HOME"]) {
		t.Errorf("XDG_RUNTIME_DIR %s is under HOME", a["XDG_RUNTIME_DIR"])
	}
}

// TestForms: the map, the list and the Setenv calls say the same, and
// With and Without leave the original alone.
func TestForms(t *testing.T) {
	e := testenv.Layout("/h", "/r")
	more := e.With(map[string]string{"A": "1", "HOME": "/other"}).Without("NO_PROXY")
	if e["HOME"] != "/h" || e["NO_PROXY"] == "" || e["A"] != "" {
		t.Errorf("With/Without changed the original: %v", e)
	}
	if more["HOME"] != "/other" || more["A"] != "1" || more["NO_PROXY"] != "" || more["XDG_CACHE_HOME"] != e["XDG_CACHE_HOME"] {
		t.Errorf("With/Without = %v", more)
	}
	list := more.List()
	if !slices.IsSorted(list) || len(list) != len(more) || !slices.Contains(list, "HOME=/other") {
		t.Errorf("List() = %q", list)
	}
	var set []string
	more.Apply(func(k, v string) { set = append(set, k+"="+v) })
	if !slices.Equal(set, list) {
		t.Errorf("Apply set %q, want %q", set, list)
	}
}

// TestEndpointTrusted: the endpoint's certificate file is all a client
// needs to trust it, and the environment profile names it.
func TestEndpointTrusted(t *testing.T) {
	ep := testenv.NewEndpoint(t, "client", "secret-value")
	pem, err := os.ReadFile(ep.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", ep.CAFile)
	}
	addr := strings.TrimPrefix(ep.URL(), "https://")
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("TLS to %s trusting only %s: %v", addr, ep.CAFile, err)
	}
	conn.Close()
	p := ep.EnvProfile()
	if p["SSL_CERT_FILE"] != ep.CAFile || p["NXCRED_TOKEN_URL"] != ep.TokenURL() || p["NXCRED_CLIENT_ID"] != "client" || p["NXCRED_CLIENT_SECRET"] != "secret-value" {
		t.Errorf("EnvProfile() = %v", p)
	}
}

// TestNotInProgram: nxcred's binary links none of the test harness, this
// package or those under it.
func TestNotInProgram(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		cmd := exec.Command(goCmd, "list", "-deps", "-f", "{{.ImportPath}}", "../..")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("GOOS=%s go list -deps: %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if !slices.Contains(deps, "github.com/nxcred/nxcred/internal/cli") {
			t.Fatalf("GOOS=%s go list -deps ../.. lists no internal/cli: not nxcred's main package? %q", goos, deps)
		}
		for _, d := range deps {
			if d == "github.com/nxcred/nxcred/internal/testenv" || strings.HasPrefix(d, "github.com/nxcred/nxcred/internal/testenv/") {
				t.Errorf("GOOS=%s: nxcred's binary links %s, a test-only package", goos, d)
			}
		}
	}
}
