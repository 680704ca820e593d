package cache

import (
	"github.com/nxcred/nxcred/internal/token"

	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The handed-token table of a slot records which client processes were
// handed which token: handedEntries entries of 16 bytes, the FNV-1a hash of
// the client's name then the token's fetch time (Unix nanoseconds, its
// "generation"), both big-endian, at the entry the client's hash picks.
// Nothing of the token itself is stored. Two clients whose hashes pick the
// same entry overwrite each other; a client asks again within one request's
// time (client-go after a 401), so the overwrite needs another client's
// first call inside that window, and then costs only the refresh.
const (
	handedEntries   = 256
	handedEntrySize = 16
)

// handedPath is the table of slot name.
func (s *Store) handedPath(name string) string { return filepath.Join(s.Dir, name+".clients") }

// Handed records that t was handed to client and reports whether it had
// been already. A client that asks again for the token it was given found
// it refused (kubectl after a 401), so the caller fetches a new one. On the
// hit path this is one 16-byte read and one 16-byte write in place in a
// 4 KiB file: no file is created (a creation costs milliseconds on a busy
// journaling file system), and nothing grows.
func (s *Store) Handed(name string, t token.Token, client string) (again bool, err error) {
	if !token.ValidName(name) {
		return false, fmt.Errorf("invalid cache slot name %q", name)
	}
	if client == "" {
		return false, errors.New("empty client name")
	}
	h := fnv.New64a()
	h.Write([]byte(client))
	var want [handedEntrySize]byte
	binary.BigEndian.PutUint64(want[:8], h.Sum64())
	binary.BigEndian.PutUint64(want[8:], uint64(t.FetchedAt.UnixNano()))
	off := int64(h.Sum64()%handedEntries) * handedEntrySize

	f, err := os.OpenFile(s.handedPath(name), os.O_RDWR|os.O_CREATE, 0o600)
	if errors.Is(err, fs.ErrNotExist) {
		// No cache folder yet: the token did not come through it.
		if err := s.ensureDir(); err != nil {
			return false, err
		}
		f, err = os.OpenFile(s.handedPath(name), os.O_RDWR|os.O_CREATE, 0o600)
	}
	if err != nil {
		return false, fmt.Errorf("cannot record the token handed to a client: %w", err)
	}
	defer f.Close()
	var got [handedEntrySize]byte
	// Past the end of the file (a new table) or a short entry is no record.
	if _, err := f.ReadAt(got[:], off); err != nil && err != io.EOF {
		return false, fmt.Errorf("cannot read the handed-token records: %w", err)
	}
	if got == want {
		return true, nil
	}
	if _, err := f.WriteAt(want[:], off); err != nil {
		return false, fmt.Errorf("cannot record the token handed to a client: %w", err)
	}
	return false, nil
}
