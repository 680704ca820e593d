//go:build windows

package cli

// The checks only Windows has: the Credential Manager, its file locks and
// sharing rules, %LOCALAPPDATA%, and the .exe helper names. The Windows lane
// (scripts/windows-lane.sh) runs them under Wine; go test runs them on
// Windows.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/danieljoos/wincred"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/wine"
)

// run runs nxcred with args and stdin in p's environment.
func (p *procEnv) run(stdin string, args ...string) (stdout, stderr string, err error) {
	cmd := p.command(args...)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// withoutEnvProfile drops the environment profile, for config profiles.
func (p *procEnv) withoutEnvProfile() *procEnv {
	for _, k := range []string{"NXCRED_CLIENT_ID", "NXCRED_CLIENT_SECRET", "NXCRED_TOKEN_URL"} {
		delete(p.vars, k)
	}
	return p
}

// uniqueProfile is a profile name no other run uses: the Credential Manager
// and %LOCALAPPDATA% belong to the Windows user, not to the test.
func uniqueProfile(prefix string) string {
	b := make([]byte, 4)
	rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

func mustRun(t *testing.T, p *procEnv, stdin string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := p.run(stdin, args...)
	if err != nil {
		t.Fatalf("nxcred %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, stdout, stderr)
	}
	return stdout, stderr
}

// noSecretIn fails if a file under dir holds the client secret.
func noSecretIn(t *testing.T, dir string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(scriptSecret)) {
			t.Errorf("%s holds the client secret in plaintext", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatalf("no file under %s: the check proves nothing", dir)
	}
}

// TestWindowsWincred: with no NXCRED_KEYRING_BACKEND, login stores the
// secret in the Credential Manager as the generic credential
// nxcred:nxcred:nxcred/<profile>@<digest> (the name the README gives) and
// records the backend in the profile, status and token use it, no file
// holds it, and logout removes it.
func TestWindowsWincred(t *testing.T) {
	p := newProcEnv(t).withoutEnvProfile()
	profile := uniqueProfile("wincred")
	target := "nxcred:nxcred:" + keyring.ItemKey(&config.Profile{Name: profile, Instance: "acme", Region: "eu", ClientID: scriptClientID, TokenURL: p.srv.TokenURL()})
	t.Cleanup(func() {
		if c, err := wincred.GetGenericCredential(target); err == nil {
			c.Delete()
		}
	})

	_, stderr := mustRun(t, p, scriptSecret, "login", "--profile", profile, "--instance", "acme", "--region", "eu",
		"--client-id", scriptClientID, "--token-url", p.srv.TokenURL(), "--client-secret-stdin")
	if want := "nxcred: profile " + profile + " saved: secret in the wincred keyring, checked with Nexthink\n"; stderr != want {
		t.Errorf("login stderr = %q, want %q", stderr, want)
	}
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		t.Fatalf("the Credential Manager has no %s after login: %v", target, err)
	}
	if string(c.CredentialBlob) != scriptSecret {
		t.Errorf("credential %s holds %d bytes, not the secret", target, len(c.CredentialBlob))
	}

	status, _ := mustRun(t, p, "", "status", "--profile", profile)
	for _, re := range []string{`(?m)^keyring:\s+wincred \(recorded in profile ` + regexp.QuoteMeta(profile) + `\)$`, `(?m)^secret:\s+present$`, `(?m)^cached token:\s+valid for `} {
		if !regexp.MustCompile(re).MatchString(status) {
			t.Errorf("status does not match %s:\n%s", re, status)
		}
	}
	tok, stderr := mustRun(t, p, "", "token", "--profile", profile)
	if issued := p.srv.Issued(); len(issued) != 1 || strings.TrimSpace(tok) != issued[0] || stderr != "" {
		t.Errorf("token = %q (stderr %q), want login's token %q from the cache", tok, stderr, issued)
	}
	// A fetch takes the profile's lock, so logout below has a lock file to
	// remove: Windows cannot remove it while it is open.
	tok, stderr = mustRun(t, p, "", "token", "--profile", profile, "--refresh")
	if issued := p.srv.Issued(); len(issued) != 2 || strings.TrimSpace(tok) != issued[1] || stderr != "" {
		t.Errorf("token --refresh = %q (stderr %q), want a new token of %q", tok, stderr, issued)
	}
	noSecretIn(t, p.home)

	_, stderr = mustRun(t, p, "", "logout", "--profile", profile)
	if want := "nxcred: profile " + profile + " logged out: removed its secret from the wincred keyring (item " + strings.TrimPrefix(target, "nxcred:nxcred:") + ") and its cached token\n"; stderr != want {
		t.Errorf("logout stderr = %q, want %q", stderr, want)
	}
	if _, err := wincred.GetGenericCredential(target); err == nil {
		t.Errorf("the Credential Manager still holds %s after logout", target)
	}
	out, stderr, err := p.run("", "token", "--profile", profile)
	if err == nil || out != "" || !strings.HasPrefix(stderr, "nxcred: error: no client secret for profile "+profile+" in the keyring\nnxcred: hint: run: nxcred login --profile "+profile+" ") {
		t.Errorf("token after logout = %q, %v, stderr %q; want the missing secret and the login command", out, err, stderr)
	}
	if n := p.srv.Hits(); n != 2 {
		t.Errorf("token requests = %d, want 2 (login's and the refresh)", n)
	}
	if files, _ := filepath.Glob(filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred", profile+".*")); len(files) != 0 {
		t.Errorf("after logout the cache still holds %q", files)
	}
}

// TestWindowsLockHeld: while one process holds the profile's lock (its token
// request held open by the endpoint), another waits on the Windows file lock
// for all of NXCRED_TIMEOUT, then fails naming the lock, having asked the
// endpoint nothing. Once the holder finishes, every call gets its token.
func TestWindowsLockHeld(t *testing.T) {
	p := newProcEnv(t)
	held, release := p.srv.Hold()
	defer release()
	holder := p.command("token")
	var holderOut bytes.Buffer
	holder.Stdout = &holderOut
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	select {
	case <-held:
	case <-time.After(60 * time.Second):
		t.Fatal("the first call never reached the token endpoint")
	}

	p.vars["NXCRED_TIMEOUT"] = "2s"
	out, stderr, err := p.run("", "token")
	lockErr := regexp.MustCompile(`^nxcred: error: timed out after [\d.]+m?s waiting for another nxcred process fetching the token of the environment profile \(lock .+\.lock\)\nnxcred: hint: .*raise NXCRED_TIMEOUT \(now 2s\)`)
	if err == nil || out != "" || !lockErr.MatchString(stderr) {
		t.Errorf("token while another holds the lock = %q, %v, stderr %q; want the lock timeout", out, err, stderr)
	}
	if n := p.srv.Hits(); n != 1 {
		t.Errorf("token requests = %d, want 1 (the holder's): the waiter must not ask", n)
	}

	delete(p.vars, "NXCRED_TIMEOUT")
	waiter := p.command("token")
	var waiterOut bytes.Buffer
	waiter.Stdout = &waiterOut
	if err := waiter.Start(); err != nil {
		t.Fatal(err)
	}
	release()
	if err := holder.Wait(); err != nil {
		t.Fatalf("the holder: %v", err)
	}
	if err := waiter.Wait(); err != nil {
		t.Fatalf("a call started while the lock was held: %v", err)
	}
	issued := p.srv.Issued()
	if len(issued) != 1 || strings.TrimSpace(holderOut.String()) != issued[0] || waiterOut.String() != holderOut.String() {
		t.Errorf("holder printed %q, waiter %q, endpoint issued %q: want one token for both", holderOut.String(), waiterOut.String(), issued)
	}
}

// holdOpen opens path as a reader would and closes it after d: Windows
// refuses to rename over or remove a file while it is open so.
func holdOpen(t *testing.T, path string, d time.Duration) (released <-chan struct{}) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	time.AfterFunc(d, func() { f.Close(); close(done) })
	return done
}

// TestWindowsCacheReplacedWhileRead: Windows refuses to rename over or remove
// a file that another process has open, and nxcred replaces the cache file
// by a rename (and --refresh removes it first) while other processes may
// be reading it. A writer meeting such a reader retries for 2 s: with the
// file held open for 1 s from before the writer starts, the write (and the
// removal) still succeed, with nothing on stderr. Then calls that read while
// others refresh all succeed with tokens the endpoint issued.
func TestWindowsCacheReplacedWhileRead(t *testing.T) {
	const hold = time.Second // under the writer's 2 s of retries
	p := newProcEnv(t)
	dir := filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	slot := p.slotFile(t)

	// A cache file that does not open: the call fetches and renames its
	// new file over the one held open.
	if err := os.WriteFile(slot, []byte("not a token"), 0o600); err != nil {
		t.Fatal(err)
	}
	released := holdOpen(t, slot, hold)
	out, stderr, err := p.run("", "token")
	<-released
	if err != nil || stderr != "" || !strings.HasPrefix(out, "tok-1-") {
		t.Errorf("token while the cache file is held open = %q, %v, stderr %q; want the token and no warning", out, err, stderr)
	}
	if again, _, err := p.run("", "token"); err != nil || again != out || p.srv.Hits() != 1 {
		t.Errorf("next token = %q, %v, %d requests; want %q from the cache written over the held file", again, err, p.srv.Hits(), out)
	}

	// --refresh removes the held file, then writes the new one.
	released = holdOpen(t, slot, hold)
	out, stderr, err = p.run("", "token", "--refresh")
	<-released
	if err != nil || stderr != "" || !strings.HasPrefix(out, "tok-2-") {
		t.Errorf("token --refresh while the cache file is held open = %q, %v, stderr %q; want the new token and no warning", out, err, stderr)
	}

	// Readers in a loop while a writer refreshes: no call fails.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 100)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out, stderr, err := p.run("", "token")
				if tok := strings.TrimSpace(out); err != nil || stderr != "" || !contains(p.srv.Issued(), tok) {
					errs <- fmt.Sprintf("reader: token = %q, %v, stderr %q", out, err, stderr)
					return
				}
			}
		}()
	}
	for range 4 {
		// Older than the forced-refresh window, so that --refresh writes
		// again rather than serving the token it refreshed a moment ago.
		if err := retimeCachedToken(func(k string) string { return p.vars[k] }, filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred"), time.Minute, 14*time.Minute); err != nil {
			t.Fatal(err)
		}
		out, stderr, err := p.run("", "token", "--refresh")
		if err != nil || stderr != "" || !strings.HasPrefix(out, "tok-") {
			t.Errorf("writer: token --refresh = %q, %v, stderr %q", out, err, stderr)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// slotFile is the cache file of p's environment profile.
func (p *procEnv) slotFile(t *testing.T) string {
	t.Helper()
	prof, _, err := config.EnvProfile(func(k string) string { return p.vars[k] })
	if err != nil || prof == nil {
		t.Fatalf("the environment profile: %v, %v", prof, err)
	}
	return filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred", prof.SlotName()+".token")
}

// TestWindowsLocalAppData: with no XDG_* variables, the config, the token
// cache and the file keyring live where the README says, under
// %LOCALAPPDATA%: nxcred\config.toml, cache\nxcred\<profile>.token and
// nxcred\keyring\.
func TestWindowsLocalAppData(t *testing.T) {
	if !wine.Running() {
		t.Skip("writes to the real %LOCALAPPDATA%: runs under Wine only, where the Windows lane gives every run a new Windows user")
	}
	local := os.Getenv("LOCALAPPDATA")
	if local == "" {
		t.Fatal("LOCALAPPDATA is not set")
	}
	p := newProcEnv(t).withoutEnvProfile()
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"} {
		delete(p.vars, k)
	}
	for _, k := range []string{"LOCALAPPDATA", "APPDATA", "USERPROFILE", "USERNAME"} {
		p.vars[k] = os.Getenv(k)
	}
	p.vars["NXCRED_KEYRING_BACKEND"] = "file"
	p.vars["NXCRED_KEYRING_PASSWORD"] = "keyring-pw-1"
	profile := uniqueProfile("localappdata")
	t.Cleanup(func() { p.run("", "logout", "--profile", profile, "--forget") })

	mustRun(t, p, scriptSecret, "login", "--profile", profile, "--instance", "acme", "--region", "eu",
		"--client-id", scriptClientID, "--token-url", p.srv.TokenURL(), "--client-secret-stdin")
	config := filepath.Join(local, "nxcred", "config.toml")
	token := filepath.Join(local, "cache", "nxcred", profile+".token")
	for _, path := range []string{config, token} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("after login: %v", err)
		}
	}
	if data, err := os.ReadFile(config); err != nil || !strings.Contains(string(data), "[profiles."+profile+"]") {
		t.Errorf("%s does not hold profile %s: %q, %v", config, profile, data, err)
	}
	if entries, err := os.ReadDir(filepath.Join(local, "nxcred", "keyring")); err != nil || len(entries) == 0 {
		t.Errorf("the file keyring under %s: %d entries, %v; want the secret's file", filepath.Join(local, "nxcred", "keyring"), len(entries), err)
	}
	status, _ := mustRun(t, p, "", "status", "--profile", profile)
	for _, re := range []string{`(?m)^config file:\s+` + regexp.QuoteMeta(config) + `$`, `(?m)^cache file:\s+` + regexp.QuoteMeta(token) + `$`} {
		if !regexp.MustCompile(re).MatchString(status) {
			t.Errorf("status does not match %s:\n%s", re, status)
		}
	}
	noSecretIn(t, filepath.Join(local, "nxcred"))
}

// TestWindowsHelperExeNames: copies of nxcred.exe named
// git-credential-nxcred.exe and docker-credential-nxcred.exe, as install.ps1
// and the Windows release make them, speak git's and docker's protocols.
// The lane passes its nxcred.exe in NXCRED_EXE; otherwise the copies are of
// this test binary, which answers to the same names.
func TestWindowsHelperExeNames(t *testing.T) {
	exe := os.Getenv("NXCRED_EXE")
	if exe == "" {
		var err error
		if exe, err = exec.LookPath("nxcred"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("copies of %s", exe)
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	for _, name := range []string{"git-credential-nxcred.exe", "docker-credential-nxcred.exe"} {
		if err := os.WriteFile(filepath.Join(bin, name), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := newProcEnv(t)
	p.vars["NXCRED_INSTANCE"], p.vars["NXCRED_REGION"] = "acme", "eu"
	helper := func(name, stdin string, args ...string) (string, string, error) {
		cmd := exec.Command(filepath.Join(bin, name), args...)
		cmd.Env = p.command().Env
		var out, errb bytes.Buffer
		cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(stdin), &out, &errb
		err := cmd.Run()
		return out.String(), errb.String(), err
	}

	out, stderr, err := helper("git-credential-nxcred.exe", "protocol=https\nhost=acme.api.eu.nexthink.cloud\n\n", "get")
	if err != nil || !regexp.MustCompile(`(?m)^password=tok-1-[0-9a-f]+$`).MatchString(out) {
		t.Errorf("git-credential-nxcred.exe get = %q, %v, stderr %q; want the token as password", out, err, stderr)
	}
	out, stderr, err = helper("docker-credential-nxcred.exe", "acme.api.eu.nexthink.cloud", "get")
	var creds struct{ ServerURL, Username, Secret string }
	if err != nil || json.Unmarshal([]byte(out), &creds) != nil || creds.Username != "nxcred" || !strings.HasPrefix(creds.Secret, "tok-1-") {
		t.Errorf("docker-credential-nxcred.exe get = %q, %v, stderr %q; want nxcred and the cached token", out, err, stderr)
	}
	out, _, err = helper("docker-credential-nxcred.exe", "registry.example.com", "get")
	if err == nil || !strings.Contains(out, "credentials not found in native keychain") {
		t.Errorf("docker-credential-nxcred.exe get for another registry = %q, %v; want docker's not-found answer", out, err)
	}
	// git's reject drops the cached token: the next get fetches a new one
	if _, stderr, err := helper("git-credential-nxcred.exe", "protocol=https\nhost=acme.api.eu.nexthink.cloud\n\n", "erase"); err != nil {
		t.Errorf("git-credential-nxcred.exe erase: %v, stderr %q", err, stderr)
	}
	out, _, err = helper("docker-credential-nxcred.exe", "acme.api.eu.nexthink.cloud", "get")
	if err != nil || !strings.Contains(out, `"Secret":"tok-2-`) {
		t.Errorf("docker get after git erase = %q, %v; want a new token", out, err)
	}
}
