// Package childenv is the environment of every process nxcred starts: git
// (configure git --apply, doctor), go (doctor), the pass command the keyring
// library runs, and the command of nxcred exec. None of them gets nxcred's
// own secrets.
//
// The library's pass backend builds its command's environment from the
// process's, out of nxcred's reach, so the secrets leave the process
// environment at start (HideSecrets); Environ also drops them, for callers
// that run in a process where they are still set (in-process tests).
package childenv

import (
	"os"
	"strings"

	"github.com/nxcred/nxcred/internal/busenv"
)

// Secrets are the variables that hold nxcred's own secrets: the environment
// profile's client secret and the file keyring's password.
var Secrets = []string{"NXCRED_CLIENT_SECRET", "NXCRED_KEYRING_PASSWORD"}

// HideSecrets removes Secrets from the process environment, which every
// process nxcred starts inherits, and returns the getenv nxcred reads its
// environment with: the secrets from memory, everything else from the
// environment as it is.
func HideSecrets() func(string) string {
	kept := map[string]string{}
	for _, name := range Secrets {
		if v, ok := os.LookupEnv(name); ok {
			kept[name] = v
			os.Unsetenv(name)
		}
	}
	return func(name string) string {
		if v, ok := kept[name]; ok {
			return v
		}
		return os.Getenv(name)
	}
}

// Environ is the environment for a process nxcred starts: the process's,
// with the D-Bus variable as the user had it (package busenv), without
// Secrets, and without the variables named in drop.
func Environ(drop ...string) []string {
	return Scrub(busenv.ChildEnv(os.Environ()), drop...)
}

// Scrub returns env without Secrets and the variables named in drop, names
// compared without regard to case (as Windows reads them).
func Scrub(env []string, drop ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !named(name, Secrets) && !named(name, drop) {
			out = append(out, kv)
		}
	}
	return out
}

func named(name string, list []string) bool {
	for _, n := range list {
		if strings.EqualFold(name, n) {
			return true
		}
	}
	return false
}
