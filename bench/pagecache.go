//go:build linux

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// How a binary sits in the page cache changes how fast it starts, by half a
// millisecond for nxcred on the machine this was written on: a file written
// with write() (cp, install) is cached in large folios and maps in with
// fewer page faults than one the Go linker wrote through mmap, or one read
// back from disk after eviction. So every binary is put in the same state
// before timing:
//
//   - evicted (default): fsync, then POSIX_FADV_DONTNEED, so the first run
//     reads it back the way it is after a reboot or memory pressure;
//   - written: rewritten with 1 MiB write() calls, as just after cp.
const (
	pageCacheEvicted = "evicted"
	pageCacheWritten = "written"
)

// settle copies src into dir (so that nothing outside the temp folder is
// touched) and puts the copy in the chosen page-cache state.
func settle(src, dir, mode string) (string, error) {
	dst := filepath.Join(dir, filepath.Base(src))
	if filepath.Clean(src) != filepath.Clean(dst) {
		for i := 2; ; i++ {
			if _, err := os.Stat(dst); os.IsNotExist(err) {
				break
			}
			dst = filepath.Join(dir, fmt.Sprintf("%s.%d", filepath.Base(src), i))
		}
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	tmp := dst + ".settle"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return "", err
	}
	for len(data) > 0 {
		n := min(len(data), 1<<20)
		if _, err := f.Write(data[:n]); err != nil {
			f.Close()
			return "", err
		}
		data = data[n:]
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	if mode == pageCacheEvicted {
		if err := evict(dst); err != nil {
			return "", err
		}
	}
	return dst, nil
}

// evict writes path back to disk and drops it from the page cache.
func evict(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return err
	}
	const fadvDontNeed = 4 // POSIX_FADV_DONTNEED on Linux
	if _, _, e := syscall.Syscall6(syscall.SYS_FADVISE64, f.Fd(), 0, 0, fadvDontNeed, 0, 0); e != 0 {
		return fmt.Errorf("fadvise %s: %v", path, e)
	}
	return nil
}
