package cli

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestConfigureExitStatus runs configure in process: usage mistakes exit 2,
// a profile it cannot configure and a missing git exit 1, and nothing reaches
// stdout when it fails.
func TestConfigureExitStatus(t *testing.T) {
	withHost := map[string]string{
		"NXCRED_CLIENT_ID": "0oa-unit", "NXCRED_CLIENT_SECRET": "unit-secret",
		"NXCRED_INSTANCE": "acme", "NXCRED_REGION": "eu",
	}
	tokenURLOnly := map[string]string{
		"NXCRED_CLIENT_ID": "0oa-unit", "NXCRED_CLIENT_SECRET": "unit-secret",
		"NXCRED_TOKEN_URL": "https://login.example.com/token",
	}
	// An empty PATH: no git for --apply to run.
	t.Setenv("PATH", t.TempDir())
	tests := []struct {
		name, args string
		env        map[string]string
		want       int
		wantErr    string
	}{
		{name: "no client", args: "configure", env: withHost, want: 2, wantErr: "configure needs a client"},
		{name: "two clients", args: "configure git docker", env: withHost, want: 2, wantErr: "configure takes one client"},
		{name: "unknown client", args: "configure svn", env: withHost, want: 2, wantErr: `unknown client "svn"`},
		{name: "apply kubectl", args: "configure kubectl --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not kubectl"},
		{name: "apply bazel", args: "configure bazel --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not bazel"},
		{name: "apply goauth", args: "configure goauth --apply", env: withHost, want: 2, wantErr: "--apply is for git and docker, not goauth"},
		{name: "no profile", args: "configure git", want: 1, wantErr: "no profile"},
		{name: "git without host", args: "configure git", env: tokenURLOnly, want: 1, wantErr: "the environment profile has no host, and git chooses credentials by host"},
		{name: "goauth without host", args: "configure goauth", env: tokenURLOnly, want: 1, wantErr: "has no host"},
		{name: "kubectl without host", args: "configure kubectl", env: tokenURLOnly, want: 0},
		{name: "git apply without git", args: "configure git --apply", env: withHost, want: 1, wantErr: "git is not on PATH"},
		{name: "git", args: "configure git", env: withHost, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, stdout, stderr := runInProcess(t, tt.args, tt.env, "")
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr)
			}
			if tt.want != 0 && stdout != "" {
				t.Errorf("run(%q) failed but wrote to stdout: %q", tt.args, stdout)
			}
			if tt.want == 0 && stdout == "" {
				t.Errorf("run(%q) printed no snippet", tt.args)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.args, stderr, tt.wantErr)
			}
		})
	}
}

func TestNxcredPathFrom(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks need privileges on Windows")
	}
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("binary"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	link := func(target, rel string) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	real := write("opt/nxcred/nxcred")
	linked := link(real, "bin/nxcred")
	gitLink := link("nxcred", "opt/nxcred/git-credential-nxcred")
	versioned := write("opt/v2/nxcred-2.0")
	versionLink := link(versioned, "v2bin/nxcred")
	copied := write("copies/docker-credential-nxcred")
	copiedMain := write("copies/nxcred")
	lonely := write("lonely/git-credential-nxcred")
	other := write("dev/nxcred.test")

	tests := []struct {
		name, exe, want, wantErr string
	}{
		{name: "the binary", exe: real, want: real},
		{name: "a symlink to nxcred is resolved", exe: linked, want: real},
		{name: "git's name linked to nxcred", exe: gitLink, want: real},
		{name: "a symlink to another name is kept", exe: versionLink, want: versionLink},
		{name: "docker's name, a copy, uses the nxcred beside it", exe: copied, want: copiedMain},
		{name: "git's name with no nxcred beside it", exe: lonely, wantErr: "no nxcred beside it"},
		{name: "any other name is used as is", exe: other, want: other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := nxcredPathFrom(tt.exe)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("nxcredPathFrom(%q) = %q, %v, want error %q", tt.exe, got, err, tt.wantErr)
				}
				return
			}
			// t.TempDir may itself sit behind a symlink (macOS /var).
			want, _ := filepath.EvalSymlinks(filepath.Dir(tt.want))
			if err != nil || (got != tt.want && got != filepath.Join(want, filepath.Base(tt.want))) {
				t.Errorf("nxcredPathFrom(%q) = %q, %v, want %q", tt.exe, got, err, tt.want)
			}
		})
	}
}
