package cli

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker-credential-helpers/client"
	"github.com/docker/docker-credential-helpers/credentials"
)

// TestDockerClient drives the binary as docker-credential-nxcred through
// docker's own client package, the code the docker CLI uses to call helpers.
func TestDockerClient(t *testing.T) {
	p := newProcEnv(t)
	srv, env := p.srv, p.vars
	env["NXCRED_INSTANCE"], env["NXCRED_REGION"] = "acme", "eu"
	bin, err := exec.LookPath("docker-credential-nxcred")
	if err != nil {
		t.Fatal(err)
	}
	// NewShellProgramFuncWithEnv layers env over the test process's own
	// environment; newProcEnv pins every variable nxcred reads.
	prog := client.NewShellProgramFuncWithEnv(bin, &env)

	creds, err := client.Get(prog, "https://acme.api.eu.nexthink.cloud/v1/")
	if err != nil {
		t.Fatalf("client.Get(our host) error: %v", err)
	}
	issued := srv.Issued()
	if len(issued) != 1 || creds.Secret != issued[0] {
		t.Errorf("client.Get(our host).Secret = %q, want the issued token %q", creds.Secret, issued)
	}
	if creds.Username != "nxcred" || creds.Username == "<token>" {
		t.Errorf("client.Get(our host).Username = %q, want nxcred", creds.Username)
	}
	if creds.ServerURL != "https://acme.api.eu.nexthink.cloud/v1/" {
		t.Errorf("client.Get(our host).ServerURL = %q, want the URL docker sent", creds.ServerURL)
	}

	// the bare host form, served from the cache
	if creds, err := client.Get(prog, "acme.api.eu.nexthink.cloud"); err != nil || creds.Secret != issued[0] {
		t.Errorf("client.Get(bare host) = %v, %v; want the cached token", creds, err)
	}
	if got := srv.Hits(); got != 1 {
		t.Errorf("token requests after two gets = %d, want 1", got)
	}

	for _, foreign := range []string{"https://index.docker.io/v1/", "registry.example.com", "acme.api.eu.nexthink.cloud.evil.com"} {
		_, err := client.Get(prog, foreign)
		if !credentials.IsErrCredentialsNotFound(err) {
			t.Errorf("client.Get(%q) error = %v, want credentials not found", foreign, err)
		}
	}

	if err := client.Store(prog, &credentials.Credentials{ServerURL: "acme.api.eu.nexthink.cloud", Username: "u", Secret: "s"}); err != nil {
		t.Errorf("client.Store error: %v, want nil (accepted, not stored)", err)
	}
	list, err := client.List(prog)
	if err != nil || list["https://acme.api.eu.nexthink.cloud"] != "nxcred" || len(list) != 1 {
		t.Errorf("client.List = %v, %v; want the profile's host", list, err)
	}

	// docker logout: erase marks the cached token refused, and the next get
	// fetches a new one (the token is first made older than the 30 s in
	// which a refused token is served again rather than asked for anew)
	if err := retimeCachedToken(func(k string) string { return env[k] }, filepath.Join(p.vars["XDG_CACHE_HOME"], "nxcred"), time.Minute, 14*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := client.Erase(prog, "acme.api.eu.nexthink.cloud"); err != nil {
		t.Fatalf("client.Erase error: %v", err)
	}
	creds, err = client.Get(prog, "acme.api.eu.nexthink.cloud")
	if err != nil || len(srv.Issued()) != 2 || creds.Secret != srv.Issued()[1] {
		t.Errorf("client.Get after erase = %v, %v; want a new token (issued %d)", creds, err, len(srv.Issued()))
	}

	out, err := prog("version").Output()
	if err != nil || !strings.HasPrefix(string(out), "docker-credential-nxcred (github.com/nxcred/nxcred) ") {
		t.Errorf("version = %q, %v", out, err)
	}
	out, err = prog("--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "docker-credential-nxcred ") {
		t.Errorf("--version = %q, %v", out, err)
	}

	// a failure is reported on stdout with exit 1, as docker expects
	env["NXCRED_CLIENT_SECRET"] = "wrong-secret-value"
	env["NXCRED_REGION"] = "us"
	_, err = client.Get(prog, "acme.api.us.nexthink.cloud")
	if err == nil || credentials.IsErrCredentialsNotFound(err) || !strings.Contains(err.Error(), "rejected the client id or secret") {
		t.Errorf("client.Get with a wrong secret error = %v, want the rejection", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("client.Get error leaks the secret: %v", err)
	}
}
