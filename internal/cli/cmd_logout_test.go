package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// TestLogoutUnknownProfile: logout of a profile that is nowhere exits 1 with
// an error naming it and the profiles there are, with or without --forget,
// and never says it removed anything.
func TestLogoutUnknownProfile(t *testing.T) {
	env := testenv.New(t).With(map[string]string{
		"NXCRED_KEYRING_BACKEND":  "file",
		"NXCRED_KEYRING_PASSWORD": "pw",
	})
	cfg := filepath.Join(env["XDG_CONFIG_HOME"], "nxcred", "config.toml")
	if err := os.MkdirAll(filepath.Dir(cfg), 0o700); err != nil {
		t.Fatal(err)
	}
	config := "default = \"prod\"\n\n[profiles.prod]\ninstance = \"acme\"\nregion = \"eu\"\nclient_id = \"x\"\n\n[profiles.dev]\ninstance = \"acme\"\nregion = \"eu\"\nclient_id = \"y\"\n"
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range []string{"logout --profile nosuchprofile", "logout --profile nosuchprofile --forget"} {
		code, stdout, stderr := runInProcess(t, args, env, "")
		if code != 1 || stdout != "" {
			t.Errorf("run(%q) = %d, stdout %q; want 1 and nothing on stdout", args, code, stdout)
		}
		want := "nxcred: error: no profile named \"nosuchprofile\" (from --profile)\nnxcred: hint: known profiles: dev, prod (nxcred profiles lists them)\n"
		if stderr != want {
			t.Errorf("run(%q) stderr = %q, want %q", args, stderr, want)
		}
	}
	if got, err := os.ReadFile(cfg); err != nil || string(got) != config {
		t.Errorf("config after logout of an unknown profile = %q, %v; want it unchanged", got, err)
	}
}
