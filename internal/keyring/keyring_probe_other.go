//go:build !linux

package keyring

// keyctlUsable: keyctl is Linux's.
func keyctlUsable() bool { return false }
