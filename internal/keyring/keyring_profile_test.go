package keyring

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/config"
)

// TestItemKeyPerConfiguration: the item's name carries the profile name
// and a digest of the token URL and client id, so two configurations with
// a profile of the same name never share an item, and the scope (which
// does not change the secret) does not move it.
func TestItemKeyPerConfiguration(t *testing.T) {
	acme := &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1"}
	key := ItemKey(acme)
	if !strings.HasPrefix(key, "nxcred/prod@") || len(key) != len("nxcred/prod@")+12 {
		t.Errorf("ItemKey = %q, want nxcred/prod@ and 12 hex digits", key)
	}
	for _, other := range []*config.Profile{
		{Name: "prod", Instance: "other", Region: "eu", ClientID: "0oa1"},
		{Name: "prod", Instance: "acme", Region: "us", ClientID: "0oa1"},
		{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa2"},
		{Name: "prod", ClientID: "0oa1", TokenURL: "https://login.example.com/token"},
		{Name: "staging", Instance: "acme", Region: "eu", ClientID: "0oa1"},
	} {
		if ItemKey(other) == key {
			t.Errorf("ItemKey(%+v) = %q, the same as acme's", other, key)
		}
	}
	same := *acme
	same.Scope, same.Hosts, same.Keyring = "other:scope", []string{"h.example.com"}, "file"
	if ItemKey(&same) != key {
		t.Errorf("ItemKey changed with scope, hosts or keyring: %q, want %q", ItemKey(&same), key)
	}
	if got, want := ItemLabel(acme), "nxcred: Nexthink client secret of profile prod (acme/eu)"; got != want {
		t.Errorf("ItemLabel = %q, want %q", got, want)
	}
	if got, want := ItemLabel(&config.Profile{Name: "lab", ClientID: "x", TokenURL: "https://login.example.com:8443/t"}), "nxcred: Nexthink client secret of profile lab (login.example.com:8443)"; got != want {
		t.Errorf("ItemLabel = %q, want %q", got, want)
	}
}

// TestGetForMovesOldName: a secret an older nxcred stored as nxcred/<profile>
// is found by GetFor and moved to the new name (written there, then removed
// from the old one); and where a crash left both, the new one is read and
// the old one left alone.
func TestGetForMovesOldName(t *testing.T) {
	dir := t.TempDir()
	k := fileKeyring(t, dir, "pw")
	p := &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1"}
	if err := k.Set("prod", testSecret); err != nil {
		t.Fatal(err)
	}
	if got, err := k.GetFor(p); err != nil || got != testSecret {
		t.Fatalf("GetFor = %q, %v; want the secret stored under the old name", got, err)
	}
	if _, err := k.Get("prod"); !errors.Is(err, ErrNoSecret) {
		t.Errorf("old name after the move: %v, want ErrNoSecret", err)
	}
	names := dirNames(t, dir)
	if want := []string{"nxcred%2F" + strings.TrimPrefix(ItemKey(p), "nxcred/")}; !slices.Equal(names, want) {
		t.Errorf("keyring folder = %q, want %q", names, want)
	}
	// a new nxcred reads the new name from now on, in a fresh process
	if got, err := fileKeyring(t, dir, "pw").GetFor(p); err != nil || got != testSecret {
		t.Errorf("GetFor after the move = %q, %v", got, err)
	}

	// killed between the write and the removal: both names hold a secret
	if err := k.Set("prod", "stale-old-name"); err != nil {
		t.Fatal(err)
	}
	if got, err := fileKeyring(t, dir, "pw").GetFor(p); err != nil || got != testSecret {
		t.Errorf("GetFor with both names = %q, %v; want the new name's", got, err)
	}

	// another configuration's profile of the same name: its own item
	other := &config.Profile{Name: "prod", Instance: "other", Region: "us", ClientID: "0oa9"}
	if err := k.SetFor(other, "other-secret"); err != nil {
		t.Fatal(err)
	}
	if got, err := k.GetFor(p); err != nil || got != testSecret {
		t.Errorf("GetFor(acme) after SetFor(other) = %q, %v", got, err)
	}
	if got, err := k.GetFor(other); err != nil || got != "other-secret" {
		t.Errorf("GetFor(other) = %q, %v", got, err)
	}
}

// TestRemoveFor: a profile's item and its old-name item are removed and
// named; a profile known by name only loses every item of that name, and
// no other profile's; nothing left is not an error.
func TestRemoveFor(t *testing.T) {
	dir := t.TempDir()
	k := fileKeyring(t, dir, "pw")
	p := &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1"}
	other := &config.Profile{Name: "prod", Instance: "other", Region: "eu", ClientID: "0oa1"}
	keep := &config.Profile{Name: "prod2", Instance: "acme", Region: "eu", ClientID: "0oa1"}
	for _, q := range []*config.Profile{p, other, keep} {
		if err := k.SetFor(q, testSecret); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.Set("prod", "old-name"); err != nil {
		t.Fatal(err)
	}
	removed, err := k.RemoveFor(p)
	if want := []string{ItemKey(p), "nxcred/prod"}; err != nil || !slices.Equal(removed, want) {
		t.Errorf("RemoveFor(p) = %q, %v; want %q", removed, err, want)
	}
	removed, err = k.RemoveFor(&config.Profile{Name: "prod"})
	if want := []string{ItemKey(other)}; err != nil || !slices.Equal(removed, want) {
		t.Errorf("RemoveFor(by name) = %q, %v; want %q", removed, err, want)
	}
	if removed, err := k.RemoveFor(p); err != nil || len(removed) != 0 {
		t.Errorf("RemoveFor(p) again = %q, %v; want nothing", removed, err)
	}
	if got, err := k.GetFor(keep); err != nil || got != testSecret {
		t.Errorf("prod2 after removing prod: %q, %v", got, err)
	}
}
