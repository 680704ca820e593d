// Package busenv stops github.com/99designs/keyring from starting a D-Bus
// daemon that never exits.
//
// keyring's init (secretservice.go, kwallet.go) calls dbus.SessionBus(). With
// DBUS_SESSION_BUS_ADDRESS unset, the 2019 godbus it uses runs dbus-launch,
// which starts a session dbus-daemon that outlives the process: one leaked
// daemon per run (99designs/keyring#103, cli/cli#7582). Code in main runs too
// late, so this package does its work in init. The Go spec initialises, among
// the packages whose imports are ready, the one with the smallest import path
// first; this package imports only os, and keyring cannot be ready before net
// and os/exec, whose paths sort after github.com/nxcred/..., so this init runs
// first. TestNoDBusDaemonLeak in the main package proves it.
//
// Keep the imports of this package to os alone.
package busenv

import "os"

// Variable is the environment variable godbus reads.
const Variable = "DBUS_SESSION_BUS_ADDRESS"

// Disabled is an address with an unknown transport: dialing it fails at once,
// so keyring registers no D-Bus backend and spawns nothing.
const Disabled = "disabled:"

var (
	original    string
	originalSet bool
	chosen      string
)

// testOff is the variable TestNoDBusDaemonLeak sets for its control run, to
// show that without this package the leak is real and the test can see it.
const testOff = "NXCRED_TEST_BUSENV_OFF"

func init() {
	if os.Getenv(testOff) == "1" {
		return
	}
	original, originalSet = os.LookupEnv(Variable)
	if originalSet && original != "" {
		return
	}
	// A systemd user session puts the bus here; godbus would find it too,
	// but only after trying dbus-launch first.
	chosen = Disabled
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		if fi, err := os.Stat(dir + "/bus"); err == nil && fi.Mode()&os.ModeSocket != 0 {
			chosen = "unix:path=" + dir + "/bus"
		}
	}
	os.Setenv(Variable, chosen)
}

// ChildEnv returns env (as os.Environ gives it) with the bus variable put back
// to what the user had, so programs that nxcred starts see the user's own
// environment, not the value set here.
func ChildEnv(env []string) []string {
	if chosen == "" {
		return env
	}
	out := make([]string, 0, len(env))
	prefix := Variable + "="
	for _, kv := range env {
		if len(kv) >= len(prefix) && kv[:len(prefix)] == prefix {
			if originalSet {
				out = append(out, prefix+original)
			}
			continue
		}
		out = append(out, kv)
	}
	return out
}
