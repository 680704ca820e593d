package cli

import (
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/testenv"
)

// TestExitStatus runs nxcred in process: 0 on success, 1 on failure, 2 on a
// command-line mistake, and stdout empty whenever it fails.
func TestExitStatus(t *testing.T) {
	ep := testenv.NewEndpoint(t, scriptClientID, scriptSecret)
	envProfile := ep.EnvProfile()
	tests := []struct {
		name    string
		args    string
		env     map[string]string
		stdin   string
		want    int
		wantOut string
	}{
		{name: "token", args: "token", env: envProfile, want: 0, wantOut: "tok-"},
		{name: "help", args: "--help", want: 0, wantOut: "Usage:"},
		{name: "bad format", args: "token --format yaml", env: envProfile, want: 2},
		{name: "unknown command", args: "frobnicate", want: 2},
		{name: "unknown flag", args: "token --frob", want: 2},
		{name: "extra argument", args: "status extra", want: 2},
		{name: "bad region", args: "login --instance acme --region mars --client-id x --client-secret-stdin", want: 2},
		{name: "missing flags", args: "login --instance acme", want: 2},
		{name: "no profile", args: "token", want: 1},
		{name: "wrong secret", args: "token", env: ep.EnvProfile().With(map[string]string{"NXCRED_CLIENT_SECRET": "wrong-secret-value"}), want: 1},
		{name: "bad environment profile", args: "token", env: map[string]string{"NXCRED_CLIENT_ID": "x"}, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, stdout, stderr := runInProcess(t, tt.args, tt.env, tt.stdin)
			if got != tt.want {
				t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tt.args, got, tt.want, stderr)
			}
			if tt.want != 0 && stdout != "" {
				t.Errorf("run(%q) failed but wrote to stdout: %q", tt.args, stdout)
			}
			if tt.want != 0 && !strings.HasPrefix(stderr, "nxcred: error: ") {
				t.Errorf("run(%q) stderr = %q, want it to start with nxcred: error: ", tt.args, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("run(%q) stdout = %q, want it to contain %q", tt.args, stdout, tt.wantOut)
			}
		})
	}
}
