package config

import (
	"fmt"
	"slices"
	"strings"
)

// KeyringBackends are the keyring backends a profile may record (and
// NXCRED_KEYRING_BACKEND may name). The config validates the name; package
// keyring opens it.
var KeyringBackends = []string{"secret-service", "keychain", "wincred", "kwallet", "pass", "keyctl", "file"}

// DefaultKeyring is the backend used on goos when neither
// NXCRED_KEYRING_BACKEND nor the profile names one: the OS keyring.
func DefaultKeyring(goos string) string {
	switch goos {
	case "darwin":
		return "keychain"
	case "windows":
		return "wincred"
	case "linux":
		return "secret-service"
	}
	return ""
}

// ValidateKeyring checks a keyring backend name.
func ValidateKeyring(b string) error {
	if !slices.Contains(KeyringBackends, b) {
		return fmt.Errorf("unknown keyring backend %q: nxcred knows %s", b, strings.Join(KeyringBackends, ", "))
	}
	return nil
}
