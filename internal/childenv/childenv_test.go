package childenv

import (
	"os"
	"slices"
	"testing"
)

func TestScrub(t *testing.T) {
	env := []string{"PATH=/bin", "NXCRED_CLIENT_SECRET=s", "nxcred_keyring_password=p", "NEXTHINK_TOKEN=t", "NXCRED_CLIENT_ID=id", "NOEQUALS"}
	got := Scrub(env, "NEXTHINK_TOKEN")
	want := []string{"PATH=/bin", "NXCRED_CLIENT_ID=id", "NOEQUALS"}
	if !slices.Equal(got, want) {
		t.Errorf("Scrub(%q) = %q, want %q", env, got, want)
	}
}

// TestHideSecrets: after it, the process environment (what every child
// inherits, and what Environ starts from) has no secret, and the getenv it
// returns still reads them.
func TestHideSecrets(t *testing.T) {
	t.Setenv("NXCRED_CLIENT_SECRET", "client-secret-1")
	t.Setenv("NXCRED_KEYRING_PASSWORD", "keyring-pw-1")
	t.Setenv("NXCRED_CLIENT_ID", "id-1")
	getenv := HideSecrets()
	for _, name := range Secrets {
		if _, ok := os.LookupEnv(name); ok {
			t.Errorf("%s is still in the process environment", name)
		}
	}
	if getenv("NXCRED_CLIENT_SECRET") != "client-secret-1" || getenv("NXCRED_KEYRING_PASSWORD") != "keyring-pw-1" || getenv("NXCRED_CLIENT_ID") != "id-1" {
		t.Errorf("getenv after HideSecrets = %q, %q, %q; want the values set", getenv("NXCRED_CLIENT_SECRET"), getenv("NXCRED_KEYRING_PASSWORD"), getenv("NXCRED_CLIENT_ID"))
	}
	for _, kv := range Environ() {
		if kv == "NXCRED_CLIENT_SECRET=client-secret-1" || kv == "NXCRED_KEYRING_PASSWORD=keyring-pw-1" {
			t.Errorf("Environ() holds %q", kv)
		}
	}
}
