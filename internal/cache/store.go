package cache

import (
	"github.com/nxcred/nxcred/internal/token"

	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/nxcred/nxcred/internal/atomicfile"
	"github.com/nxcred/nxcred/internal/fileperm"
	"github.com/rogpeppe/go-internal/robustio"
)

// pollWhileWaiting says whether a caller waiting for the lock reads the
// cache file between polls (see Get).
var pollWhileWaiting = runtime.GOOS != "windows"

// DefaultLockWait bounds how long a call waits for another process's token
// request; it stays under Bazel's 10 s helper timeout.
const DefaultLockWait = 8 * time.Second

// Slot names one profile's cache file and how to open it.
type Slot struct {
	// Name is the file's base name; see token.ValidName.
	Name string
	ID   token.Identity
	// Key comes from DeriveKey.
	Key []byte
	// Label names the profile in messages ("profile prod"); empty means
	// "profile <Name>".
	Label string
}

func (s Slot) label() string {
	if s.Label != "" {
		return s.Label
	}
	return "profile " + s.Name
}

// Need is what a caller asks of Get beyond a token that is Fresh. The zero
// value is an ordinary call.
type Need struct {
	// Refresh asks for a new token: a client refused the cached one, or the
	// user asked. The cached token is replaced only once a new one is in
	// hand: when the request fails Get returns its error and the cached
	// token stays, untouched, for the calls that follow. A token fetched
	// by a forced refresh less than token.RefreshWindow ago is served instead of
	// asking again (Result.RefreshSkipped).
	Refresh bool
	// MinValid is the life the token must have left, when that is more
	// than token.Margin. A cached token with less is refreshed; if that fails it
	// is served Stale while it has not expired.
	MinValid time.Duration
}

// satisfiedBy reports whether t may be served at now without a request.
func (n Need) satisfiedBy(t token.Token, now time.Time) bool {
	return !n.Refresh && t.Fresh(now) && t.Expiry.Sub(now) > n.MinValid
}

// settles reports whether t, the cached token at now, may be served to a
// caller that began at began without a request, although satisfiedBy says
// no: it is Fresh and was fetched after the caller began (by another
// process, while this one waited: not the token it was asked to replace),
// or it was fetched less than token.RefreshWindow ago and either that fetch was
// itself forced (at most one forced refresh per window) or this call is
// not forced (a MinValid the endpoint's tokens cannot meet). A refused
// token is never served this way unless it came from a forced refresh.
func (n Need) settles(t token.Token, now, began time.Time, refused bool) bool {
	forced := n.Refresh || refused
	switch {
	case !t.Fresh(now):
		return false
	case t.FetchedAt.After(began) && !refused:
		return true
	case t.Recent(now):
		return t.Forced || !forced
	}
	return false
}

// Source says where Get's token came from.
type Source int

const (
	// FromCache is a hit.
	FromCache Source = iota
	// Fetched is a new token from the endpoint.
	Fetched
	// Stale is a cached token that is due for a refresh (inside its last
	// minute, under Need.MinValid, or refused by a client) served because
	// the refresh failed and it has not expired; Result.RefreshErr says why.
	Stale
)

// Result is what Get returns.
type Result struct {
	Token  token.Token
	Source Source
	// RefreshErr is the failed refresh behind a Stale result.
	RefreshErr error
	// WriteErr is set when a fetched token could not be cached.
	WriteErr error
	// RefreshSkipped says that a refresh was due (Need.Refresh, a token a
	// client refused, Need.MinValid) but the token was fetched less than
	// token.RefreshWindow ago, so it was served instead of asking again.
	RefreshSkipped bool
}

// Settings describes the settings of a token request (Store.Settings).
type Settings interface{ RequestSettings() string }

// SettingsFunc is a Settings made of a function.
type SettingsFunc func() string

// RequestSettings calls f.
func (f SettingsFunc) RequestSettings() string { return f() }

// Fetcher gets a new token from the token endpoint.
type Fetcher func(ctx context.Context) (token.Token, error)

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
	// Settings, when set, describes what shapes a token request besides the
	// slot: proxies, CA bundle, timeout. A remembered failure is replayed
	// only to calls with the same settings, so a user who changes them is
	// tried at once. Asked only when a failure is remembered or recalled.
	Settings Settings

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

// Path is the cache file of slot name.
func (s *Store) Path(name string) string { return filepath.Join(s.Dir, name+".token") }

func (s *Store) lockPath(name string) string { return filepath.Join(s.Dir, name+".lock") }

// refusedPath is where Refuse moves a token a client refused: out of the
// way of the lock-free hit path, and kept to ride out a failed refresh.
func (s *Store) refusedPath(name string) string { return filepath.Join(s.Dir, name+".refused") }

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

// Get returns a token for slot: the cached one while it is Fresh and meets
// need, else a new one from fetch. Cache hits take no lock. A miss takes the
// slot's lock, reads again (another process may have just fetched), and only
// then fetches, so N parallel callers make one token request.
//
// A token that is due for a refresh but was itself fetched by a forced
// refresh less than token.RefreshWindow ago is served without a request, whatever
// made the refresh due. When the
// request fails, a token that has not expired is served Stale, except to a
// caller that asked for Need.Refresh: that caller gets the error, and the
// cached token is kept for the others.
func (s *Store) Get(ctx context.Context, slot Slot, need Need, fetch Fetcher) (Result, error) {
	if !token.ValidName(slot.Name) {
		return Result{}, fmt.Errorf("invalid cache slot name %q", slot.Name)
	}
	if !need.Refresh {
		if t, ok := s.read(slot); ok && need.satisfiedBy(t, s.now()) {
			return Result{Token: t, Source: FromCache}, nil
		}
	}
	if err := s.ensureDir(); err != nil {
		return Result{}, err
	}
	began := s.now()
	unlock, early, err := s.lockOrWait(ctx, slot, need, began)
	if err != nil {
		return Result{}, err
	}
	if early != nil {
		return Result{Token: *early, Source: FromCache, RefreshSkipped: !need.satisfiedBy(*early, s.now())}, nil
	}
	defer unlock()
	cached := s.readHeld(slot)
	now := s.now()
	if cached.have && !cached.refused && need.satisfiedBy(cached.tok, now) {
		return Result{Token: cached.tok, Source: FromCache}, nil
	}
	if cached.have && need.settles(cached.tok, now, began, cached.refused) {
		s.log().Debug("refresh skipped: the token was fetched moments ago or while waiting", "profile", slot.Name, "fetched", now.Sub(cached.tok.FetchedAt).Round(time.Millisecond), "refused", cached.refused)
		return Result{Token: cached.tok, Source: FromCache, RefreshSkipped: true}, nil
	}
	return s.refresh(ctx, slot, need, cached, fetch)
}

// lockOrWait takes the slot's lock for a miss, waiting at most LockWait.
// While another process holds the lock it is fetching: the caller looks at
// the cache between polls and leaves as soon as that process's token is
// there (early), instead of taking the lock in turn only to read it. Not on
// Windows: there a file open for reading cannot be renamed over, and a
// crowd of waiters polling the file starves the holder's write of its
// token, which then fails and leaves every waiter to fetch again. Windows
// waiters take the lock in turn and read under it.
func (s *Store) lockOrWait(ctx context.Context, slot Slot, need Need, began time.Time) (unlock func(), early *token.Token, err error) {
	start := time.Now()
	wait := s.LockWait
	if wait <= 0 {
		wait = DefaultLockWait
	}
	var seen token.Token
	var done func() bool
	if pollWhileWaiting {
		done = func() bool {
			t, ok := s.read(slot)
			seen = t
			now := s.now()
			return ok && (need.satisfiedBy(t, now) || need.settles(t, now, began, false))
		}
	}
	unlock, err = lock(ctx, s.lockPath(slot.Name), wait, done)
	if errors.Is(err, errDone) {
		s.log().Debug("token written by another process while waiting", "profile", slot.Name, "took", time.Since(start))
		return nil, &seen, nil
	}
	if err != nil {
		var le *LockError
		if errors.As(err, &le) {
			le.Profile = slot.label()
		}
		return nil, nil, err
	}
	s.log().Debug("cache lock taken", "profile", slot.Name, "took", time.Since(start))
	return unlock, nil, nil
}

// held is the token a slot holds under its lock: the cached one, else the
// one a client refused (kept to ride out a failed refresh).
type held struct {
	tok           token.Token
	have, refused bool
}

func (s *Store) readHeld(slot Slot) held {
	if t, ok := s.read(slot); ok {
		return held{tok: t, have: true}
	}
	t, ok := s.readFile(slot, s.refusedPath(slot.Name))
	return held{tok: t, have: ok, refused: ok}
}

// refresh fetches a new token under the slot's lock and caches it. A
// failure remembered from another call is replayed instead of asking again;
// a failed fetch is remembered for the calls behind this one. Either way a
// cached token that has not expired is served Stale to callers that did not
// ask for a new one.
func (s *Store) refresh(ctx context.Context, slot Slot, need Need, cached held, fetch Fetcher) (Result, error) {
	fallBack := func(err error) (Result, error) {
		if cached.have && !need.Refresh && cached.tok.Usable(s.now()) {
			return Result{Token: cached.tok, Source: Stale, RefreshErr: err}, nil
		}
		return Result{}, err
	}
	if s.Remember != nil {
		if ferr := s.recall(slot); ferr != nil {
			s.log().Debug("failing fast with a failure remembered from another call", "profile", slot.Name, "at", ferr.At)
			return fallBack(ferr)
		}
	}
	t, err := fetch(ctx)
	if err != nil {
		// A failure is remembered unless the caller gave up (Ctrl-C): a
		// timeout is the endpoint's, and the burst behind it fails fast.
		if s.Remember != nil && !errors.Is(ctx.Err(), context.Canceled) {
			if d := s.Remember(err); d > 0 {
				s.remember(slot, err, d)
			}
		}
		return fallBack(err)
	}
	if s.Remember != nil {
		s.forget(slot.Name)
	}
	// A refresh asked for, or one a client's refusal made due, starts the
	// window in which further forced refreshes serve this token.
	t.Forced = need.Refresh || cached.refused
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
func (s *Store) Put(slot Slot, t token.Token) error {
	if !token.ValidName(slot.Name) {
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
func (s *Store) Peek(slot Slot) (token.Token, bool) {
	if !token.ValidName(slot.Name) {
		return token.Token{}, false
	}
	return s.read(slot)
}

// PeekRefused returns the token a client refused (Refuse), kept to ride out
// a failed refresh until a new one is cached, without locking or fetching.
func (s *Store) PeekRefused(slot Slot) (token.Token, bool) {
	if !token.ValidName(slot.Name) {
		return token.Token{}, false
	}
	return s.readFile(slot, s.refusedPath(slot.Name))
}

// read opens the slot's file. Every failure is a miss.
func (s *Store) read(slot Slot) (token.Token, bool) { return s.readFile(slot, s.Path(slot.Name)) }

// readFile opens a token file of slot at path. Every failure is a miss.
func (s *Store) readFile(slot Slot, path string) (token.Token, bool) {
	data, err := readSmall(path)
	if errors.Is(err, errNotPrivate) {
		s.warn("%s is readable or writable by other users; not using it (it will be replaced by a private one)", path)
	}
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log().Debug("cache miss", "profile", slot.Name, "reason", err.Error())
		}
		return token.Token{}, false
	}
	t, err := Open(data, slot)
	if err != nil {
		s.log().Debug("cache miss", "profile", slot.Name, "reason", err.Error())
		return token.Token{}, false
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

// write replaces the slot's file atomically (see atomicfile.Write). A new
// token in place, a token a client refused is no longer needed.
func (s *Store) write(slot Slot, t token.Token) error {
	data, err := Seal(t, slot)
	if err == nil {
		err = atomicfile.Write(s.Path(slot.Name), data)
	}
	if err != nil {
		return fmt.Errorf("cannot write the token cache: %w", err)
	}
	atomicfile.Sweep(s.Path(slot.Name), time.Minute)
	if err := os.Remove(s.refusedPath(slot.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log().Debug("cannot remove the refused token", "profile", slot.Name, "reason", err.Error())
	}
	return nil
}

// Refuse marks the cached token of slot name as refused by a client (git
// erase, docker logout): the next Get asks for a new one. The token is not
// deleted but moved aside, off the lock-free hit path: if the new request
// fails, Get still serves it while it has not expired, and a token fetched
// less than token.RefreshWindow ago is served again without a request, which
// bounds a client that erases in a loop. No lock is needed: the move is
// atomic, and a token written after it is a new one, not the refused one.
func (s *Store) Refuse(name string) error {
	if !token.ValidName(name) {
		return fmt.Errorf("invalid cache slot name %q", name)
	}
	err := robustio.Rename(s.Path(name), s.refusedPath(name))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot mark the cached token as refused: %w", err)
	}
	return nil
}

// Drop deletes the cached token of slot name (and a refused one), and any
// remembered failure, so the next Get asks the endpoint.
func (s *Store) Drop(name string) error {
	if !token.ValidName(name) {
		return fmt.Errorf("invalid cache slot name %q", name)
	}
	s.forget(name)
	for _, p := range []string{s.Path(name), s.refusedPath(name)} {
		if err := robustio.RemoveAll(p); err != nil {
			return fmt.Errorf("cannot remove the cached token: %w", err)
		}
	}
	return nil
}

// Remove deletes everything the cache holds for slot name: token, refused
// token, lock, remembered failure, handed-token table and leftover temp
// files. Used by logout and login. It takes the slot's lock first, so a
// fetch in flight finishes (and writes) before the token is removed, not
// after.
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
		var le *LockError
		if errors.As(err, &le) {
			le.Profile = "profile " + name
		}
		if err != nil {
			return err
		}
		err = s.Drop(name)
		// Released before the lock file is removed below: Windows cannot
		// remove a file that is open, even by this process.
		unlock()
		if err != nil {
			return err
		}
	}
	for _, p := range append(atomicfile.TempFiles(s.Path(name)), s.lockPath(name), s.memoPath(name), s.handedPath(name)) {
		err := os.Remove(p)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if p == s.lockPath(name) && robustio.IsEphemeralError(err) {
			// Windows: another nxcred has the lock file open, waiting for
			// or holding the lock. It stays; an empty lock file is harmless.
			continue
		}
		return fmt.Errorf("cannot remove %s: %w", p, err)
	}
	return nil
}
