package cli

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/testenv"
)

// shellWords splits cmd as the user's shell does, by running it through sh.
func shellWords(t *testing.T, cmd string) []string {
	t.Helper()
	out, err := exec.Command("sh", "-c", "set -- "+cmd+`; for a in "$@"; do printf '%s\0' "$a"; done`).Output()
	if err != nil {
		t.Fatalf("sh could not split %s: %v", cmd, err)
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
}

// TestLoginCommandRoundTrip: the login command every hint gives, typed into
// a shell, stores the profile it was made from, exactly, from nothing and
// over the profile itself; so running a hint never changes a profile. The
// keyring the profile records is one of its settings: the command names it
// (--keyring file), and no NXCRED_KEYRING_BACKEND is needed.
func TestLoginCommandRoundTrip(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh")
	}
	profiles := []*config.Profile{
		{Name: "default", Instance: "acme", Region: "eu", ClientID: "0oa1", Keyring: "file"},
		{Name: "prod", Instance: "acme", Region: "us", ClientID: "0oa1", Scope: "service:integration extra:read",
			TokenURL: "https://login.example.com/oauth2/token", Hosts: []string{"api.example.com", "10.0.0.1:8443"}, Keyring: "file"},
		{Name: "lab", ClientID: `a'b"c$(d)` + "`e`;f|g*~-", TokenURL: "http://127.0.0.1:8080/token?tenant=a&x=$y",
			Hosts: []string{"lab.example.com"}, Keyring: "file"},
		{Name: "dash", Instance: "acme", Region: "pac", ClientID: "-x", Keyring: "file"},
	}
	for _, want := range profiles {
		t.Run(want.Name, func(t *testing.T) {
			env := testenv.New(t).With(map[string]string{
				"NXCRED_KEYRING_PASSWORD": "pw",
			})
			cmd := want.LoginCommand()
			argv := append(shellWords(t, cmd), "--client-secret-stdin", "--no-verify")
			for round := range 2 {
				var out, errb bytes.Buffer
				code := run(context.Background(), argv, strings.NewReader("the-secret"), &out, &errb, env.Getenv)
				if code != 0 {
					t.Fatalf("round %d: %s = %d: %s", round, cmd, code, errb.String())
				}
				cfg, err := config.Load(filepath.Join(env["XDG_CONFIG_HOME"], "nxcred", "config.toml"))
				if err != nil {
					t.Fatal(err)
				}
				if got := cfg.Profiles[want.Name]; !reflect.DeepEqual(got, want) {
					t.Errorf("round %d: %s stored %+v, want %+v", round, cmd, got, want)
				}
			}
		})
	}
}
