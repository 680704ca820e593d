package keyring

import "golang.org/x/sys/unix"

// keyctlUsable reports whether this process may use the user's kernel
// keyring: container seccomp profiles often forbid the keyctl calls.
func keyctlUsable() bool {
	_, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, false)
	return err == nil
}
