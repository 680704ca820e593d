package oauth_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
)

// The profile lookup of a cache hit, in process: read and parse the config
// file, build the environment profile, resolve the call's profile, and (for
// keyring profiles) read the secret. bench/main.go measures whole processes.

const benchConfig = `# nxcred profiles. Written by ` + "`nxcred login`" + `; no secret or token is ever kept here.

default = "prod"

[profiles.prod]
instance = "acme"
region = "eu"
client_id = "0oa1b2c3d4e5f6g7h8i9"

[profiles.staging]
instance = "acme-staging"
region = "us"
client_id = "0oa9h8g7f6e5d4c3b2a1"
scope = "service:integration"
hosts = ["nexthink-proxy.example.com"]

[profiles.lab]
client_id = "lab-client"
token_url = "https://login.lab.example.com/oauth2/default/v1/token"
hosts = ["api.lab.example.com", "api2.lab.example.com"]
`

func benchEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

var benchEnvVars = map[string]string{
	config.EnvClientID:     "0oa1b2c3d4e5f6g7h8i9",
	config.EnvClientSecret: "bench-secret-0123456789abcdef",
	config.EnvInstance:     "acme",
	config.EnvRegion:       "eu",
}

// BenchmarkParseConfig parses a three-profile file (BurntSushi/toml, then
// validation of every profile).
func BenchmarkParseConfig(b *testing.B) {
	data := []byte(benchConfig)
	b.ReportAllocs()
	for b.Loop() {
		c, err := config.Parse(data)
		if err != nil || len(c.Profiles) != 3 {
			b.Fatalf("ParseConfig = %v, %v, want 3 profiles", c, err)
		}
	}
}

// BenchmarkLoadConfig adds the file: open, ownership and mode check, read.
func BenchmarkLoadConfig(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(benchConfig), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadConfigMissing is the environment profile's case: no file.
func BenchmarkLoadConfigMissing(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config.toml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := config.Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnvProfile(b *testing.B) {
	getenv := benchEnv(benchEnvVars)
	b.ReportAllocs()
	for b.Loop() {
		if p, _, err := config.EnvProfile(getenv); err != nil || p == nil {
			b.Fatalf("EnvProfile = %v, %v", p, err)
		}
	}
}

// BenchmarkResolve picks a profile from a parsed config: the default, by
// a request's host, and the environment profile.
func BenchmarkResolve(b *testing.B) {
	cfg, err := config.Parse([]byte(benchConfig))
	if err != nil {
		b.Fatal(err)
	}
	env, _, err := config.EnvProfile(benchEnv(benchEnvVars))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		env  *config.Profile
		ch   config.Choice
		want string
	}{
		{"default", nil, config.Choice{}, "prod"},
		{"host", nil, config.Choice{Host: "api2.lab.example.com"}, "lab"},
		{"env", env, config.Choice{}, config.EnvProfileName},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := config.Resolve(cfg, bc.env, bc.ch)
				if err != nil || p.Name != bc.want {
					b.Fatalf("Resolve = %v, %v, want %s", p, err, bc.want)
				}
			}
		})
	}
}

// BenchmarkProfileSlot is what a call computes to find its cache file: the
// slot name (a digest for the environment profile) and the identity.
func BenchmarkProfileSlot(b *testing.B) {
	env, _, err := config.EnvProfile(benchEnv(benchEnvVars))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = env.SlotName()
		_ = env.Identity()
	}
}

// BenchmarkKeyringGetFile is the file keyring as one process uses it: a new
// keyring.Keyring, then one Get (jose2go PBES2 decryption).
func BenchmarkKeyringGetFile(b *testing.B) {
	opts := keyring.Options{Backend: "file", FileDir: filepath.Join(b.TempDir(), "keyring"), Password: "bench-keyring-password"}
	k, err := keyring.New(opts)
	if err != nil {
		b.Fatal(err)
	}
	if err := k.Set("prod", "bench-secret-0123456789abcdef"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		k, err := keyring.New(opts)
		if err != nil {
			b.Fatal(err)
		}
		if s, err := k.Get("prod"); err != nil || s == "" {
			b.Fatalf("Get = %q, %v", s, err)
		}
	}
}
