package atomicfile_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
)

func checkFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("ReadFile(%s) error = %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("ReadFile(%s) = %q, want %q", path, got, want)
	}
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("mode of %s = %v, want -rw-------", path, mode)
	}
}

func noTemp(t *testing.T, dir string) {
	t.Helper()
	if m, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(m) != 0 {
		t.Errorf("temp files left in %s: %q, want none", dir, m)
	}
}

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		old  []byte // nil: no file before
		mode os.FileMode
		data []byte
	}{
		{"new file", nil, 0, []byte("new content")},
		{"new empty file", nil, 0, []byte{}},
		{"replaces a longer file", []byte("an old and much longer content"), 0o600, []byte("short")},
		{"replaces a shorter file", []byte("x"), 0o600, []byte("a longer content")},
		{"replaces a 0644 file with 0600", []byte("old"), 0o644, []byte("private")},
		{"replaces a read-only file", []byte("old"), 0o400, []byte("private")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "prod.token")
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			if err := atomicfile.Write(path, tt.data); err != nil {
				t.Fatalf("Write(%s) error = %v, want nil", path, err)
			}
			checkFile(t, path, tt.data)
			noTemp(t, dir)
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 {
				t.Errorf("ReadDir after Write = %d entries, want 1 (the file)", len(entries))
			}
		})
	}
}

func TestWriteTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.token")
	for _, data := range [][]byte{[]byte("one"), []byte("two")} {
		if err := atomicfile.Write(path, data); err != nil {
			t.Fatal(err)
		}
		checkFile(t, path, data)
	}
	noTemp(t, dir)
}

func TestWriteFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
	}{
		{"missing folder", filepath.Join(dir, "missing", "prod.token")},
		// The temp file is written, then the rename fails: it must go.
		{"target is a folder", filepath.Join(dir, "sub")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := atomicfile.Write(tt.path, []byte("x")); err == nil {
				t.Errorf("Write(%s) error = nil, want an error", tt.path)
			}
		})
	}
	noTemp(t, dir)
	if _, err := os.Stat(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("Write into a missing folder created it, want no folder")
	}
}

func TestTempFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.token")
	mine := []string{path + ".1.tmp", path + ".123456789.tmp"}
	others := []string{
		path,
		path + ".tmp2",
		path + ".tmp",
		filepath.Join(dir, "staging.token.1.tmp"),
		filepath.Join(dir, "prod.lock"),
		filepath.Join(dir, "x.tmp"),
	}
	for _, p := range append(slices.Clone(mine), others...) {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := atomicfile.TempFiles(path)
	slices.Sort(got)
	if !slices.Equal(got, mine) {
		t.Errorf("TempFiles(%s) = %q, want %q", path, got, mine)
	}
}

// TestSweep sets the temp files' times, so no test waits for them to age.
func TestSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "prod.token")
	now := time.Now()
	files := []struct {
		path string
		age  time.Duration
		gone bool
	}{
		{path + ".1.tmp", 2 * time.Hour, true},
		{path + ".2.tmp", 2 * time.Minute, true},
		{path + ".3.tmp", 30 * time.Second, false},
		{path + ".4.tmp", 0, false},
		{path + ".5.tmp", -time.Hour, false}, // mtime in the future
		{path, 2 * time.Hour, false},         // the file itself
		{filepath.Join(dir, "staging.token.1.tmp"), 2 * time.Hour, false},
		{filepath.Join(dir, "other.tmp"), 2 * time.Hour, false},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(-f.age)
		if err := os.Chtimes(f.path, mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	atomicfile.Sweep(path, time.Minute)
	for _, f := range files {
		_, err := os.Stat(f.path)
		if gone := os.IsNotExist(err); gone != f.gone {
			t.Errorf("after Sweep(%s, 1m): %s (age %s) gone = %v, want %v", filepath.Base(path), filepath.Base(f.path), f.age, gone, f.gone)
		}
	}
	// Sweep on a folder that does not exist does nothing, and does not panic.
	atomicfile.Sweep(filepath.Join(dir, "missing", "prod.token"), time.Minute)
}

// TestWriteRelativePath: for a bare file name, filepath.Split gives dir "",
// and os.CreateTemp("") uses os.TempDir(), not the current folder: the temp
// file is not beside the target (the rename may cross file systems), and
// Sweep/TempFiles look for it in the wrong place. A Store whose Dir is "" or
// "." reaches this, since filepath.Join(".", "p.token") is "p.token".
func TestWriteRelativePath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// A TMPDIR that does not exist shows where the temp file is created.
	t.Setenv("TMPDIR", filepath.Join(dir, "no-such-tmp"))
	if err := atomicfile.Write("prod.token", []byte("x")); err != nil {
		t.Fatalf(`Write("prod.token") error = %v, want nil (temp file beside the target)`, err)
	}
	checkFile(t, filepath.Join(dir, "prod.token"), []byte("x"))
}

// TestTempFilesLiteralFolder: TempFiles and Sweep pass the folder to
// filepath.Glob, so a folder name holding glob syntax ("[", "*", "?") is read
// as a pattern: in "cache [work]" the leftovers are never found, so Remove
// and Sweep leave them behind.
func TestTempFilesLiteralFolder(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"cache [work]", "cache[", "c*che"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if runtime.GOOS == "windows" && strings.Contains(name, "*") {
				t.Skip("Windows forbids * in file names")
			}
			dir := filepath.Join(t.TempDir(), name)
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "prod.token")
			tmp := path + ".1.tmp"
			if err := os.WriteFile(tmp, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			if got := atomicfile.TempFiles(path); !slices.Equal(got, []string{tmp}) {
				t.Errorf("TempFiles(%q) = %q, want %q", path, got, []string{tmp})
			}
			old := time.Now().Add(-time.Hour)
			if err := os.Chtimes(tmp, old, old); err != nil {
				t.Fatal(err)
			}
			atomicfile.Sweep(path, time.Minute)
			if _, err := os.Stat(tmp); err == nil {
				t.Errorf("Sweep(%q, 1m) kept %s, an hour old, want it removed", path, tmp)
			}
		})
	}
}

// TestWriteHidden: WriteHidden's temp files start with a dot, so in a folder
// whose files have no suffix (the file keyring's items) a file named like
// Write's temp files (prod.1.tmp) is never taken for a leftover and swept.
func TestWriteHidden(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "prod")
	if err := atomicfile.WriteHidden(path, []byte("new")); err != nil {
		t.Fatalf("WriteHidden(%s) error = %v", path, err)
	}
	checkFile(t, path, []byte("new"))
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) != 0 {
		t.Errorf("hidden temp files left in %s: %q, want none", dir, m)
	}
	old := time.Now().Add(-time.Hour)
	lookalike := path + ".1.tmp" // an item of its own here
	leftover := filepath.Join(dir, ".prod.2.tmp")
	for _, p := range []string{lookalike, leftover} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	atomicfile.SweepHidden(path, time.Minute)
	if _, err := os.Stat(lookalike); err != nil {
		t.Errorf("SweepHidden(%s, 1m) removed %s, which is not its temp file", path, lookalike)
	}
	if _, err := os.Stat(leftover); err == nil {
		t.Errorf("SweepHidden(%s, 1m) kept %s, an hour old, want it removed", path, leftover)
	}
}
