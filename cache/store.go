package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/fileperm"
	"github.com/rogpeppe/go-internal/robustio"
)

// DefaultLockWait bounds how long a call waits for another process's token
// request; it stays under Bazel's 10 s helper timeout.
const DefaultLockWait = 8 * time.Second

// Slot names one profile's cache file and how to open it.
type Slot struct {
	// Name is the file's base name; see ValidName.
	Name string
	ID   Identity
	// Key comes from DeriveKey.
	Key []byte
}

// Source says where Get's token came from.
type Source int

const (
	// FromCache is a hit.
	FromCache Source = iota
	// Fetched is a new token from the endpoint.
	Fetched
	// Stale is a cached token inside its last minute, served because the
	// refresh failed; Result.RefreshErr says why.
	Stale
)

// Result is what Get returns.
type Result struct {
	Token  Token
	Source Source
	// RefreshErr is the failed refresh behind a Stale result.
	RefreshErr error
	// WriteErr is set when a fetched token could not be cached.
	WriteErr error
}

// Fetcher gets a new token from the token endpoint.
type Fetcher func(ctx context.Context) (Token, error)

// Store is the cache folder.
type Store struct {
	Dir      string
	LockWait time.Duration
	Now      func() time.Time
	Log      *slog.Logger
	// Remember, when set, says how long a failed fetch is remembered (0:
	// not at all). Callers that wait on the lock while another process's
	// fetch fails then fail fast with its error instead of asking again.
	Remember func(error) time.Duration
	// Warn shows a problem the store worked around (a cache file or folder
	// others could read); nil discards it.
	Warn func(string)

	warned map[string]bool
}

// warn shows a message once per Store: Get reads a file twice on a miss.
func (s *Store) warn(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.Warn == nil || s.warned[msg] {
		return
	}
	if s.warned == nil {
		s.warned = map[string]bool{}
	}
	s.warned[msg] = true
	s.Warn(msg)
}

// ValidName reports whether name can be a slot name (and so a file name on
// every OS): a letter or digit, then up to 79 letters, digits, '_', '.' or
// '-'. A loop, not a regexp: compiling one costs every start of nxcred.
func ValidName(name string) bool { return nameOK(name, 80) }

// nameOK reports whether s is 1..max bytes of [A-Za-z0-9_.-] starting with
// a letter or digit.
func nameOK(s string, max int) bool {
	if len(s) == 0 || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || c != '_' && c != '.' && c != '-') {
			return false
		}
	}
	return true
}

// Path is the cache file of slot name.
func (s *Store) Path(name string) string { return filepath.Join(s.Dir, name+".token") }

func (s *Store) lockPath(name string) string { return filepath.Join(s.Dir, name+".lock") }

func (s *Store) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Store) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Get returns a token for slot: the cached one while it is Fresh, else a new
// one from fetch. Cache hits take no lock. A miss takes the slot's lock, reads
// again (another process may have just fetched), and only then fetches, so N
// parallel callers make one token request.
func (s *Store) Get(ctx context.Context, slot Slot, fetch Fetcher) (Result, error) {
	if !ValidName(slot.Name) {
		return Result{}, fmt.Errorf("invalid cache slot name %q", slot.Name)
	}
	if t, ok := s.read(slot); ok && t.Fresh(s.now()) {
		return Result{Token: t, Source: FromCache}, nil
	}
	if err := s.ensureDir(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	wait := s.LockWait
	if wait <= 0 {
		wait = DefaultLockWait
	}
	// While another process holds the lock it is fetching: look at the
	// cache between polls and leave as soon as its token is there, instead
	// of taking the lock in turn only to read it.
	var early Token
	unlock, err := lock(ctx, s.lockPath(slot.Name), wait, func() bool {
		t, ok := s.read(slot)
		early = t
		return ok && t.Fresh(s.now())
	})
	if errors.Is(err, errDone) {
		s.log().Debug("token written by another process while waiting", "profile", slot.Name, "took", time.Since(start))
		return Result{Token: early, Source: FromCache}, nil
	}
	if err != nil {
		var le *LockError
		if errors.As(err, &le) {
			le.Profile = slot.Name
		}
		return Result{}, err
	}
	defer unlock()
	s.log().Debug("cache lock taken", "profile", slot.Name, "took", time.Since(start))

	cached, ok := s.read(slot)
	if ok && cached.Fresh(s.now()) {
		return Result{Token: cached, Source: FromCache}, nil
	}
	if s.Remember != nil {
		if ferr := s.recall(slot); ferr != nil {
			s.log().Debug("failing fast with a failure remembered from another call", "profile", slot.Name, "at", ferr.At)
			if ok && cached.Usable(s.now()) {
				return Result{Token: cached, Source: Stale, RefreshErr: ferr}, nil
			}
			return Result{}, ferr
		}
	}
	t, err := fetch(ctx)
	if err != nil {
		if s.Remember != nil && ctx.Err() == nil {
			if d := s.Remember(err); d > 0 {
				s.remember(slot, err, d)
			}
		}
		if ok && cached.Usable(s.now()) {
			return Result{Token: cached, Source: Stale, RefreshErr: err}, nil
		}
		return Result{}, err
	}
	if s.Remember != nil {
		s.forget(slot.Name)
	}
	res := Result{Token: t, Source: Fetched}
	if t.Cacheable() {
		res.WriteErr = s.write(slot, t)
	} else {
		// A token too short-lived to serve again must not leave an older
		// one behind either.
		s.Drop(slot.Name)
	}
	return res, nil
}

// Put caches t for slot, as login does with the token that proved the
// secret. A token too short-lived to be served again is not written.
func (s *Store) Put(slot Slot, t Token) error {
	if !ValidName(slot.Name) {
		return fmt.Errorf("invalid cache slot name %q", slot.Name)
	}
	if !t.Cacheable() {
		return nil
	}
	if err := s.ensureDir(); err != nil {
		return err
	}
	return s.write(slot, t)
}

// Peek returns the cached token of slot without fetching, for status.
func (s *Store) Peek(slot Slot) (Token, bool) {
	if !ValidName(slot.Name) {
		return Token{}, false
	}
	return s.read(slot)
}

// read opens the slot's file. Every failure is a miss.
func (s *Store) read(slot Slot) (Token, bool) {
	data, err := readSmall(s.Path(slot.Name))
	if errors.Is(err, errNotPrivate) {
		s.warn("%s is readable or writable by other users; not using it (it will be replaced by a private one)", s.Path(slot.Name))
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log().Debug("cache miss", "profile", slot.Name, "reason", err.Error())
		}
		return Token{}, false
	}
	t, err := Open(data, slot)
	if err != nil {
		s.log().Debug("cache miss", "profile", slot.Name, "reason", err.Error())
		return Token{}, false
	}
	return t, true
}

// errNotPrivate marks a cache file another user owns or others may read or
// write: it is not trusted, and the next write replaces it with a private
// one.
var errNotPrivate = errors.New("cache file is not private")

// readSmall reads at most MaxFileSize bytes of path, if the file is private.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fileperm.Of(fi).Private() {
		return nil, errNotPrivate
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err == nil && len(data) > MaxFileSize {
		err = errors.New("cache file too large")
	}
	return data, err
}

// ensureDir creates the cache folder 0700, and makes an existing one private
// again if others could list or change it.
func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return fmt.Errorf("cannot create the token cache folder: %w", err)
	}
	fi, err := os.Stat(s.Dir)
	if err != nil {
		return fmt.Errorf("cannot use the token cache folder: %w", err)
	}
	st := fileperm.Of(fi)
	if st.ForeignOwner {
		return fmt.Errorf("the token cache folder %s belongs to another user; refusing to use it", s.Dir)
	}
	if st.OthersRead || st.OthersWrite {
		if err := os.Chmod(s.Dir, 0o700); err != nil {
			return fmt.Errorf("the token cache folder %s is open to other users and cannot be made private: %w", s.Dir, err)
		}
		s.warn("%s was open to other users (mode %#o); made it private (0700)", s.Dir, fi.Mode().Perm())
	}
	return nil
}

// write replaces the slot's file atomically (see atomicfile.Write).
func (s *Store) write(slot Slot, t Token) error {
	data, err := Seal(t, slot)
	if err == nil {
		err = atomicfile.Write(s.Path(slot.Name), data)
	}
	if err != nil {
		return fmt.Errorf("cannot write the token cache: %w", err)
	}
	atomicfile.Sweep(s.Path(slot.Name), time.Minute)
	return nil
}

// Drop deletes the cached token of slot name, and any remembered failure, so
// the next Get asks the endpoint. It is how --refresh, git erase, docker
// erase and GOAUTH retries invalidate a token.
func (s *Store) Drop(name string) error {
	if !ValidName(name) {
		return fmt.Errorf("invalid cache slot name %q", name)
	}
	s.forget(name)
	err := robustio.RemoveAll(s.Path(name))
	if err != nil {
		return fmt.Errorf("cannot remove the cached token: %w", err)
	}
	return nil
}

// Remove deletes everything the cache holds for slot name: token, lock,
// remembered failure, handed-token table and leftover temp files. Used by
// logout and login. It takes the slot's lock first, so a fetch in flight
// finishes (and writes) before the token is removed, not after.
func (s *Store) Remove(name string) error {
	if err := s.Drop(name); err != nil {
		return err
	}
	if _, err := os.Stat(s.lockPath(name)); err == nil {
		wait := s.LockWait
		if wait <= 0 {
			wait = DefaultLockWait
		}
		unlock, err := lock(context.Background(), s.lockPath(name), wait, nil)
		if err != nil {
			return err
		}
		defer unlock()
		if err := s.Drop(name); err != nil {
			return err
		}
	}
	for _, p := range append(atomicfile.TempFiles(s.Path(name)), s.lockPath(name), s.memoPath(name), s.handedPath(name)) {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot remove %s: %w", p, err)
		}
	}
	return nil
}
