package cache_test

import (
	"bytes"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

func handed(t *testing.T, s *cache.Store, tok token.Token, client string) bool {
	t.Helper()
	again, err := s.Handed("prod", tok, client)
	if err != nil {
		t.Fatalf("Handed(%s): %v", client, err)
	}
	return again
}

// entry is the table entry a client's name picks.
func entry(client string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(client))
	return h.Sum64() % 256
}

// distinctClients returns n client names that pick n different entries.
func distinctClients(n int) []string {
	seen := map[uint64]bool{}
	var out []string
	for i := 0; len(out) < n; i++ {
		c := "4242." + strconv.Itoa(i)
		if !seen[entry(c)] {
			seen[entry(c)] = true
			out = append(out, c)
		}
	}
	return out
}

// The second time a client is handed the same token, Handed says so; another
// client, or a newer token, is a first time.
func TestHandedRecognisesARepeat(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tok1 := tokenAt("one", t0, time.Hour)
	tok2 := tokenAt("two", t0.Add(time.Minute), time.Hour)
	c := distinctClients(4)
	for _, step := range []struct {
		tok    token.Token
		client string
		again  bool
	}{
		{tok1, c[0], false},
		{tok1, c[0], true},
		{tok1, c[0], true},
		{tok1, c[1], false},
		{tok1, c[2], false},
		{tok2, c[0], false},
		{tok2, c[0], true},
		// a client that read the older token just before the refresh
		{tok1, c[3], false},
		{tok1, c[3], true},
		{tok1, c[1], true},
	} {
		if got := handed(t, s, step.tok, step.client); got != step.again {
			t.Fatalf("Handed(%s, %s) = %v, want %v", step.tok.AccessToken, step.client, got, step.again)
		}
	}
}

// However many clients, the table stays one 4 KiB file, and Remove takes it.
func TestHandedTableIsBounded(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tok := tokenAt("t", t0, time.Hour)
	for i := range 2000 {
		handed(t, s, tok, "7."+strconv.Itoa(i))
	}
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "prod.clients" {
		t.Fatalf("cache folder holds %v, want only prod.clients", entries)
	}
	fi, err := os.Stat(filepath.Join(s.Dir, "prod.clients"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 4096 {
		t.Fatalf("table is %d bytes, want at most 4096", fi.Size())
	}
	if err := s.Remove("prod"); err != nil {
		t.Fatal(err)
	}
	if exists(t, filepath.Join(s.Dir, "prod.clients")) {
		t.Fatal("Remove left the table")
	}
}

// The table holds nothing of the token.
func TestHandedRecordsNoToken(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tok := tokenAt("secret-token-value", t0, time.Hour)
	handed(t, s, tok, "100.5")
	data, err := os.ReadFile(filepath.Join(s.Dir, "prod.clients"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("secret")) || bytes.Contains(data, []byte("100.5")) {
		t.Fatalf("table holds the token or the client's name: %q", data)
	}
}

// A damaged table is no record: the client gets a first time, and the
// entry is written anew.
func TestHandedDamagedTable(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tok := tokenAt("t", t0, time.Hour)
	for _, junk := range [][]byte{{}, []byte("short"), bytes.Repeat([]byte{0xff}, 5000)} {
		if err := os.WriteFile(filepath.Join(s.Dir, "prod.clients"), junk, 0o600); err != nil {
			t.Fatal(err)
		}
		if handed(t, s, tok, "100.5") {
			t.Fatalf("table %q: a first call seen as a repeat", junk)
		}
		if !handed(t, s, tok, "100.5") {
			t.Fatalf("table %q: a repeat not seen", junk)
		}
	}
}

func TestHandedRefusesBadNames(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	tok := tokenAt("t", t0, time.Hour)
	for _, tc := range []struct{ slot, client string }{
		{"../x", "100.5"}, {"prod", ""},
	} {
		if _, err := s.Handed(tc.slot, tok, tc.client); err == nil {
			t.Errorf("Handed(%q, %q) = nil error", tc.slot, tc.client)
		}
	}
	if exists(t, filepath.Join(filepath.Dir(s.Dir), "x.clients")) {
		t.Error("a bad slot name wrote outside the cache folder")
	}
}

// First calls of many clients at once (client-go runs the plugin once at a
// time per authenticator, so a client never races itself): each is a first
// time, and each repeat afterwards is seen.
func TestHandedConcurrent(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	tok := tokenAt("t", t0, time.Hour)
	clients := distinctClients(32)
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if again, err := s.Handed("prod", tok, c); err != nil || again {
				t.Errorf("Handed(%s) = %v, %v; want a first time", c, again, err)
			}
		}()
	}
	wg.Wait()
	for _, c := range clients {
		if !handed(t, s, tok, c) {
			t.Errorf("Handed(%s) again = false, want a repeat", c)
		}
	}
}

// Handed runs on every kubectl cache hit.
func BenchmarkHanded(b *testing.B) {
	s := &cache.Store{Dir: b.TempDir()}
	tok := tokenAt("t", t0, time.Hour)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		if _, err := s.Handed("prod", tok, "2."+strconv.Itoa(i)); err != nil {
			b.Fatal(err)
		}
	}
}
