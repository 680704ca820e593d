package cache_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/cache"
	"github.com/nxcred/nxcred/internal/token"
)

func TestDeriveKeyDeterministic(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{testSecret, "", "x"} {
		k1 := cache.DeriveKey(secret, testID)
		k2 := cache.DeriveKey(secret, testID)
		if len(k1) != 32 {
			t.Errorf("len(DeriveKey(%q, id)) = %d, want 32", secret, len(k1))
		}
		if !bytes.Equal(k1, k2) {
			t.Errorf("DeriveKey(%q, id) = %x, then %x, want the same key twice", secret, k1, k2)
		}
	}
}

// TestDeriveKeyDiffers proves that a rotated secret, and any change of
// identity, gives another key (so the old file is a miss).
func TestDeriveKeyDiffers(t *testing.T) {
	t.Parallel()
	base := cache.DeriveKey(testSecret, testID)
	with := func(f func(*token.Identity)) token.Identity {
		id := testID
		f(&id)
		return id
	}
	tests := []struct {
		name   string
		secret string
		id     token.Identity
	}{
		{"other secret", testSecret + "2", testID},
		{"empty secret", "", testID},
		{"secret prefix", testSecret[:len(testSecret)-1], testID},
		{"other token url", testSecret, with(func(id *token.Identity) { id.TokenURL = "https://acme.api.us.nexthink.cloud/api/v1/token" })},
		{"other client id", testSecret, with(func(id *token.Identity) { id.ClientID = "client-2" })},
		{"other scope", testSecret, with(func(id *token.Identity) { id.Scope = "service:other" })},
		{"empty scope", testSecret, with(func(id *token.Identity) { id.Scope = "" })},
		{"fields swapped", testSecret, token.Identity{TokenURL: testID.ClientID, ClientID: testID.TokenURL, Scope: testID.Scope}},
		{"zero identity", testSecret, token.Identity{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := cache.DeriveKey(tt.secret, tt.id)
			if len(got) != 32 {
				t.Errorf("len(DeriveKey(%q, %+v)) = %d, want 32", tt.secret, tt.id, len(got))
			}
			if bytes.Equal(got, base) {
				t.Errorf("DeriveKey(%q, %+v) = %x, want a key other than that of the base identity", tt.secret, tt.id, got)
			}
		})
	}
}

// TestIdentityFieldsDoNotRunTogether: the identity is both the HKDF info and
// the additional data, joined with "\n". Nothing stops a field from holding
// "\n", so two different identities can give the same key and the same
// additional data; then a file of one opens as the other.
func TestIdentityFieldsDoNotRunTogether(t *testing.T) {
	t.Parallel()
	a := token.Identity{TokenURL: "https://a/t\nc1", ClientID: "s", Scope: ""}
	b := token.Identity{TokenURL: "https://a/t", ClientID: "c1\ns", Scope: ""}
	if ka, kb := cache.DeriveKey(testSecret, a), cache.DeriveKey(testSecret, b); bytes.Equal(ka, kb) {
		t.Errorf("DeriveKey(secret, %#v) = %x, DeriveKey(secret, %#v) = %x, want different keys", a, ka, b, kb)
	}
	sa, sb := slotFor("p", testSecret, a), slotFor("p", testSecret, b)
	data, err := cache.Seal(tokenAt("at", t0, time.Hour), sa)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Open(data, sb); err == nil {
		t.Errorf("Open(Seal(tok, %#v), %#v) = nil error, want an error", a, b)
	}
}
