// Package testenv is the one hermetic environment of nxcred's tests and the
// trusted fake token endpoint they talk to. It is for tests only (and the
// bench driver): nothing that nxcred's binary links may import it, which
// TestNotInProgram checks.
//
// The environment pins every folder nxcred, the keyring library or a client
// could read or write under a temporary home laid out like a real one
// (.config, .cache, .local/share, .local/state), keeps the keyring library
// off the session bus, and keeps loopback away from any proxy. It comes as a
// map (a getenv for in-process runs), as a KEY=VALUE list for processes, and
// as Setenv calls for t.Setenv or a testscript.
package testenv

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Env is a set of environment variables, name to value. It is the whole
// environment of what it is given to: nothing of the test process leaks in.
type Env map[string]string

// NoProxy is NO_PROXY for loopback: a proxy a developer has set must not
// see the tests' requests to their own servers.
const NoProxy = "127.0.0.1,::1,localhost"

// Layout is the hermetic environment of a home at home, with the runtime
// folder (sockets: a session bus, gnome-keyring's control) at runtimeDir,
// outside the home as on a real system. It creates nothing; see MkdirAll.
func Layout(home, runtimeDir string) Env {
	return Env{
		"HOME":            home,
		"USERPROFILE":     home,
		"XDG_CONFIG_HOME": filepath.Join(home, ".config"),
		"XDG_CACHE_HOME":  filepath.Join(home, ".cache"),
		"XDG_DATA_HOME":   filepath.Join(home, ".local", "share"),
		"XDG_STATE_HOME":  filepath.Join(home, ".local", "state"),
		"XDG_RUNTIME_DIR": runtimeDir,
		// An address with an unknown transport: the keyring library dials
		// it and fails at once, registering no D-Bus backend and starting
		// no dbus-launch daemon that would outlive the test.
		"DBUS_SESSION_BUS_ADDRESS": "disabled:",
		"NO_PROXY":                 NoProxy,
	}
}

// New is a fresh hermetic environment for one test: home and runtime
// folders in a temporary folder of tb's (root/home and root/run), created.
func New(tb testing.TB) Env {
	tb.Helper()
	root := tb.TempDir()
	e := Layout(filepath.Join(root, "home"), filepath.Join(root, "run"))
	if err := e.MkdirAll(); err != nil {
		tb.Fatal(err)
	}
	return e
}

// MkdirAll creates the home and the runtime folder (mode 0700, as a runtime
// folder must be). The XDG folders are left for nxcred to create.
func (e Env) MkdirAll() error {
	for _, k := range []string{"HOME", "XDG_RUNTIME_DIR"} {
		if dir := e[k]; dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
	}
	return nil
}

// Getenv is e as os.Getenv: the value, or "" for a variable not set.
func (e Env) Getenv(key string) string { return e[key] }

// With is a copy of e with vars set over it.
func (e Env) With(vars map[string]string) Env {
	out := make(Env, len(e)+len(vars))
	maps.Copy(out, e)
	maps.Copy(out, vars)
	return out
}

// Without is a copy of e without keys.
func (e Env) Without(keys ...string) Env {
	out := e.With(nil)
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

// List is e as KEY=VALUE lines, sorted, for exec.Cmd.Env.
func (e Env) List() []string {
	out := make([]string, 0, len(e))
	for k, v := range e {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// Apply calls setenv for every variable of e, in order of name: t.Setenv,
// or a testscript's Env.Setenv or TestScript.Setenv.
func (e Env) Apply(setenv func(key, value string)) {
	for _, k := range slices.Sorted(maps.Keys(e)) {
		setenv(k, e[k])
	}
}
