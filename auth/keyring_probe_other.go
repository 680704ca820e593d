//go:build !linux

package auth

// keyctlUsable: keyctl is Linux's.
func keyctlUsable() bool { return false }
