package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSameBytes packs the same content from two folders whose files differ
// in every attribute but their bytes and x bit (times, modes, names, the
// order given): the archives must be identical, for tar.gz and zip.
func TestSameBytes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows files have no executable bit, which relpack reads to mark a program 0755; the archives are built on Linux or macOS (scripts/release.sh is a POSIX sh script)")
	}
	mtime := time.Unix(1700000000, 0).UTC()
	for _, ext := range []string{".tar.gz", ".zip"} {
		t.Run(ext, func(t *testing.T) {
			var archives [][]byte
			for i, order := range [][]int{{0, 1, 2}, {2, 0, 1}} {
				dir := t.TempDir()
				files := []struct {
					name, content string
					mode          os.FileMode
				}{
					{"prog", "#!/bin/sh\n", 0o700 + os.FileMode(i)*0o050},
					{"README.md", "read me\n", 0o600 + os.FileMode(i)*0o044},
					{"completions/x.bash", "complete\n", 0o640},
				}
				var specs []string
				for _, j := range order {
					f := files[j]
					src := filepath.Join(dir, strings.ReplaceAll(f.name, "/", "-"))
					if err := os.WriteFile(src, []byte(f.content), f.mode); err != nil {
						t.Fatal(err)
					}
					if err := os.Chmod(src, f.mode); err != nil {
						t.Fatal(err)
					}
					if err := os.Chtimes(src, time.Now(), time.Now().Add(time.Duration(i)*time.Hour)); err != nil {
						t.Fatal(err)
					}
					specs = append(specs, "top/"+f.name+"="+src)
				}
				if ext == ".tar.gz" {
					specs = append(specs, "top/link@prog")
				}
				out := filepath.Join(dir, "a"+ext)
				if err := run(out, mtime, specs); err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				archives = append(archives, b)
			}
			if !bytes.Equal(archives[0], archives[1]) {
				t.Fatalf("the same files packed from two folders give different %s archives", ext)
			}
			got := list(t, ext, archives[0])
			want := []string{"top/ 755", "top/README.md 644", "top/completions/ 755", "top/completions/x.bash 644", "top/prog 755"}
			if ext == ".tar.gz" {
				want = slices.Insert(want, 4, "top/link 777")
			}
			if !slices.Equal(got, want) {
				t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// list returns "name mode" for each entry, in archive order, and checks each
// has the fixed time.
func list(t *testing.T, ext string, data []byte) []string {
	t.Helper()
	want := time.Unix(1700000000, 0)
	var got []string
	if ext == ".zip" {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			got = append(got, fmt.Sprintf("%s %o", f.Name, f.Mode().Perm()))
			if !f.Modified.Equal(want) {
				t.Errorf("%s: time %v, want %v", f.Name, f.Modified, want)
			}
		}
		return got
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %o", h.Name, h.Mode))
		if !h.ModTime.Equal(want) || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: time %v, owner %d:%d; want %v, 0:0", h.Name, h.ModTime, h.Uid, h.Gid, want)
		}
	}
}

// TestRejects checks the mistakes run refuses, each leaving no archive.
func TestRejects(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f")
	if err := os.WriteFile(src, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		out   string
		specs []string
	}{
		{"a.tar", []string{"a=" + src}},
		{"a.tar.gz", nil},
		{"a.tar.gz", []string{"../a=" + src}},
		{"a.tar.gz", []string{"/a=" + src}},
		{"a.tar.gz", []string{"a//b=" + src}},
		{"a.tar.gz", []string{`a\b=` + src}},
		{"a.tar.gz", []string{"a=" + src, "a=" + src}},
		{"a.tar.gz", []string{"a=" + src, "a/b=" + src}},
		{"a.tar.gz", []string{"a=" + dir}},
		{"a.tar.gz", []string{"a=" + filepath.Join(dir, "missing")}},
		{"a.tar.gz", []string{"a"}},
		{"a.zip", []string{"a@b"}},
	}
	for _, c := range cases {
		out := filepath.Join(dir, c.out)
		if err := run(out, time.Unix(0, 0), c.specs); err == nil {
			t.Errorf("run(%s, %q) = nil, want an error", c.out, c.specs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("run(%s, %q) left an archive", c.out, c.specs)
			os.Remove(out)
		}
	}
}
