package cache_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

// t0 is the fixed "now" of the tests: no test reads the wall clock to decide
// freshness. The nanoseconds make sure they survive a round trip.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC)

const testSecret = "s3cret-of-the-test-client"

var testID = token.Identity{
	TokenURL: "https://acme.api.eu.nexthink.cloud/api/v1/token",
	ClientID: "client-1",
	Scope:    "service:integration",
}

// testSlot is the slot most tests use; its key is derived once.
var testSlot = cache.Slot{Name: "prod", ID: testID, Key: cache.DeriveKey(testSecret, testID)}

// slotFor returns a slot with its key derived from secret and id.
func slotFor(name, secret string, id token.Identity) cache.Slot {
	return cache.Slot{Name: name, ID: id, Key: cache.DeriveKey(secret, id)}
}

// tokenAt returns a token fetched at fetched that lives for life.
func tokenAt(access string, fetched time.Time, life time.Duration) token.Token {
	return token.Token{AccessToken: access, TokenType: "Bearer", Expiry: fetched.Add(life), FetchedAt: fetched}
}

// sameToken compares tokens by value: times by instant, since Open returns
// them in the local zone.
func sameToken(a, b token.Token) bool {
	return a.AccessToken == b.AccessToken && a.TokenType == b.TokenType &&
		a.Expiry.Equal(b.Expiry) && a.FetchedAt.Equal(b.FetchedAt)
}

// fmtToken prints a token compactly for failure messages.
func fmtToken(t token.Token) string {
	return fmt.Sprintf("{%q %q exp=%s fetched=%s}", t.AccessToken, t.TokenType,
		t.Expiry.UTC().Format(time.RFC3339Nano), t.FetchedAt.UTC().Format(time.RFC3339Nano))
}

func srcName(s cache.Source) string {
	switch s {
	case cache.FromCache:
		return "FromCache"
	case cache.Fetched:
		return "Fetched"
	case cache.Stale:
		return "Stale"
	}
	return fmt.Sprintf("Source(%d)", int(s))
}

// The functions below are an independent encoder of the documented file
// format (file.go): "NXC2" + AES-256-GCM(nonce || ciphertext || tag) with
// "NXC2" + name + "\n" + identity as additional data, the identity being
// each of token URL, client id and scope as <decimal length>:<bytes>. They let tests put any payload under a valid seal, so the
// payload checks of Open are reached, and they pin the format from outside.

var testMagic = []byte("NXC2")

func testAD(s cache.Slot) []byte {
	id := ""
	for _, f := range []string{s.ID.TokenURL, s.ID.ClientID, s.ID.Scope} {
		id += fmt.Sprintf("%d:%s", len(f), f)
	}
	return []byte(string(testMagic) + s.Name + "\n" + id)
}

func testAEAD(tb testing.TB, key []byte) cipher.AEAD {
	tb.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := cipher.NewGCMWithRandomNonce(b)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// sealPayload seals an arbitrary payload for s the way Seal does.
func sealPayload(tb testing.TB, s cache.Slot, payload []byte) []byte {
	tb.Helper()
	return testAEAD(tb, s.Key).Seal(append([]byte(nil), testMagic...), nil, payload, testAD(s))
}

// openPayload returns the payload of a file sealed for s.
func openPayload(tb testing.TB, s cache.Slot, data []byte) ([]byte, error) {
	tb.Helper()
	if len(data) < len(testMagic) || string(data[:len(testMagic)]) != string(testMagic) {
		return nil, fmt.Errorf("no magic")
	}
	return testAEAD(tb, s.Key).Open(nil, nil, data[len(testMagic):], testAD(s))
}

// encodePayload is the documented payload of t.
func encodePayload(t token.Token) []byte {
	p := binary.BigEndian.AppendUint64(nil, uint64(t.Expiry.UnixNano()))
	p = binary.BigEndian.AppendUint64(p, uint64(t.FetchedAt.UnixNano()))
	var flags byte
	if t.Forced {
		flags = 1
	}
	p = append(p, flags)
	p = append(p, byte(len(t.TokenType)))
	p = append(p, t.TokenType...)
	p = binary.BigEndian.AppendUint32(p, uint32(len(t.AccessToken)))
	return append(p, t.AccessToken...)
}
