package cache_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

var errBoom = errors.New("token endpoint said no")

// fetcher is a Fetcher that counts its calls.
type fetcher struct {
	calls atomic.Int32
	delay time.Duration

	mu  sync.Mutex
	tok token.Token
	err error
}

func (f *fetcher) set(tok token.Token, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tok, f.err = tok, err
}

func (f *fetcher) fetch(ctx context.Context) (token.Token, error) {
	f.calls.Add(1)
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tok, f.err
}

// clock is the Store's Now, set by the test.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// newStore returns a store on a folder that does not exist yet, so Get must
// create it, and a clock at t0. Its lock wait is a minute: a test that waits
// for a lock sees it released by the test's own doing, never a timer firing
// first on a loaded machine; tests of the wait itself set a short one.
func newStore(t *testing.T) (*cache.Store, *clock) {
	t.Helper()
	c := &clock{now: t0}
	return &cache.Store{Dir: filepath.Join(t.TempDir(), "nxcred"), Now: c.Now, LockWait: time.Minute}, c
}

func exists(t *testing.T, path string) bool {
	t.Helper()
	_, err := os.Lstat(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

func mustPut(t *testing.T, s *cache.Store, slot cache.Slot, tok token.Token) {
	t.Helper()
	if err := s.Put(slot, tok); err != nil {
		t.Fatalf("Put(%s) error = %v, want nil", fmtToken(tok), err)
	}
	if !exists(t, s.Path(slot.Name)) {
		t.Fatalf("Put(%s) wrote no %s", fmtToken(tok), s.Path(slot.Name))
	}
}

// checkGet calls Get and checks source, token and the fetcher's count.
func checkGet(t *testing.T, s *cache.Store, f *fetcher, wantSrc cache.Source, want token.Token, wantCalls int32) cache.Result {
	t.Helper()
	before := f.calls.Load()
	res, err := s.Get(t.Context(), testSlot, cache.Need{}, f.fetch)
	if err != nil {
		t.Fatalf("Get() error = %v, want nil", err)
	}
	if res.Source != wantSrc {
		t.Errorf("Get().Source = %s, want %s", srcName(res.Source), srcName(wantSrc))
	}
	if !sameToken(res.Token, want) {
		t.Errorf("Get().Token = %s, want %s", fmtToken(res.Token), fmtToken(want))
	}
	if res.WriteErr != nil {
		t.Errorf("Get().WriteErr = %v, want nil", res.WriteErr)
	}
	if got := f.calls.Load() - before; got != wantCalls {
		t.Errorf("Get() made %d token requests, want %d", got, wantCalls)
	}
	return res
}

// checkCached checks what the slot's file holds.
func checkCached(t *testing.T, s *cache.Store, want token.Token) {
	t.Helper()
	got, ok := s.Peek(testSlot)
	if !ok || !sameToken(got, want) {
		t.Errorf("Peek() = %s, %v, want %s, true", fmtToken(got), ok, fmtToken(want))
	}
}

func TestGetFetchesThenServesFromCache(t *testing.T) {
	t.Parallel()
	s, c := newStore(t)
	t1 := tokenAt("token-1", t0, time.Hour)
	f := &fetcher{tok: t1}

	checkGet(t, s, f, cache.Fetched, t1, 1)
	checkCached(t, s, t1)
	if runtime.GOOS != "windows" {
		for path, want := range map[string]fs.FileMode{s.Dir: 0o700, s.Path("prod"): 0o600, filepath.Join(s.Dir, "prod.lock"): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("mode of %s = %v, want %v", path, got, want)
			}
		}
	}

	checkGet(t, s, f, cache.FromCache, t1, 0)

	c.set(t1.Expiry.Add(-61 * time.Second))
	checkGet(t, s, f, cache.FromCache, t1, 0)

	c.set(t1.Expiry.Add(-59 * time.Second))
	t2 := tokenAt("token-2", c.Now(), time.Hour)
	f.set(t2, nil)
	checkGet(t, s, f, cache.Fetched, t2, 1)
	checkCached(t, s, t2)
	checkGet(t, s, f, cache.FromCache, t2, 0)

	if m, _ := filepath.Glob(filepath.Join(s.Dir, "*.tmp")); len(m) != 0 {
		t.Errorf("temp files left in the cache folder: %q, want none", m)
	}
}

// TestGetRefreshBoundary: with a cached token, whether Get serves it or
// fetches depends on the time left, to the nanosecond.
func TestGetRefreshBoundary(t *testing.T) {
	t.Parallel()
	cached := tokenAt("cached", t0, time.Hour)
	exp := cached.Expiry
	tests := []struct {
		name string
		now  time.Time
		hit  bool
	}{
		{"expiry-61s", exp.Add(-61 * time.Second), true},
		{"expiry-60s-1ns", exp.Add(-60*time.Second - 1), true},
		{"expiry-60s", exp.Add(-60 * time.Second), false},
		{"expiry-59s", exp.Add(-59 * time.Second), false},
		{"expiry", exp, false},
		{"a day later", exp.Add(24 * time.Hour), false},
		{"clock moved back", t0.Add(-time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, c := newStore(t)
			mustPut(t, s, testSlot, cached)
			c.set(tt.now)
			fresh := tokenAt("fresh", tt.now, time.Hour)
			f := &fetcher{tok: fresh}
			if tt.hit {
				checkGet(t, s, f, cache.FromCache, cached, 0)
				checkCached(t, s, cached)
			} else {
				checkGet(t, s, f, cache.Fetched, fresh, 1)
				checkCached(t, s, fresh)
			}
		})
	}
}

// TestGetShortLivedToken: a token with no more than token.Margin of life is handed
// out but not written, and an older file is dropped.
func TestGetShortLivedToken(t *testing.T) {
	t.Parallel()
	// old is cached but inside its last minute, so Get fetches.
	old := tokenAt("old", t0.Add(-time.Hour), time.Hour+30*time.Second)
	for _, life := range []time.Duration{token.Margin, token.Margin - time.Nanosecond, time.Second, 0} {
		for _, withOld := range []bool{false, true} {
			name := life.String()
			if withOld {
				name += "/older file"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				s, _ := newStore(t)
				if withOld {
					mustPut(t, s, testSlot, old)
				}
				short := tokenAt("short", t0, life)
				f := &fetcher{tok: short}
				checkGet(t, s, f, cache.Fetched, short, 1)
				if exists(t, s.Path("prod")) {
					t.Errorf("after Get() of a token living %s: %s exists, want no file", life, s.Path("prod"))
				}
				// Nothing cached, so the next call fetches again.
				checkGet(t, s, f, cache.Fetched, short, 1)
			})
		}
	}
}

func TestPut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		life  time.Duration
		write bool
	}{
		{time.Hour, true},
		{token.Margin + time.Nanosecond, true},
		{token.Margin, false},
		{0, false},
	}
	for _, tt := range tests {
		t.Run(tt.life.String(), func(t *testing.T) {
			t.Parallel()
			s, _ := newStore(t)
			tok := tokenAt("login-token", t0, tt.life)
			if err := s.Put(testSlot, tok); err != nil {
				t.Fatalf("Put(%s) error = %v, want nil", fmtToken(tok), err)
			}
			if got := exists(t, s.Path("prod")); got != tt.write {
				t.Errorf("after Put(token living %s): file exists = %v, want %v", tt.life, got, tt.write)
			}
			if tt.write {
				checkCached(t, s, tok)
				checkGet(t, s, &fetcher{}, cache.FromCache, tok, 0)
			}
		})
	}
}

// TestGetFetchError: a failed refresh rides on a cached token only while
// that token still works.
func TestGetFetchError(t *testing.T) {
	t.Parallel()
	cached := tokenAt("cached", t0, time.Hour)
	exp := cached.Expiry
	tests := []struct {
		name   string
		cache  bool
		now    time.Time
		stale  bool
		result bool
	}{
		{"inside last minute", true, exp.Add(-30 * time.Second), true, true},
		{"at expiry-60s", true, exp.Add(-60 * time.Second), true, true},
		{"at expiry-1ns", true, exp.Add(-1), true, true},
		{"at expiry", true, exp, false, false},
		{"expired", true, exp.Add(time.Minute), false, false},
		{"clock moved back", true, t0.Add(-time.Second), false, false},
		{"nothing cached", false, exp.Add(-30 * time.Second), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, c := newStore(t)
			if tt.cache {
				mustPut(t, s, testSlot, cached)
			}
			c.set(tt.now)
			f := &fetcher{err: errBoom}
			res, err := s.Get(t.Context(), testSlot, cache.Need{}, f.fetch)
			if n := f.calls.Load(); n != 1 {
				t.Errorf("Get() made %d token requests, want 1", n)
			}
			if !tt.stale {
				if !errors.Is(err, errBoom) {
					t.Errorf("Get() error = %v, want %v", err, errBoom)
				}
				if res.Token.AccessToken != "" {
					t.Errorf("Get().Token = %s with an error, want none", fmtToken(res.Token))
				}
				return
			}
			if err != nil {
				t.Fatalf("Get() error = %v, want nil (a stale token)", err)
			}
			if res.Source != cache.Stale {
				t.Errorf("Get().Source = %s, want Stale", srcName(res.Source))
			}
			if !sameToken(res.Token, cached) {
				t.Errorf("Get().Token = %s, want %s", fmtToken(res.Token), fmtToken(cached))
			}
			if !errors.Is(res.RefreshErr, errBoom) {
				t.Errorf("Get().RefreshErr = %v, want %v", res.RefreshErr, errBoom)
			}
			checkCached(t, s, cached)
		})
	}
}

// TestGetUnreadableFileIsAMiss: anything that does not open is a miss: fetch,
// overwrite, carry on.
func TestGetUnreadableFileIsAMiss(t *testing.T) {
	t.Parallel()
	tok := tokenAt("cached", t0, time.Hour)
	sealFor := func(s cache.Slot) []byte {
		data, err := cache.Seal(tok, s)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	good := sealFor(testSlot)
	otherID := testID
	otherID.ClientID = "client-2"
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"garbage", []byte("this is not a token cache file\n")},
		{"truncated", good[:len(good)-1]},
		{"another slot's file", sealFor(cache.Slot{Name: "staging", ID: testID, Key: testSlot.Key})},
		{"another identity's file", sealFor(slotFor("prod", testSecret, otherID))},
		{"a rotated secret's file", sealFor(slotFor("prod", "old-secret", testID))},
		{"over MaxFileSize", append([]byte("NXC1"), make([]byte, cache.MaxFileSize)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newStore(t)
			if err := os.MkdirAll(s.Dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.Path("prod"), tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, ok := s.Peek(testSlot); ok {
				t.Fatalf("Peek() of %s = ok, want a miss", tt.name)
			}
			fresh := tokenAt("fresh", t0, time.Hour)
			f := &fetcher{tok: fresh}
			checkGet(t, s, f, cache.Fetched, fresh, 1)
			checkCached(t, s, fresh)
			checkGet(t, s, f, cache.FromCache, fresh, 0)
		})
	}
}

// TestGetWriteError: a token that cannot be cached is still handed out, with
// WriteErr saying why.
func TestGetWriteError(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	// A folder where the file should be: reading it fails, and so does the
	// rename over it.
	if err := os.MkdirAll(s.Path("prod"), 0o700); err != nil {
		t.Fatal(err)
	}
	fresh := tokenAt("fresh", t0, time.Hour)
	f := &fetcher{tok: fresh}
	res, err := s.Get(t.Context(), testSlot, cache.Need{}, f.fetch)
	if err != nil {
		t.Fatalf("Get() error = %v, want nil", err)
	}
	if res.Source != cache.Fetched || !sameToken(res.Token, fresh) {
		t.Errorf("Get() = %s, %s, want Fetched, %s", srcName(res.Source), fmtToken(res.Token), fmtToken(fresh))
	}
	if res.WriteErr == nil {
		t.Errorf("Get().WriteErr = nil, want an error")
	}
	if m, _ := filepath.Glob(filepath.Join(s.Dir, "*.tmp")); len(m) != 0 {
		t.Errorf("temp files left after a failed write: %q, want none", m)
	}
}

func TestDrop(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tok := tokenAt("cached", t0, time.Hour)
	f := &fetcher{tok: tok}
	checkGet(t, s, f, cache.Fetched, tok, 1)
	lockPath := filepath.Join(s.Dir, "prod.lock")
	if !exists(t, lockPath) {
		t.Fatalf("Get() left no lock file %s", lockPath)
	}

	if err := s.Drop("prod"); err != nil {
		t.Fatalf("Drop(prod) error = %v, want nil", err)
	}
	if exists(t, s.Path("prod")) {
		t.Errorf("after Drop(prod): %s exists, want it gone", s.Path("prod"))
	}
	// The lock may be held by another process; Drop leaves it.
	if !exists(t, lockPath) {
		t.Errorf("after Drop(prod): %s is gone, want it kept", lockPath)
	}
	checkGet(t, s, f, cache.Fetched, tok, 1)

	if err := s.Drop("staging"); err != nil {
		t.Errorf("Drop(staging) with no file: error = %v, want nil", err)
	}
	empty := &cache.Store{Dir: filepath.Join(t.TempDir(), "missing")}
	if err := empty.Drop("prod"); err != nil {
		t.Errorf("Drop(prod) with no folder: error = %v, want nil", err)
	}
}

func TestRemove(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tok := tokenAt("cached", t0, time.Hour)
	staging := cache.Slot{Name: "staging", ID: testID, Key: testSlot.Key}
	for _, slot := range []cache.Slot{testSlot, staging} {
		if _, err := s.Get(t.Context(), slot, cache.Need{}, (&fetcher{tok: tok}).fetch); err != nil {
			t.Fatal(err)
		}
	}
	var mine, theirs []string
	for _, name := range []string{"prod", "staging"} {
		files := []string{
			s.Path(name),
			filepath.Join(s.Dir, name+".lock"),
			s.Path(name) + ".123456.tmp",
			s.Path(name) + ".1.tmp",
		}
		for _, p := range files[2:] {
			if err := os.WriteFile(p, []byte("leftover"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		if name == "prod" {
			mine = files
		} else {
			theirs = files
		}
	}
	for _, p := range append(mine, theirs...) {
		if !exists(t, p) {
			t.Fatalf("setup: %s missing", p)
		}
	}

	if err := s.Remove("prod"); err != nil {
		t.Fatalf("Remove(prod) error = %v, want nil", err)
	}
	for _, p := range mine {
		if exists(t, p) {
			t.Errorf("after Remove(prod): %s exists, want it gone", p)
		}
	}
	for _, p := range theirs {
		if !exists(t, p) {
			t.Errorf("after Remove(prod): %s is gone, want it kept", p)
		}
	}
	if err := s.Remove("prod"); err != nil {
		t.Errorf("Remove(prod) a second time: error = %v, want nil", err)
	}
	empty := &cache.Store{Dir: filepath.Join(t.TempDir(), "missing")}
	if err := empty.Remove("prod"); err != nil {
		t.Errorf("Remove(prod) with no folder: error = %v, want nil", err)
	}
}

var invalidNames = []string{
	"", ".", "..", "../prod", "a/b", `a\b`, ".hidden", "-flag", "_x", "a b", "a\n", "a\x00",
	"é", "a:b", "a*", strings.Repeat("a", 81),
}

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a", "0", "prod", "Prod-EU_1.x", "env-0123456789abcdef", strings.Repeat("a", 80)} {
		if !token.ValidName(name) {
			t.Errorf("token.ValidName(%q) = false, want true", name)
		}
	}
	for _, name := range invalidNames {
		if token.ValidName(name) {
			t.Errorf("token.ValidName(%q) = true, want false", name)
		}
	}
}

// TestInvalidNameRefused: Get and Put refuse a bad slot name before touching
// the folder or the token endpoint.
func TestInvalidNameRefused(t *testing.T) {
	t.Parallel()
	for _, name := range invalidNames {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			s, _ := newStore(t)
			slot := testSlot
			slot.Name = name
			f := &fetcher{tok: tokenAt("t", t0, time.Hour)}
			if _, err := s.Get(t.Context(), slot, cache.Need{}, f.fetch); err == nil {
				t.Errorf("Get(slot %q) error = nil, want an error", name)
			}
			if n := f.calls.Load(); n != 0 {
				t.Errorf("Get(slot %q) made %d token requests, want 0", name, n)
			}
			if err := s.Put(slot, tokenAt("t", t0, time.Hour)); err == nil {
				t.Errorf("Put(slot %q) error = nil, want an error", name)
			}
			if exists(t, s.Dir) {
				t.Errorf("Get/Put(slot %q) created %s, want nothing", name, s.Dir)
			}
		})
	}
}

// TestDropRemovePeekRefuseInvalidNames: Get and Put check the name, but
// Drop, Remove and Peek join any name to Dir, so "../x" reaches outside the
// cache folder (RemoveAll on Dir/../x.token).
func TestDropRemovePeekRefuseInvalidNames(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	s := &cache.Store{Dir: filepath.Join(parent, "nxcred"), Now: func() time.Time { return t0 }}
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := cache.Slot{Name: "../victim", ID: testID, Key: testSlot.Key}
	data, err := cache.Seal(tokenAt("outside", t0, time.Hour), victim)
	if err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(parent, "victim.token")
	outsideLock := filepath.Join(parent, "victim.lock")
	for _, p := range []string{outside, outsideLock} {
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if got, ok := s.Peek(victim); ok {
		t.Errorf("Peek(slot %q) = %s, true, want a refusal", victim.Name, fmtToken(got))
	}
	if err := s.Drop(victim.Name); err == nil {
		t.Errorf("Drop(%q) error = nil, want an error", victim.Name)
	}
	if err := s.Remove(victim.Name); err == nil {
		t.Errorf("Remove(%q) error = nil, want an error", victim.Name)
	}
	for _, p := range []string{outside, outsideLock} {
		if !exists(t, p) {
			t.Errorf("%s outside the cache folder was deleted, want it kept", p)
		}
	}
}

// TestRemoveKeepsOtherSlotsTempFiles: slot names may hold dots, and the temp
// file pattern of slot "a" (a.token.*.tmp) also matches the temp files of
// slot "a.token.b" (a.token.b.token.123.tmp), so Remove("a") deletes another
// slot's temp file, possibly while that slot is being written.
func TestRemoveKeepsOtherSlotsTempFiles(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if !token.ValidName("a.token.b") {
		t.Fatal(`token.ValidName("a.token.b") = false; the bug needs that name`)
	}
	other := s.Path("a.token.b") + ".123456.tmp"
	if err := os.WriteFile(other, []byte("in flight"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("a"); err != nil {
		t.Fatal(err)
	}
	if !exists(t, other) {
		t.Errorf("Remove(a) deleted %s, the temp file of slot a.token.b, want it kept", other)
	}
}
