package cache_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

// getWith calls Get with need and returns the result, failing on an error.
func getWith(t *testing.T, s *cache.Store, need cache.Need, f *fetcher) cache.Result {
	t.Helper()
	res, err := s.Get(t.Context(), testSlot, need, f.fetch)
	if err != nil {
		t.Fatalf("Get(%+v) error = %v, want nil", need, err)
	}
	return res
}

// TestRefreshKeepsTokenOnFailure: a forced refresh during an outage returns
// the error and leaves the cached token exactly as it was, so every later
// call is still served.
func TestRefreshKeepsTokenOnFailure(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	old := tokenAt("good-for-15-minutes", t0, 20*time.Minute)
	mustPut(t, s, testSlot, old)
	before, err := os.ReadFile(s.Path("prod"))
	if err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(5 * time.Minute))

	f := &fetcher{err: errBoom}
	if _, err := s.Get(t.Context(), testSlot, cache.Need{Refresh: true}, f.fetch); !errors.Is(err, errBoom) {
		t.Fatalf("Get(Refresh) during an outage: error = %v, want the fetch error", err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("Get(Refresh) made %d token requests, want 1", n)
	}
	after, err := os.ReadFile(s.Path("prod"))
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("cache file after a failed forced refresh: %v, changed %v; want it untouched", err, !bytes.Equal(before, after))
	}
	checkGet(t, s, f, cache.FromCache, old, 0)

	// Once the endpoint answers, the forced refresh replaces it.
	fresh := tokenAt("new", clk.Now(), 15*time.Minute)
	f.set(fresh, nil)
	res := getWith(t, s, cache.Need{Refresh: true}, f)
	if res.Source != cache.Fetched || !sameToken(res.Token, fresh) {
		t.Errorf("Get(Refresh) = %s %s, want Fetched %s", srcName(res.Source), fmtToken(res.Token), fmtToken(fresh))
	}
	checkCached(t, s, fresh)
}

// TestRefreshWindow: the first forced refresh after an ordinary fetch asks
// (the token may have been refused for a reason a new one fixes); then,
// whatever asks for it, a forced refresh within token.RefreshWindow of that one
// serves its token: one forced request per window. The clock is the
// Store's, and another Store on the same folder (another process) sees the
// forced fetch in the file.
func TestRefreshWindow(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	var mu sync.Mutex
	n := 0
	fetch := func(ctx context.Context) (token.Token, error) {
		mu.Lock()
		n++
		mu.Unlock()
		return tokenAt("tok", clk.Now(), 15*time.Minute), nil
	}
	forced := func(st *cache.Store, at time.Duration) cache.Result {
		t.Helper()
		clk.set(t0.Add(at))
		res, err := st.Get(t.Context(), testSlot, cache.Need{Refresh: true}, fetch)
		if err != nil {
			t.Fatalf("Get(Refresh) at t0+%s: %v", at, err)
		}
		return res
	}
	mustPut(t, s, testSlot, tokenAt("tok", t0, 15*time.Minute))
	if res := forced(s, time.Second); res.Source != cache.Fetched || !res.Token.Forced {
		t.Fatalf("Get(Refresh) of an ordinary token fetched 1s ago = %s forced=%v; want Fetched, forced", srcName(res.Source), res.Token.Forced)
	}
	start := time.Second // the window starts at the forced fetch
	for _, at := range []time.Duration{0, time.Second, 10 * time.Second, token.RefreshWindow - time.Nanosecond} {
		if res := forced(s, start+at); !res.RefreshSkipped || res.Source != cache.FromCache {
			t.Errorf("Get(Refresh) at window start+%s = %s, skipped %v; want the cached token, refresh skipped", at, srcName(res.Source), res.RefreshSkipped)
		}
	}
	if n != 1 {
		t.Fatalf("forced refreshes inside the window made %d token requests, want 1 (the one that opened it)", n)
	}
	if res := forced(s, start+token.RefreshWindow); res.Source != cache.Fetched || res.RefreshSkipped {
		t.Errorf("Get(Refresh) at window end = %s, skipped %v; want Fetched", srcName(res.Source), res.RefreshSkipped)
	}
	other := &cache.Store{Dir: s.Dir, Now: clk.Now, LockWait: time.Second}
	for i := range 5 {
		forced(other, start+token.RefreshWindow+time.Duration(i)*time.Second)
	}
	if n != 2 {
		t.Errorf("token requests: 1 opening the window, 4 inside, 1 at its end, 5 from another process in the next window = %d, want 2", n)
	}
	// An ordinary fetch does not open a window: the token is refreshed
	// (MinValid) and the next forced refresh asks.
	clk.set(t0.Add(start + token.RefreshWindow + 14*time.Minute + 30*time.Second))
	if _, err := s.Get(t.Context(), testSlot, cache.Need{}, fetch); err != nil {
		t.Fatal(err)
	}
	if res := forced(s, start+token.RefreshWindow+14*time.Minute+31*time.Second); res.Source != cache.Fetched {
		t.Errorf("Get(Refresh) 1s after an ordinary fetch = %s, want Fetched", srcName(res.Source))
	}
	if n != 4 {
		t.Errorf("token requests after an ordinary fetch and a forced refresh = %d, want 4", n)
	}
}

// TestRefreshBurst: parallel forced refreshes (separate Stores, as separate
// processes) of a token older than the window make one token request: the
// first fetches, the others find its token fetched moments ago.
func TestRefreshBurst(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	mustPut(t, s, testSlot, tokenAt("old", t0, 20*time.Minute))
	clk.set(t0.Add(5 * time.Minute))
	f := &fetcher{tok: tokenAt("new", t0.Add(5*time.Minute), 15*time.Minute), delay: 20 * time.Millisecond}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	results := make([]cache.Result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &cache.Store{Dir: s.Dir, Now: clk.Now, LockWait: 10 * time.Second}
			results[i], errs[i] = st.Get(context.Background(), testSlot, cache.Need{Refresh: true}, f.fetch)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || results[i].Token.AccessToken != "new" || results[i].WriteErr != nil {
			t.Errorf("forced refresh #%d = %s, %v (write: %v); want the new token, written", i, fmtToken(results[i].Token), errs[i], results[i].WriteErr)
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d parallel forced refreshes made %d token requests, want 1", n, got)
	}
}

// TestRefreshWaiterDoesNotServeOldToken: a forced refresh waiting on the
// lock does not leave early with the token it was asked to replace.
func TestRefreshWaiterDoesNotServeOldToken(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	old := tokenAt("old", t0, 20*time.Minute)
	mustPut(t, s, testSlot, old)
	clk.set(t0.Add(5 * time.Minute))
	_, release := holdLock(t, s.Dir, "prod")
	f := &fetcher{tok: tokenAt("new", clk.Now(), 15*time.Minute)}
	done := make(chan cache.Result, 1)
	go func() {
		res, err := s.Get(context.Background(), testSlot, cache.Need{Refresh: true}, f.fetch)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	// Released with the old token still in place: the waiter must fetch.
	// (Were it to leave early, it would have done so on its first poll.)
	time.Sleep(50 * time.Millisecond)
	release()
	if res := <-done; res.Token.AccessToken != "new" || f.calls.Load() != 1 {
		t.Errorf("forced refresh after waiting = %s after %d requests, want the new token after 1", fmtToken(res.Token), f.calls.Load())
	}
}

// TestRefuse: a refused token (git erase) is not served by the lock-free hit
// path; the next Get asks for a new one and serves it. If that fails, the
// refused token is served stale while it lasts; the refusal holds until a
// new token is in hand.
func TestRefuse(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	old := tokenAt("refused", t0, 20*time.Minute)
	mustPut(t, s, testSlot, old)
	clk.set(t0.Add(5 * time.Minute))
	if err := s.Refuse("prod"); err != nil {
		t.Fatalf("Refuse(prod) = %v", err)
	}
	if tok, ok := s.Peek(testSlot); ok {
		t.Errorf("Peek() after Refuse = %s, want no token on the hit path", fmtToken(tok))
	}

	// The endpoint is down: the refused token rides it out.
	down := &fetcher{err: errBoom}
	res := checkGet(t, s, down, cache.Stale, old, 1)
	if !errors.Is(res.RefreshErr, errBoom) {
		t.Errorf("Get().RefreshErr = %v, want the fetch error", res.RefreshErr)
	}
	// A forced refresh gets the error, and the refused token stays.
	if _, err := s.Get(t.Context(), testSlot, cache.Need{Refresh: true}, down.fetch); !errors.Is(err, errBoom) {
		t.Errorf("Get(Refresh) of a refused token during an outage: error = %v, want the fetch error", err)
	}
	checkGet(t, s, down, cache.Stale, old, 1)

	// Back up: a new token replaces the refused one for good.
	fresh := tokenAt("new", clk.Now(), 15*time.Minute)
	checkGet(t, s, &fetcher{tok: fresh}, cache.Fetched, fresh, 1)
	checkGet(t, s, &fetcher{}, cache.FromCache, fresh, 0)
	if exists(t, s.Dir+"/prod.refused") {
		t.Errorf("prod.refused still exists after a new token was cached")
	}
	if err := s.Refuse("staging"); err != nil {
		t.Errorf("Refuse(staging) with nothing cached = %v, want nil", err)
	}
}

// TestRefuseRecent: a client that refuses a token gets a new one at once;
// one that erases in a loop gets, for token.RefreshWindow, that new token, without
// a further request.
func TestRefuseRecent(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	mustPut(t, s, testSlot, tokenAt("just-fetched", t0, 15*time.Minute))
	f := &fetcher{tok: tokenAt("new", t0.Add(time.Second), 15*time.Minute)}
	clk.set(t0.Add(time.Second))
	if err := s.Refuse("prod"); err != nil {
		t.Fatal(err)
	}
	checkGet(t, s, f, cache.Fetched, f.tok, 1)
	for _, at := range []time.Duration{2 * time.Second, 10 * time.Second, 30 * time.Second} {
		clk.set(t0.Add(at))
		if err := s.Refuse("prod"); err != nil {
			t.Fatal(err)
		}
		if res := checkGet(t, s, f, cache.FromCache, f.tok, 0); !res.RefreshSkipped {
			t.Errorf("Get() after Refuse at t0+%s: RefreshSkipped = false, want true", at)
		}
	}
	clk.set(t0.Add(time.Second + token.RefreshWindow))
	if err := s.Refuse("prod"); err != nil {
		t.Fatal(err)
	}
	checkGet(t, s, f, cache.Fetched, f.tok, 1)
}

// TestMinValid: a token with less life left than MinValid is refreshed; if
// that fails it is served stale while it works; a token with enough is a
// hit; and a token fetched moments ago is served even if the endpoint's
// tokens live less than MinValid.
func TestMinValid(t *testing.T) {
	t.Parallel()
	s, clk := newStore(t)
	need := cache.Need{MinValid: 5 * time.Minute}
	old := tokenAt("old", t0, 15*time.Minute)
	mustPut(t, s, testSlot, old)

	clk.set(old.Expiry.Add(-6 * time.Minute))
	res := getWith(t, s, need, &fetcher{})
	if res.Source != cache.FromCache || !sameToken(res.Token, old) {
		t.Errorf("Get(MinValid 5m) with 6m left = %s %s, want a hit", srcName(res.Source), fmtToken(res.Token))
	}

	clk.set(old.Expiry.Add(-4 * time.Minute))
	down := &fetcher{err: errBoom}
	res = getWith(t, s, need, down)
	if res.Source != cache.Stale || !sameToken(res.Token, old) || !errors.Is(res.RefreshErr, errBoom) || down.calls.Load() != 1 {
		t.Errorf("Get(MinValid 5m) with 4m left, endpoint down = %s %s (%v), %d requests; want Stale, the old token, 1 request", srcName(res.Source), fmtToken(res.Token), res.RefreshErr, down.calls.Load())
	}
	// An ordinary call is still a hit: 4 minutes is plenty for it.
	checkGet(t, s, &fetcher{}, cache.FromCache, old, 0)

	fresh := tokenAt("new", clk.Now(), 15*time.Minute)
	res = getWith(t, s, need, &fetcher{tok: fresh})
	if res.Source != cache.Fetched || !sameToken(res.Token, fresh) {
		t.Errorf("Get(MinValid 5m) with 4m left = %s %s, want Fetched %s", srcName(res.Source), fmtToken(res.Token), fmtToken(fresh))
	}

	// An endpoint whose tokens live 4 minutes cannot do better: the token
	// fetched 10s ago is served, not asked for again on every call.
	short := tokenAt("short", clk.Now(), 4*time.Minute)
	mustPut(t, s, testSlot, short)
	clk.set(short.FetchedAt.Add(10 * time.Second))
	f := &fetcher{tok: tokenAt("again", clk.Now(), 4*time.Minute)}
	if res := checkGet2(t, s, need, f, short, 0); !res.RefreshSkipped {
		t.Errorf("Get(MinValid 5m) of a 4m token fetched 10s ago: RefreshSkipped = false, want true")
	}
}

// checkGet2 is checkGet with a Need.
func checkGet2(t *testing.T, s *cache.Store, need cache.Need, f *fetcher, want token.Token, wantCalls int32) cache.Result {
	t.Helper()
	before := f.calls.Load()
	res := getWith(t, s, need, f)
	if !sameToken(res.Token, want) {
		t.Errorf("Get(%+v).Token = %s, want %s", need, fmtToken(res.Token), fmtToken(want))
	}
	if got := f.calls.Load() - before; got != wantCalls {
		t.Errorf("Get(%+v) made %d token requests, want %d", need, got, wantCalls)
	}
	return res
}
