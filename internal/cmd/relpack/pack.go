package main

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// entry is one member of the archive: a folder, a file copied from src, or a
// symbolic link to link.
type entry struct {
	name string // slash-separated; folders end in "/"
	src  string
	link string
	mode fs.FileMode
}

// run writes the archive out from specs, through a temporary file renamed
// over out, so a failed run leaves no half-written archive.
func run(out string, mtime time.Time, specs []string) error {
	var write func(io.Writer, []entry, time.Time) error
	isZip := strings.HasSuffix(out, ".zip")
	switch {
	case strings.HasSuffix(out, ".tar.gz"):
		write = writeTarGz
	case isZip:
		write = writeZip
	default:
		return fmt.Errorf("-o %q: want a name ending in .tar.gz or .zip", out)
	}
	entries, err := parse(specs)
	if err != nil {
		return err
	}
	if isZip && slices.ContainsFunc(entries, func(e entry) bool { return e.link != "" }) {
		return errors.New("a zip archive cannot hold symbolic links; put copies")
	}
	tmp := out + ".relpack-tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = write(f, entries, mtime)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// parse turns NAME=FILE and NAME@TARGET into entries, adds every parent
// folder, and sorts them by name, which puts each folder before its content.
func parse(specs []string) ([]entry, error) {
	if len(specs) == 0 {
		return nil, errors.New("nothing to pack: give NAME=FILE or NAME@TARGET arguments")
	}
	seen := map[string]bool{}
	var entries []entry
	for _, s := range specs {
		var e entry
		if name, src, ok := strings.Cut(s, "="); ok {
			fi, err := os.Stat(src)
			if err != nil {
				return nil, err
			}
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("%s: not a regular file", src)
			}
			e = entry{name: name, src: src, mode: 0o644}
			if fi.Mode().Perm()&0o111 != 0 {
				e.mode = 0o755
			}
		} else if name, target, ok := strings.Cut(s, "@"); ok && target != "" {
			e = entry{name: name, link: target, mode: fs.ModeSymlink | 0o777}
		} else {
			return nil, fmt.Errorf("%q: want NAME=FILE or NAME@TARGET", s)
		}
		if e.name == "" || path.Clean(e.name) != e.name || path.IsAbs(e.name) || e.name == "." ||
			e.name == ".." || strings.HasPrefix(e.name, "../") || strings.Contains(e.name, `\`) {
			return nil, fmt.Errorf("%q: the name must be a clean relative path with forward slashes", s)
		}
		if seen[e.name] {
			return nil, fmt.Errorf("%q: %s is given twice", s, e.name)
		}
		seen[e.name] = true
		entries = append(entries, e)
		for dir := path.Dir(e.name); dir != "."; dir = path.Dir(dir) {
			if !seen[dir+"/"] {
				seen[dir+"/"] = true
				entries = append(entries, entry{name: dir + "/", mode: fs.ModeDir | 0o755})
			}
		}
	}
	for _, e := range entries {
		if e.mode.IsDir() && seen[strings.TrimSuffix(e.name, "/")] {
			return nil, fmt.Errorf("%s is both a file and a folder", strings.TrimSuffix(e.name, "/"))
		}
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	return entries, nil
}

func writeTarGz(w io.Writer, entries []entry, mtime time.Time) error {
	// A zero gzip header: no file name, no time, so only the content counts.
	gz, err := gzip.NewWriterLevel(w, gzip.DefaultCompression)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, ModTime: mtime, Mode: int64(e.mode.Perm()), Format: tar.FormatUSTAR}
		switch {
		case e.mode.IsDir():
			h.Typeflag = tar.TypeDir
		case e.link != "":
			h.Typeflag, h.Linkname = tar.TypeSymlink, e.link
		default:
			h.Typeflag = tar.TypeReg
		}
		if err := addFile(e, func(size int64) (io.Writer, error) {
			h.Size = size
			return tw, tw.WriteHeader(h)
		}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

func writeZip(w io.Writer, entries []entry, mtime time.Time) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: mtime}
		if e.mode.IsDir() {
			h.Method = zip.Store
		}
		h.SetMode(e.mode)
		if err := addFile(e, func(int64) (io.Writer, error) { return zw.CreateHeader(h) }); err != nil {
			return err
		}
	}
	return zw.Close()
}

// addFile starts e's member with begin(size) and copies its bytes; a file
// that changes size while it is read is an error, not a torn archive.
func addFile(e entry, begin func(size int64) (io.Writer, error)) error {
	if e.src == "" {
		_, err := begin(0)
		return err
	}
	f, err := os.Open(e.src)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	w, err := begin(fi.Size())
	if err != nil {
		return err
	}
	n, err := io.Copy(w, f)
	if err == nil && n != fi.Size() {
		err = fmt.Errorf("%s changed size while packing it", e.src)
	}
	return err
}
