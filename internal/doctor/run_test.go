package doctor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/token"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/redact"
	"github.com/nxcred/nxcred/internal/testenv"
)

const (
	testClientID = "0oa-doctor-test"
	testSecret   = "S3cret-of-the-doctor-test-5b1e"
	keyringPw    = "keyring-pw-doctor"
)

// missingError is the token path's missing secret: keyring.ErrNoSecret with the
// login command as its hint.
type missingError struct{ p *config.Profile }

func (e missingError) Error() string {
	return "no client secret for " + e.p.Label() + " in the keyring"
}
func (e missingError) Hint() string  { return "run: " + e.p.LoginCommand() }
func (e missingError) Unwrap() error { return keyring.ErrNoSecret }

// fixture is a profile "prod" in a config file, its secret in a file keyring,
// and the real token request (oauth.NewHTTPClient trusting the fake
// endpoint through an SSL_CERT_FILE) to authtest's endpoint: a System as the
// program builds it, with no client on PATH.
type fixture struct {
	s        System
	srv      *oauthtest.Server
	out      *bytes.Buffer
	dir      string
	password string
}

func newSetup(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	ep := testenv.NewEndpoint(t, testClientID, testSecret)
	srv, certFile := ep.Server, ep.CAFile
	u := &fixture{srv: srv, out: &bytes.Buffer{}, dir: dir, password: keyringPw}
	conf := "default = \"prod\"\n\n[profiles.prod]\ninstance = \"acme\"\nregion = \"eu\"\nclient_id = \"" + testClientID + "\"\ntoken_url = \"" + srv.TokenURL() + "\"\n"
	u.s.ConfigPath = filepath.Join(dir, "config.toml")
	if err := os.WriteFile(u.s.ConfigPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ring := u.keyring()
	if err := ring.Set("prod", testSecret); err != nil {
		t.Fatalf("storing the test secret: %v", err)
	}
	secrets := &redact.Set{}
	u.s = System{
		Out: u.out, Scrub: secrets.Clean, ConfigPath: u.s.ConfigPath,
		Keyring: func(*config.Profile) (*keyring.Keyring, error) { return u.keyring(), nil },
		Secret: func(p *config.Profile) (string, error) {
			s, err := u.keyring().Get(p.Name)
			if errors.Is(err, keyring.ErrNoSecret) {
				return "", missingError{p}
			}
			secrets.Add(s)
			return s, err
		},
		CacheDir:   filepath.Join(dir, "cache"),
		CacheState: func(*config.Profile, string) string { return "none (the next call fetches one)" },
		Fetch: func(ctx context.Context, p *config.Profile, secret string) (token.Token, error) {
			client, err := oauth.NewHTTPClient(certFile)
			if err != nil {
				return token.Token{}, err
			}
			defer client.CloseIdleConnections()
			tok, err := (&oauth.Fetcher{Profile: p, Secret: secret, Client: client, Timeout: time.Minute}).Fetch(ctx)
			secrets.Add(tok.AccessToken)
			return tok, err
		},
		LookPath: func(string) (string, error) { return "", errors.New("not on PATH") },
	}
	return u
}

func (u *fixture) keyring() *keyring.Keyring {
	ring, err := keyring.New(keyring.Options{Backend: "file", FileDir: filepath.Join(u.dir, "keyring"), Password: u.password})
	if err != nil {
		panic(err)
	}
	return ring
}

// run runs doctor and returns its report, checked for the secret and every
// token the endpoint issued.
func (u *fixture) run(t *testing.T) (string, Counts) {
	t.Helper()
	u.out.Reset()
	c := Run(context.Background(), u.s)
	out := u.out.String()
	for _, s := range append(u.srv.Issued(), testSecret, keyringPw) {
		if strings.Contains(out, s) {
			t.Errorf("the report shows a secret or token %.8s...:\n%s", s, out)
		}
	}
	return out, c
}

// wantLines checks that each pattern matches a whole line of out.
func wantLines(t *testing.T, out string, patterns ...string) {
	t.Helper()
	for _, p := range patterns {
		if !regexp.MustCompile("(?m)^" + p + "$").MatchString(out) {
			t.Errorf("no line matches %q in\n%s", p, out)
		}
	}
}

// TestRunHealthy: every check passes on a healthy setup, the token check
// makes exactly one token request, and clients not on PATH are fine.
func TestRunHealthy(t *testing.T) {
	u := newSetup(t)
	out, c := u.run(t)
	wantLines(t, out,
		`ok    config: .*config\.toml: 1 profile\(s\)`,
		`ok    profile: prod \(the default profile\); token URL https://127\.0\.0\.1:\d+/oauth2/default/v1/token`,
		`ok    keyring: file \(NXCRED_KEYRING_BACKEND\), opened in .*`,
		`ok    secret: present for profile prod`,
		`ok    cache: .*cache does not exist yet; nxcred creates it with the first token`,
		`ok    token: got a token valid for 15m0s in .* \(not cached\)`,
		`ok    git: not installed \(no git on PATH\)`,
		`11 ok, 0 warn, 0 fail`)
	if c != (Counts{OK: 11}) || u.srv.Hits() != 1 {
		t.Errorf("Run = %+v after %d token requests, want 11 ok after 1", c, u.srv.Hits())
	}
}

// TestRunTokenFailures: the token line is the token request's own
// classified failure, and its fix the failure's hint.
func TestRunTokenFailures(t *testing.T) {
	u := newSetup(t)
	if err := u.keyring().Set("prod", "not-the-secret-9d2c"); err != nil {
		t.Fatal(err)
	}
	out, c := u.run(t)
	wantLines(t, out,
		`fail  token: nexthink rejected the client id or secret of profile prod \(invalid_client.*\)`,
		`      fix: store the right secret: nxcred login --profile prod --instance acme --region eu --client-id 0oa-doctor-test --token-url https://127\.0\.0\.1:\d+/oauth2/default/v1/token`)
	if strings.Contains(out, "not-the-secret") || c.Fail != 1 {
		t.Errorf("Run = %+v, report\n%s\nwant one failure, without the secret", c, out)
	}

	// A token too short-lived to cache is a warning.
	u.keyring().Set("prod", testSecret)
	u.srv.SetLifetime(30)
	out, _ = u.run(t)
	wantLines(t, out, `warn  token: got a token that lives only 30s, so nxcred cannot cache it and every call makes a token request`,
		`      fix: check the token URL \(https://.*\): Nexthink tokens live 15 minutes`)

	// An endpoint this machine does not trust: the TLS failure and its hint.
	u.srv.SetLifetime(900)
	fetch := u.s.Fetch
	u.s.Fetch = func(ctx context.Context, p *config.Profile, secret string) (token.Token, error) {
		client, _ := oauth.NewHTTPClient("")
		defer client.CloseIdleConnections()
		return (&oauth.Fetcher{Profile: p, Secret: secret, Client: client, Timeout: time.Minute}).Fetch(ctx)
	}
	out, _ = u.run(t)
	wantLines(t, out, `fail  token: TLS failure talking to 127\.0\.0\.1:\d+: .*certificate.*`,
		`      fix: if a proxy or firewall inspects TLS, point SSL_CERT_FILE at a bundle that includes its CA`)
	u.s.Fetch = fetch
}

// TestRunSecretFailures: a keyring that does not open fails the keyring
// line and makes no token request; a missing secret fails the secret line
// with the login command.
func TestRunSecretFailures(t *testing.T) {
	u := newSetup(t)
	u.password = "wrong-pw"
	out, c := u.run(t)
	wantLines(t, out, `fail  keyring: file \(NXCRED_KEYRING_BACKEND\): wrong password for the file keyring in .*`,
		`      fix: check NXCRED_KEYRING_PASSWORD`)
	if strings.Contains(out, "secret:") || strings.Contains(out, "token:") || c.Fail != 1 || u.srv.Hits() != 0 {
		t.Errorf("Run = %+v after %d token requests, report\n%s\nwant only the keyring to fail, and no request", c, u.srv.Hits(), out)
	}

	u.password = keyringPw
	u.keyring().Remove("prod")
	out, _ = u.run(t)
	wantLines(t, out, `ok    keyring: file .*`, `fail  secret: no client secret for profile prod in the keyring`,
		`      fix: nxcred login --profile prod --instance acme --region eu --client-id 0oa-doctor-test --token-url https://.*`)
	if u.srv.Hits() != 0 {
		t.Errorf("%d token requests without a secret, want none", u.srv.Hits())
	}

	u.s.Keyring = func(*config.Profile) (*keyring.Keyring, error) {
		return keyring.New(keyring.Options{Backend: "bogus"})
	}
	out, _ = u.run(t)
	wantLines(t, out, `fail  keyring: unknown keyring backend "bogus" \(NXCRED_KEYRING_BACKEND\)`, `      fix: choose one of .*`)
}

// TestRunConfig: the config line is the loader's error and hint, or its
// warning; doctor leaves a file others may read as it is.
func TestRunConfig(t *testing.T) {
	u := newSetup(t)
	os.WriteFile(u.s.ConfigPath, []byte("[profiles.prod]\ninstance = \"acme\"\nregion = \"eu\"\nclient-id = \"x\"\n"), 0o600)
	out, c := u.run(t)
	wantLines(t, out, `fail  config: .*config\.toml:4: unknown key "profiles\.prod\.client-id"`,
		`      fix: edit line 4 of .*config\.toml \(unknown keys are errors\), or move the file away and run nxcred login again`,
		`0 ok, 0 warn, 1 fail`)
	if c != (Counts{Fail: 1}) {
		t.Errorf("Run = %+v, want one failure", c)
	}

	if runtime.GOOS == "windows" {
		return
	}
	os.Remove(u.s.ConfigPath)
	os.WriteFile(u.s.ConfigPath, []byte("[profiles.prod]\ninstance = \"acme\"\nregion = \"eu\"\nclient_id = \"x\"\n"), 0o644)
	os.Chmod(u.s.ConfigPath, 0o644)
	out, _ = u.run(t)
	wantLines(t, out, `warn  config: .*config\.toml is readable by other users \(mode 0644\); .*`, `      fix: chmod 600 .*config\.toml`)
	if fi, _ := os.Stat(u.s.ConfigPath); fi.Mode().Perm() != 0o644 {
		t.Errorf("doctor changed the config file's mode to %#o", fi.Mode().Perm())
	}

	os.Chmod(u.s.ConfigPath, 0o664)
	out, _ = u.run(t)
	wantLines(t, out, `fail  config: .*config\.toml: writable by other users \(mode 0664\); refusing to use it, .*`, `      fix: chmod 600 .*config\.toml`)
}

// TestRunProfile: no profile anywhere is the resolver's failure with its
// login hint; an unusable environment profile is a failure too.
func TestRunProfile(t *testing.T) {
	var out bytes.Buffer
	path := filepath.Join(t.TempDir(), "config.toml")
	c := Run(context.Background(), System{Out: &out, ConfigPath: path})
	want := "ok    config: no config file at " + path + "\n" +
		"fail  profile: no profile: nxcred has no credentials yet\n" +
		"      fix: nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)\n" +
		"1 ok, 0 warn, 1 fail\n"
	if out.String() != want || c != (Counts{OK: 1, Fail: 1}) {
		t.Errorf("Run = %+v, printed\n%s\nwant\n%s", c, &out, want)
	}

	out.Reset()
	Run(context.Background(), System{Out: &out, ConfigPath: path, EnvErr: errors.New("NXCRED_CLIENT_ID is set but NXCRED_CLIENT_SECRET is not")})
	wantLines(t, out.String(), `fail  profile: NXCRED_CLIENT_ID is set but NXCRED_CLIENT_SECRET is not`, `      fix: set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET .*`)
}

// TestRunCache: a cache path that is not a folder fails; an existing
// folder shows what it holds.
func TestRunCache(t *testing.T) {
	u := newSetup(t)
	os.WriteFile(u.s.CacheDir, nil, 0o600)
	out, _ := u.run(t)
	wantLines(t, out, `fail  cache: .*cache is not a folder, so every call that needs a new token fails`, `      fix: rm .*cache \(nxcred creates the folder\)`)
	os.Remove(u.s.CacheDir)
	os.Mkdir(u.s.CacheDir, 0o700)
	out, _ = u.run(t)
	wantLines(t, out, `ok    cache: .*cache; the cached token of profile prod: none \(the next call fetches one\)`)
}
