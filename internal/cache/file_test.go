package cache_test

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

var update = flag.Bool("update", false, "rewrite testdata/v2.token")

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  token.Token
	}{
		{"typical", tokenAt("eyJhbGciOiJSUzI1NiJ9.payload.sig", t0, time.Hour)},
		{"nanoseconds", token.Token{AccessToken: "a", TokenType: "Bearer",
			Expiry: time.Unix(1772366400, 999999999), FetchedAt: time.Unix(1772362800, 1)}},
		{"empty type", token.Token{AccessToken: "a", Expiry: t0.Add(time.Hour), FetchedAt: t0}},
		{"expiry before fetch", token.Token{AccessToken: "a", TokenType: "b", Expiry: t0.Add(-time.Hour), FetchedAt: t0}},
		{"unix epoch", token.Token{AccessToken: "a", TokenType: "b", Expiry: time.Unix(0, 0), FetchedAt: time.Unix(0, 0)}},
		{"negative unix", token.Token{AccessToken: "a", TokenType: "b", Expiry: time.Unix(0, -1), FetchedAt: time.Unix(-1<<30, 7)}},
		{"years 1700 and 2199", token.Token{AccessToken: "a", TokenType: "b", Expiry: time.Date(2199, 12, 31, 23, 59, 59, 999999999, time.UTC), FetchedAt: time.Date(1700, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"binary bytes", token.Token{AccessToken: "\x00\xff\n=é", TokenType: "\x00", Expiry: t0, FetchedAt: t0}},
		{"largest accepted", token.Token{AccessToken: strings.Repeat("t", cache.MaxFileSize/2),
			TokenType: strings.Repeat("y", 255), Expiry: t0.Add(time.Hour), FetchedAt: t0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := cache.Seal(tt.tok, testSlot)
			if err != nil {
				t.Fatalf("Seal(%s) error = %v, want nil", fmtToken(tt.tok), err)
			}
			if len(data) > cache.MaxFileSize {
				t.Errorf("len(Seal(%s)) = %d, want <= MaxFileSize %d", fmtToken(tt.tok), len(data), cache.MaxFileSize)
			}
			got, err := cache.Open(data, testSlot)
			if err != nil {
				t.Fatalf("Open(Seal(%s)) error = %v, want nil", fmtToken(tt.tok), err)
			}
			if !sameToken(got, tt.tok) {
				t.Errorf("Open(Seal(tok)) = %s, want %s", fmtToken(got), fmtToken(tt.tok))
			}
			if got.Expiry.UnixNano() != tt.tok.Expiry.UnixNano() || got.FetchedAt.UnixNano() != tt.tok.FetchedAt.UnixNano() {
				t.Errorf("Open(Seal(tok)) times = %d, %d ns, want %d, %d ns", got.Expiry.UnixNano(), got.FetchedAt.UnixNano(),
					tt.tok.Expiry.UnixNano(), tt.tok.FetchedAt.UnixNano())
			}
		})
	}
}

// TestSealUsesFreshNonce: two seals of one token must differ, or GCM's
// nonce is being reused.
func TestSealUsesFreshNonce(t *testing.T) {
	t.Parallel()
	tok := tokenAt("at", t0, time.Hour)
	a, err1 := cache.Seal(tok, testSlot)
	b, err2 := cache.Seal(tok, testSlot)
	if err1 != nil || err2 != nil {
		t.Fatalf("Seal(tok) errors = %v, %v, want nil", err1, err2)
	}
	if bytes.Equal(a, b) {
		t.Errorf("Seal(tok) twice = %x both times, want different ciphertexts", a)
	}
}

// TestSealHidesToken: the file must not carry the token or its type in
// plaintext, in any of the token sizes.
func TestSealHidesToken(t *testing.T) {
	t.Parallel()
	for _, access := range []string{"ACCESS-TOKEN-0123456789", strings.Repeat("eyJ0b2tlbiI6InNlY3JldCJ9", 400)} {
		tok := token.Token{AccessToken: access, TokenType: "DPoP-Bearer-Type", Expiry: t0.Add(time.Hour), FetchedAt: t0}
		data, err := cache.Seal(tok, testSlot)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(access[:23])) {
			t.Errorf("Seal(tok) contains the access token %q in plaintext", access[:23])
		}
		if bytes.Contains(data, []byte(tok.TokenType)) {
			t.Errorf("Seal(tok) contains the token type %q in plaintext", tok.TokenType)
		}
		if !bytes.HasPrefix(data, []byte("NXC2")) {
			t.Errorf("Seal(tok)[:4] = %q, want %q", data[:min(4, len(data))], "NXC2")
		}
	}
}

func TestSealRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tok  token.Token
		key  []byte
	}{
		{"type of 256 bytes", token.Token{AccessToken: "a", TokenType: strings.Repeat("y", 256), Expiry: t0, FetchedAt: t0}, testSlot.Key},
		{"token over MaxFileSize/2", token.Token{AccessToken: strings.Repeat("t", cache.MaxFileSize/2+1), Expiry: t0, FetchedAt: t0}, testSlot.Key},
		{"key of 5 bytes", tokenAt("a", t0, time.Hour), []byte("12345")},
		{"nil key", tokenAt("a", t0, time.Hour), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := testSlot
			s.Key = tt.key
			if data, err := cache.Seal(tt.tok, s); err == nil {
				t.Errorf("Seal(%s) = %d bytes, nil error, want an error", tt.name, len(data))
			}
		})
	}
}

// TestOpenRejects: every file that is not this slot's, this identity's and
// this key's must fail to open (and so be a miss).
func TestOpenRejects(t *testing.T) {
	t.Parallel()
	tok := tokenAt("access-token", t0, time.Hour)
	good, err := cache.Seal(tok, testSlot)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Open(good, testSlot); err != nil {
		t.Fatalf("Open(good) error = %v, want nil", err)
	}
	other := func(f func(*token.Identity)) cache.Slot {
		id := testID
		f(&id)
		return slotFor(testSlot.Name, testSecret, id)
	}
	// keepKey changes the identity bound as additional data but not the key,
	// so the additional data alone must refuse the file.
	keepKey := func(s cache.Slot) cache.Slot { s.Key = testSlot.Key; return s }
	wrongMagic := append([]byte("NXC3"), good[4:]...)
	oldMagic := append([]byte("NXC1"), good[4:]...)
	lowerMagic := append([]byte("nxc1"), good[4:]...)
	// A valid seal of a valid payload whose file is over MaxFileSize: only
	// the size check can refuse it.
	big := sealPayload(t, testSlot, encodePayload(token.Token{AccessToken: strings.Repeat("t", cache.MaxFileSize), Expiry: t0, FetchedAt: t0}))
	// The same seal at the largest size allowed opens, so the size check
	// is what refuses big.
	atMax := sealPayload(t, testSlot, encodePayload(token.Token{AccessToken: strings.Repeat("t", cache.MaxFileSize-4-12-16-22), Expiry: t0, FetchedAt: t0}))
	if len(atMax) != cache.MaxFileSize {
		t.Fatalf("len(atMax) = %d, want %d", len(atMax), cache.MaxFileSize)
	}
	if _, err := cache.Open(atMax, testSlot); err != nil {
		t.Fatalf("Open(file of MaxFileSize bytes) error = %v, want nil", err)
	}

	tests := []struct {
		name string
		data []byte
		slot cache.Slot
	}{
		{"other secret", good, slotFor(testSlot.Name, testSecret+"x", testID)},
		{"other token url", good, other(func(id *token.Identity) { id.TokenURL += "x" })},
		{"other client id", good, other(func(id *token.Identity) { id.ClientID += "x" })},
		{"other scope", good, other(func(id *token.Identity) { id.Scope += "x" })},
		{"other token url, same key", good, keepKey(other(func(id *token.Identity) { id.TokenURL += "x" }))},
		{"other client id, same key", good, keepKey(other(func(id *token.Identity) { id.ClientID += "x" }))},
		{"other scope, same key", good, keepKey(other(func(id *token.Identity) { id.Scope += "x" }))},
		{"other name", good, cache.Slot{Name: "staging", ID: testID, Key: testSlot.Key}},
		{"name in other case", good, cache.Slot{Name: "Prod", ID: testID, Key: testSlot.Key}},
		{"wrong magic", wrongMagic, testSlot},
		{"old magic on a new file", oldMagic, testSlot},
		{"lower-case magic", lowerMagic, testSlot},
		{"no magic", good[4:], testSlot},
		{"nil", nil, testSlot},
		{"magic only", []byte("NXC2"), testSlot},
		{"old magic only", []byte("NXC1"), testSlot},
		{"over MaxFileSize", big, testSlot},
		{"good plus a byte", append(append([]byte(nil), good...), 0), testSlot},
		{"short key", good, cache.Slot{Name: testSlot.Name, ID: testID, Key: testSlot.Key[:16]}},
		{"nil key", good, cache.Slot{Name: testSlot.Name, ID: testID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := cache.Open(tt.data, tt.slot); err == nil {
				t.Errorf("Open(%s) = %s, nil error, want an error", tt.name, fmtToken(got))
			}
		})
	}
}

func TestOpenTruncated(t *testing.T) {
	t.Parallel()
	data, err := cache.Seal(tokenAt("access-token", t0, time.Hour), testSlot)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n++ {
		if got, err := cache.Open(data[:n], testSlot); err == nil {
			t.Errorf("Open(file[:%d] of %d bytes) = %s, nil error, want an error", n, len(data), fmtToken(got))
		}
	}
}

func TestOpenBitFlip(t *testing.T) {
	t.Parallel()
	data, err := cache.Seal(tokenAt("access-token", t0, time.Hour), testSlot)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		for bit := range 8 {
			c := append([]byte(nil), data...)
			c[i] ^= 1 << bit
			if got, err := cache.Open(c, testSlot); err == nil {
				t.Errorf("Open(file with bit %d of byte %d flipped) = %s, nil error, want an error", bit, i, fmtToken(got))
			}
		}
	}
}

// TestOpenPayload puts payloads under a valid seal, so that only the payload
// decoder decides. The first case proves the test's encoder matches the
// format, so the others fail for the reason they name.
func TestOpenPayload(t *testing.T) {
	t.Parallel()
	tok := token.Token{AccessToken: "tok", TokenType: "Bearer", Expiry: t0.Add(time.Hour), FetchedAt: t0}
	good := encodePayload(tok)
	times := good[:17] // the two times and the flags byte
	build := func(typeLen byte, typ string, tokLen uint32, access string) []byte {
		p := append([]byte(nil), times...)
		p = append(p, typeLen)
		p = append(p, typ...)
		p = binary.BigEndian.AppendUint32(p, tokLen)
		return append(p, access...)
	}
	tests := []struct {
		name    string
		payload []byte
		ok      bool
	}{
		{"documented encoding", good, true},
		{"empty type", build(0, "", 3, "tok"), true},
		{"empty", nil, false},
		{"times only", times[:16], false},
		{"times and flags only", times, false},
		{"unknown flag", append(append(append([]byte(nil), good[:16]...), 2), good[17:]...), false},
		{"forced flag", append(append(append([]byte(nil), good[:16]...), 1), good[17:]...), true},
		{"17 bytes + type len", append(append([]byte(nil), times...), 0), false},
		{"no token length", append(append([]byte(nil), times...), 6, 'B', 'e', 'a', 'r', 'e', 'r'), false},
		{"partial token length", append(append([]byte(nil), times...), 0, 0, 0, 3), false},
		{"type longer than payload", build(255, "Bearer", 3, "tok"), false},
		{"token length 0", build(6, "Bearer", 0, ""), false},
		{"token shorter than length", build(6, "Bearer", 4, "tok"), false},
		{"token longer than length", build(6, "Bearer", 2, "tok"), false},
		{"token length 2^32-1", build(6, "Bearer", 1<<32-1, "tok"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := cache.Open(sealPayload(t, testSlot, tt.payload), testSlot)
			if (err == nil) != tt.ok {
				t.Errorf("Open(seal(%x)) = %s, error %v, want ok=%v", tt.payload, fmtToken(got), err, tt.ok)
			}
		})
	}
	// And Seal writes the documented encoding.
	data, err := cache.Seal(tok, testSlot)
	if err != nil {
		t.Fatal(err)
	}
	p, err := openPayload(t, testSlot, data)
	if err != nil {
		t.Fatalf("open Seal's file with the documented format: %v", err)
	}
	if !bytes.Equal(p, good) {
		t.Errorf("payload of Seal(tok) = %x, want %x", p, good)
	}
}

// goldenToken is sealed in testdata/v2.token with testSlot (and, without
// Forced, in testdata/v1.token, the format before the flags byte). The files
// pin the formats: if one stops opening, the format changed and the magic
// (and the HKDF salt) must be bumped, since users' files would be misread.
// v1.token is never rewritten: files of that format, written before the
// upgrade, must still open.
var goldenToken = token.Token{
	AccessToken: "golden-access-token",
	TokenType:   "Bearer",
	Expiry:      time.Date(2026, 3, 1, 13, 0, 0, 123456789, time.UTC),
	FetchedAt:   time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC),
	Forced:      true,
}

func TestOpenGoldenFile(t *testing.T) {
	v1 := goldenToken
	v1.Forced = false
	for _, tt := range []struct {
		file string
		want token.Token
	}{{"v1.token", v1}, {"v2.token", goldenToken}} {
		path := filepath.Join("testdata", tt.file)
		if *update && tt.file == "v2.token" {
			data, err := cache.Seal(goldenToken, testSlot)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := cache.Open(data, testSlot)
		if err != nil {
			t.Fatalf("Open(%s) error = %v, want nil (format changed? bump the magic)", path, err)
		}
		if !sameToken(got, tt.want) || got.Forced != tt.want.Forced {
			t.Errorf("Open(%s) = %s forced=%v, want %s forced=%v", path, fmtToken(got), got.Forced, fmtToken(tt.want), tt.want.Forced)
		}
	}
}

// TestSealRefusesWhatOpenRefuses: Seal accepts an empty access token, but
// Open refuses a payload whose token length is 0. Get writes such a token
// when the fetcher returns one, leaving a file that is a miss forever.
func TestSealRefusesWhatOpenRefuses(t *testing.T) {
	t.Parallel()
	tok := token.Token{TokenType: "Bearer", Expiry: t0.Add(time.Hour), FetchedAt: t0}
	data, err := cache.Seal(tok, testSlot)
	if err != nil {
		return // refusing is one fix
	}
	if _, err := cache.Open(data, testSlot); err != nil {
		t.Errorf("Open(Seal(token with empty AccessToken)) error = %v, want nil or Seal to fail", err)
	}
}

// TestSealRefusesUnencodableTimes: the file stores Unix nanoseconds in an
// int64, which covers 1677 to 2262. Seal writes any time.Time; outside that
// range UnixNano overflows and Open returns another instant (a zero
// FetchedAt comes back in 1754, a year-2300 expiry comes back in the 1700s).
func TestSealRefusesUnencodableTimes(t *testing.T) {
	t.Parallel()
	for _, tok := range []token.Token{
		{AccessToken: "a", Expiry: t0, FetchedAt: time.Time{}},
		{AccessToken: "a", Expiry: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), FetchedAt: t0},
	} {
		data, err := cache.Seal(tok, testSlot)
		if err != nil {
			continue // refusing is one fix
		}
		got, err := cache.Open(data, testSlot)
		if err != nil || !sameToken(got, tok) {
			t.Errorf("Open(Seal(%s)) = %s, %v, want the same token or Seal to fail", fmtToken(tok), fmtToken(got), err)
		}
	}
}
