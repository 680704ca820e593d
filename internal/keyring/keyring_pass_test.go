package keyring

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestCheckPassInit: pass encrypts to the keys of the nearest .gpg-id from
// the item's folder up to the store, or of PASSWORD_STORE_KEY; without
// either the store is not initialized and the error says to run pass init.
func TestCheckPassInit(t *testing.T) {
	tests := []struct {
		name   string
		gpgID  string // folder under the store holding .gpg-id, "-" for none
		mkdir  bool   // the store folder exists
		envKey string
		ok     bool
	}{
		{"no store", "-", false, "", false},
		{"an empty store", "-", true, "", false},
		{"initialized at the top", ".", true, "", true},
		{"initialized for nxcred only (pass init -p nxcred)", "nxcred", true, "", true},
		{"initialized for the items' folder", "nxcred/nxcred", true, "", true},
		{"initialized for another folder only", "work", true, "", false},
		{"PASSWORD_STORE_KEY names the key", "-", false, "ABCDEF0123456789", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PASSWORD_STORE_KEY", tt.envKey)
			store := filepath.Join(t.TempDir(), "store")
			if tt.mkdir {
				if err := os.Mkdir(store, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if tt.gpgID != "-" {
				dir := filepath.Join(store, tt.gpgID)
				if err := os.MkdirAll(dir, 0o700); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, ".gpg-id"), "t@example.invalid\n")
			}
			k, err := New(Options{Backend: "pass", PassDir: store})
			if err != nil {
				t.Fatal(err)
			}
			err = k.checkPassInit(itemKey("prod"))
			if tt.ok {
				if err != nil {
					t.Errorf("checkPassInit(prod) = %v, want nil", err)
				}
				return
			}
			ke := keyringError(t, "checkPassInit(prod)", err)
			if want := "the pass store " + store + " is not initialized: it has no .gpg-id naming the GnuPG key to encrypt the secret to"; ke.Error() != want {
				t.Errorf("checkPassInit(prod) = %q, want %q", ke.Error(), want)
			}
			if want := "run pass init <gpg-id> with the id of your GnuPG key (gpg --list-secret-keys lists them), or choose another NXCRED_KEYRING_BACKEND"; ke.Hint() != want {
				t.Errorf("hint = %q, want %q", ke.Hint(), want)
			}
		})
	}
}

// TestPassFailureHint: when pass itself fails (here a pass that exits 1, as
// it does when gpg has no key for the .gpg-id), the error says that pass
// printed the reason, and the hint points at pass, not at headless machines.
func TestPassFailureHint(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the pass backend is not built on Windows")
	}
	bin := t.TempDir()
	writeFile(t, filepath.Join(bin, "pass"), "#!/bin/sh\nexit 1\n")
	if err := os.Chmod(filepath.Join(bin, "pass"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("PASSWORD_STORE_KEY", "")
	store := t.TempDir()
	writeFile(t, filepath.Join(store, ".gpg-id"), "t@example.invalid\n")
	k, err := New(Options{Backend: "pass", PassDir: store})
	if err != nil {
		t.Fatal(err)
	}
	ke := keyringError(t, "Set(prod) with a failing pass", k.Set("prod", testSecret))
	if want := "keyring pass: write failed: exit status 1 (pass printed its reason above)"; ke.Error() != want {
		t.Errorf("Set(prod) = %q, want %q", ke.Error(), want)
	}
	if want := "check that pass works on its own (pass insert nxcred/test, then pass rm nxcred/test), or choose another NXCRED_KEYRING_BACKEND"; ke.Hint() != want {
		t.Errorf("hint = %q, want %q", ke.Hint(), want)
	}
}
