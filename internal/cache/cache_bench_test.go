package cache_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

// The hot path of a cache hit, in process: derive the key, read and open the
// file, decide it is fresh. bench/main.go measures the whole process.

var benchID = token.Identity{
	TokenURL: "https://acme-login.eu.nexthink.cloud/oauth2/default/v1/token",
	ClientID: "0oa1b2c3d4e5f6g7h8i9",
	Scope:    "service:integration",
}

const benchSecret = "bench-secret-0123456789abcdef0123456789abcdef"

// benchToken is shaped like a Nexthink token: a JWT of about a kilobyte.
func benchToken(now time.Time) token.Token {
	jwt := "eyJraWQiOiJiZW5jaCIsImFsZyI6IlJTMjU2In0." + strings.Repeat("eyJzdWIiOiIwb2ExYjJjM2Q0In0", 24) + "." + strings.Repeat("c2lnbmF0dXJl", 28)
	return token.Token{AccessToken: jwt, TokenType: "Bearer", FetchedAt: now, Expiry: now.Add(15 * time.Minute)}
}

func benchSlot() cache.Slot {
	return cache.Slot{Name: "prod", ID: benchID, Key: cache.DeriveKey(benchSecret, benchID)}
}

func BenchmarkDeriveKey(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		cache.DeriveKey(benchSecret, benchID)
	}
}

func BenchmarkIdentityString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = benchID.String()
	}
}

func BenchmarkSeal(b *testing.B) {
	slot, tok := benchSlot(), benchToken(time.Now())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cache.Seal(tok, slot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen decrypts a sealed file already in memory.
func BenchmarkOpen(b *testing.B) {
	slot, tok := benchSlot(), benchToken(time.Now())
	data, err := cache.Seal(tok, slot)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cache.Open(data, slot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreGetHit is Store.Get on a hit from a real file: open, stat,
// read, decrypt, check freshness. Any fetch fails the benchmark.
func BenchmarkStoreGetHit(b *testing.B) {
	st := &cache.Store{Dir: b.TempDir()}
	slot := benchSlot()
	if err := st.Put(slot, benchToken(time.Now())); err != nil {
		b.Fatal(err)
	}
	fetch := func(context.Context) (token.Token, error) {
		b.Fatal("Store.Get fetched on a hit")
		return token.Token{}, nil
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := st.Get(ctx, slot, cache.Need{}, fetch)
		if err != nil || res.Source != cache.FromCache {
			b.Fatalf("Store.Get = %v, %v, want a hit", res.Source, err)
		}
	}
}

// BenchmarkStoreGetHitWithKey adds the key derivation every process does
// before its one Get.
func BenchmarkStoreGetHitWithKey(b *testing.B) {
	st := &cache.Store{Dir: b.TempDir()}
	if err := st.Put(benchSlot(), benchToken(time.Now())); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		slot := cache.Slot{Name: "prod", ID: benchID, Key: cache.DeriveKey(benchSecret, benchID)}
		res, err := st.Get(ctx, slot, cache.Need{}, nil)
		if err != nil || res.Source != cache.FromCache {
			b.Fatalf("Store.Get = %v, %v, want a hit", res.Source, err)
		}
	}
}
