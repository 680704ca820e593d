package keyring

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/99designs/keyring"
)

// libraryFileRing is the keyring library's own file backend, unwrapped: what
// nxcred before atomic writes used, and what reads the items still.
func libraryFileRing(t *testing.T, dir, pw string) keyring.Keyring {
	t.Helper()
	// Keyring.open flips the library's global Debug under keyringLog.
	keyringLog.Lock()
	defer keyringLog.Unlock()
	r, err := keyring.Open(keyring.Config{
		AllowedBackends:  []keyring.BackendType{keyring.FileBackend},
		ServiceName:      ServiceName,
		FileDir:          dir,
		FilePasswordFunc: keyring.FixedStringPrompt(pw),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestFileRingFormat: an item nxcred writes is the file the library writes
// (same name, a JWE it decrypts to the same item), and an item the library
// wrote (a keyring from an older nxcred) opens and is replaced in place of
// the same file.
func TestFileRingFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lib := libraryFileRing(t, dir, "pw")
	if err := lib.Set(keyring.Item{Key: itemKey("old"), Data: []byte("written-by-the-library")}); err != nil {
		t.Fatal(err)
	}
	k := fileKeyring(t, dir, "pw")
	if got, err := k.Get("old"); err != nil || got != "written-by-the-library" {
		t.Errorf("Get(old) of a library-written item = %q, %v; want %q, nil", got, err, "written-by-the-library")
	}
	if err := k.Set("old", "rotated"); err != nil {
		t.Fatalf("Set(old) = %v", err)
	}
	if err := k.Set("prod", testSecret); err != nil {
		t.Fatalf("Set(prod) = %v", err)
	}
	if got, want := dirNames(t, dir), []string{"nxcred%2Fold", "nxcred%2Fprod"}; !slices.Equal(got, want) {
		t.Errorf("keyring folder after Set = %q, want %q (the library's names, no temp file left)", got, want)
	}
	for profile, want := range map[string]string{"old": "rotated", "prod": testSecret} {
		it, err := lib.Get(itemKey(profile))
		if err != nil || string(it.Data) != want {
			t.Errorf("library Get(%s) of an nxcred-written item = %q, %v; want %q, nil", profile, it.Data, err, want)
		}
		if it.Label != "nxcred: Nexthink client secret of profile "+profile {
			t.Errorf("library Get(%s).Label = %q, want the label nxcred sets", profile, it.Label)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "nxcred%2Fprod")); err != nil {
		t.Fatal(err)
	} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode of the item = %v, want -rw-------", fi.Mode().Perm())
	}
}

// TestFileRingSweepsTempFiles: a temp file left by a killed Set is removed
// by a later Set once it is old, never an item, even one of a profile whose
// name looks like a temp file; and no temp file is ever taken for an item.
// TestFileRingRemoveTakesTempFiles: logout leaves no temp file of a killed
// login behind, however fresh: each holds a whole encrypted copy of the
// secret. Another item and its temp files stay.
func TestFileRingRemoveTakesTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := fileKeyring(t, dir, "pw")
	for _, name := range []string{"prod", "staging"} {
		if err := k.Set(name, testSecret); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{".nxcred%2Fprod.123.tmp", ".nxcred%2Fprod.456.tmp", ".nxcred%2Fstaging.789.tmp"} {
		writeFile(t, filepath.Join(dir, p), "a copy of the item")
	}
	if removed, err := k.Remove("prod"); err != nil || !removed {
		t.Fatalf("Remove(prod) = %v, %v; want true, nil", removed, err)
	}
	if got, want := dirNames(t, dir), []string{".nxcred%2Fstaging.789.tmp", "nxcred%2Fstaging"}; !slices.Equal(got, want) {
		t.Errorf("keyring folder after Remove(prod) = %q, want %q", got, want)
	}
}

func TestFileRingSweepsTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k := fileKeyring(t, dir, "pw")
	if err := k.Set("prod.1.tmp", "lookalike-secret"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	leftover := filepath.Join(dir, ".nxcred%2Fprod.123.tmp")
	fresh := filepath.Join(dir, ".nxcred%2Fprod.456.tmp") // another Set at work
	for _, p := range []string{leftover, fresh} {
		writeFile(t, p, "torn")
	}
	if err := os.Chtimes(leftover, old, old); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(filepath.Join(dir, "nxcred%2Fprod.1.tmp"), old, old); err != nil {
		t.Fatal(err)
	}
	// The torn temp files are not items: Set's password check skips them.
	if err := k.Set("prod", testSecret); err != nil {
		t.Fatalf("Set(prod) beside torn temp files = %v, want nil", err)
	}
	if got, want := dirNames(t, dir), []string{".nxcred%2Fprod.456.tmp", "nxcred%2Fprod", "nxcred%2Fprod.1.tmp"}; !slices.Equal(got, want) {
		t.Errorf("keyring folder after Set(prod) = %q, want %q (the hour-old temp file swept, the fresh one and the items kept)", got, want)
	}
	if got, err := k.Get("prod.1.tmp"); err != nil || got != "lookalike-secret" {
		t.Errorf("Get(prod.1.tmp) = %q, %v; want %q, nil", got, err, "lookalike-secret")
	}
}
