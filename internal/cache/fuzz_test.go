package cache_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

// checkResealed: a token Open accepted must survive Seal and Open unchanged.
func checkResealed(t *testing.T, got token.Token) {
	t.Helper()
	data, err := cache.Seal(got, testSlot)
	if err != nil {
		t.Fatalf("Seal(%s) of a token Open returned: error %v, want nil", fmtToken(got), err)
	}
	again, err := cache.Open(data, testSlot)
	if err != nil {
		t.Fatalf("Open(Seal(%s)) of a token Open returned: error %v, want nil", fmtToken(got), err)
	}
	if !sameToken(again, got) {
		t.Fatalf("Open(Seal(tok)) = %s, want %s", fmtToken(again), fmtToken(got))
	}
}

// FuzzOpen feeds cache files, which anyone with access to the folder can
// write, to Open. Each input is tried twice: as a whole file, and as a
// payload under a valid seal, so that the payload decoder sees arbitrary
// bytes too (a fuzzer cannot forge a GCM tag).
func FuzzOpen(f *testing.F) {
	golden, err := os.ReadFile(filepath.Join("testdata", "v1.token"))
	if err != nil {
		f.Fatal(err)
	}
	fresh, err := cache.Seal(tokenAt("fuzz-access-token", t0, time.Hour), testSlot)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(fresh)
	f.Add(fresh[:len(fresh)-1])
	f.Add([]byte{})
	f.Add([]byte("NXC1"))
	f.Add([]byte("NXC1\x00\x01\x02garbage"))
	f.Add(encodePayload(goldenToken))
	f.Add(encodePayload(token.Token{AccessToken: "x", Expiry: t0, FetchedAt: t0}))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, err := cache.Open(data, testSlot); err == nil {
			checkResealed(t, got)
		}
		got, err := cache.Open(sealPayload(t, testSlot, data), testSlot)
		if err != nil {
			return
		}
		checkResealed(t, got)
		// The payload format has one encoding per token: anything else
		// accepted would be bytes the decoder ignores.
		resealed, err := cache.Seal(got, testSlot)
		if err != nil {
			t.Fatal(err)
		}
		p, err := openPayload(t, testSlot, resealed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(p, data) {
			t.Errorf("payload of Seal(Open(seal(%x))) = %x, want the same payload", data, p)
		}
	})
}

// FuzzSealOpen: whatever Seal accepts, Open gives back unchanged, and never
// for another slot name. Times are Unix nanoseconds, the range the format
// stores.
func FuzzSealOpen(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.sig", "Bearer", t0.Add(time.Hour).UnixNano(), t0.UnixNano())
	f.Add("a", "", int64(0), int64(0))
	f.Add("\x00\xff", "\n", int64(-1), int64(1<<63-1))
	f.Fuzz(func(t *testing.T, access, typ string, expiry, fetched int64) {
		tok := token.Token{AccessToken: access, TokenType: typ, Expiry: time.Unix(0, expiry), FetchedAt: time.Unix(0, fetched)}
		data, err := cache.Seal(tok, testSlot)
		if err != nil {
			inRange := func(t time.Time) bool { return t.Year() >= 1700 && t.Year() < 2200 }
			if access != "" && len(typ) <= 255 && len(access) <= cache.MaxFileSize/2 && inRange(tok.Expiry) && inRange(tok.FetchedAt) {
				t.Fatalf("Seal(%s) error = %v, want nil for a non-empty token of acceptable size and times", fmtToken(tok), err)
			}
			return
		}
		if len(data) > cache.MaxFileSize {
			t.Errorf("len(Seal(%s)) = %d, want <= MaxFileSize", fmtToken(tok), len(data))
		}
		if len(access) >= 16 && bytes.Contains(data, []byte(access)) {
			t.Errorf("Seal(%s) holds the access token in plaintext", fmtToken(tok))
		}
		got, err := cache.Open(data, testSlot)
		if err != nil {
			t.Fatalf("Open(Seal(%s)) error = %v, want nil", fmtToken(tok), err)
		}
		if !sameToken(got, tok) {
			t.Fatalf("Open(Seal(tok)) = %s, want %s", fmtToken(got), fmtToken(tok))
		}
		other := testSlot
		other.Name = "other"
		if got, err := cache.Open(data, other); err == nil {
			t.Errorf("Open(Seal(tok, prod), other) = %s, nil error, want an error", fmtToken(got))
		}
	})
}
