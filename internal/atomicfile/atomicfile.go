// Package atomicfile replaces small private files so that a reader sees the
// old content or the new one, never a torn mix.
package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/robustio"
)

// Write replaces path with data, mode 0600: a temp file in the same folder
// (so the rename cannot cross file systems), synced, then renamed over.
// robustio.Rename retries the transient errors Windows gives while another
// process has the target open. A process killed at any point leaves the old
// file or the new one, plus at most a temp file that Sweep removes.
func Write(path string, data []byte) error { return write(path, data, "") }

// WriteHidden is Write with the temp file named .base.<digits>.tmp, for a
// folder where base.<digits>.tmp could be a file of its own (the names of
// the file keyring's items have no suffix that tells them from a temp file).
// SweepHidden removes what a killed writer left.
func WriteHidden(path string, data []byte) error { return write(path, data, ".") }

func write(path string, data []byte, prefix string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		// CreateTemp("") would mean the system temp folder, not this one.
		dir = "."
	}
	f, err := os.CreateTemp(dir, prefix+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp already makes 0600 files; this states it against any
		// future change of that default.
		err = os.Chmod(tmp, 0o600)
	}
	if err == nil {
		clearReadOnly(path)
		err = robustio.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// clearReadOnly makes a read-only target writable before it is replaced:
// Windows refuses to rename over a file with the read-only attribute (what
// os.Chmod(path, 0o400) sets there), where Unix looks only at the folder.
func clearReadOnly(path string) {
	if runtime.GOOS != "windows" {
		return
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o200 == 0 {
		os.Chmod(path, 0o600)
	}
}

// TempFiles lists the temp files Write may have left beside path: exactly
// base.<digits>.tmp, as os.CreateTemp names them, so that the temp files of
// another file whose name starts with base are never included.
func TempFiles(path string) []string { return tempFiles(path, "") }

func tempFiles(path, prefix string) []string {
	dir, base := filepath.Split(path)
	base = prefix + base
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		rest, ok := strings.CutPrefix(n, base+".")
		if !ok {
			continue
		}
		digits, ok := strings.CutSuffix(rest, ".tmp")
		if ok && digits != "" && strings.Trim(digits, "0123456789") == "" {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}

// Sweep removes temp files beside path older than age, left by a writer that
// was killed, so a folder cannot grow without bound.
func Sweep(path string, age time.Duration) { sweep(path, "", age) }

// HiddenTempFiles is TempFiles for the temp files of WriteHidden.
func HiddenTempFiles(path string) []string { return tempFiles(path, ".") }

// SweepHidden is Sweep for the temp files of WriteHidden.
func SweepHidden(path string, age time.Duration) { sweep(path, ".", age) }

func sweep(path, prefix string, age time.Duration) {
	for _, p := range tempFiles(path, prefix) {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(p)
		}
	}
}
