//go:build unix

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The config decides where the secret is sent: a file others may change is
// refused, one others may read is made private with a warning.
func TestLoadConfigPermissions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mode     os.FileMode
		err      string // "" when loaded
		warning  string
		modeThen os.FileMode
	}{
		{"private", 0o600, "", "", 0o600},
		{"owner read only", 0o400, "", "", 0o400},
		{"readable by others", 0o644, "", "was readable by other users (mode 0644); made it private (0600)", 0o600},
		{"readable by group", 0o640, "", "made it private", 0o600},
		{"writable by group", 0o660, "writable by other users (mode 0660)", "", 0o660},
		{"writable by others", 0o606, "writable by other users (mode 0606)", "", 0o606},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config.toml")
			writeFile(t, path, fullConfig)
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			c, err := Load(path)
			if tt.err != "" {
				var ce *Error
				if !errors.As(err, &ce) || !strings.Contains(ce.Msg, tt.err) || ce.Path != path {
					t.Errorf("Load(mode %#o) = %v, want a *Error for %s containing %q", tt.mode, err, path, tt.err)
				}
			} else {
				if err != nil {
					t.Fatalf("Load(mode %#o) = %v, want nil", tt.mode, err)
				}
				checkProfiles(t, "Load", c, "prod", fullProfiles)
				switch {
				case tt.warning == "" && len(c.Warnings) != 0:
					t.Errorf("Load(mode %#o).Warnings = %q, want none", tt.mode, c.Warnings)
				case tt.warning != "" && (len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], tt.warning)):
					t.Errorf("Load(mode %#o).Warnings = %q, want one containing %q", tt.mode, c.Warnings, tt.warning)
				}
			}
			if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != tt.modeThen {
				t.Errorf("mode after Load(mode %#o) = %v (%v), want %#o", tt.mode, fi.Mode().Perm(), err, tt.modeThen)
			}
		})
	}
}

// A file owned by another user is refused. Only root can make one.
func TestLoadConfigForeignOwner(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give a file to another user")
	}
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, fullConfig)
	if err := os.Chown(path, 65534, 65534); err != nil {
		t.Skipf("chown: %v", err)
	}
	_, err := Load(path)
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(ce.Msg, "owned by another user") {
		t.Errorf("Load(foreign owner) = %v, want a *Error saying it is owned by another user", err)
	}
}

// TestReadConfigRepairsNothing: ReadConfig, doctor's loader, refuses what
// LoadConfig refuses, with the fix as its hint, and leaves a file others may
// read as it is, with a warning.
func TestReadConfigRepairsNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, fullConfig)
	os.Chmod(path, 0o644)
	c, err := Read(path)
	if err != nil || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "is readable by other users (mode 0644)") {
		t.Errorf("Read(mode 0644) = %v, %v, want one warning that it is readable by others", c, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("ReadConfig changed the mode to %#o", fi.Mode().Perm())
	}
	os.Chmod(path, 0o664)
	_, err = Read(path)
	var ce *Error
	if !errors.As(err, &ce) || ce.Hint() != "run: chmod 600 "+path || strings.Contains(ce.Msg, "chmod") {
		t.Errorf("Read(mode 0664) = %v, want a *Error with the chmod as its hint", err)
	}
}
