package keyring

import (
	"os/exec"
	"runtime"
)

// Offer is a keyring backend that can work on this machine, for a person
// choosing where login keeps a secret.
type Offer struct {
	Backend string
	// Note says what choosing it means, in a few words.
	Note string
}

// Offers lists the backends other than the OS keyring that work here,
// the recommended one first: keyctl where the kernel lets this process use
// it (no password, nothing on disk, gone at reboot), pass where its store
// is initialised, and the file backend, which works everywhere. The probes
// are cheap: one system call, a look up in PATH and a stat.
func Offers(opts Options) []Offer {
	var offers []Offer
	if runtime.GOOS == "linux" && keyctlUsable() {
		offers = append(offers, Offer{"keyctl", "the kernel keyring of your user: no password to type; gone after a reboot (log in again then)"})
	}
	if runtime.GOOS != "windows" && passReady(opts.PassDir) {
		offers = append(offers, Offer{"pass", "your password store, encrypted to your GnuPG key"})
	}
	return append(offers, Offer{"file", "an encrypted file; every call needs its password (NXCRED_KEYRING_PASSWORD, or typed on a terminal)"})
}

// passReady reports whether pass is installed and would encrypt nxcred's
// items to a key (checkPassInit finds one).
func passReady(dir string) bool {
	if _, err := exec.LookPath("pass"); err != nil {
		return false
	}
	k := &Keyring{Backend: "pass", opts: Options{PassDir: dir}}
	return k.checkPassInit(itemKey("probe")) == nil
}
