package cli

import (
	"strings"
	"testing"
)

// TestUsageMessages: what nxcred says, and its exit status, for an empty
// profile list (not a mistake: exit 0 with the command that makes one), a
// shell completion does not know or a missing one (usage errors that list
// the shells), and a mistyped command (a usage error that suggests the
// nearest one).
func TestUsageMessages(t *testing.T) {
	for _, tt := range []struct {
		args       string
		want       int
		wantStderr string
		wantStdout string
	}{
		{"profiles", 0,
			"nxcred: no profiles yet\n" +
				"nxcred: hint: create one: nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)\n", ""},
		{"completion tcsh", 2,
			"nxcred: error: unknown shell \"tcsh\": completion knows bash, fish, powershell, zsh\n" +
				"nxcred: hint: see: nxcred completion --help\n", ""},
		{"completion", 2,
			"nxcred: error: completion needs a shell: bash, fish, powershell, zsh\n" +
				"nxcred: hint: see: nxcred completion --help\n", ""},
		{"completion bash zsh", 2,
			"nxcred: error: nxcred completion bash takes no arguments\n" +
				"nxcred: hint: see: nxcred completion bash --help\n", ""},
		{"completion fish", 0, "", "complete -c nxcred"},
		{"tokn", 2,
			"nxcred: error: unknown command \"tokn\"\n" +
				"nxcred: hint: did you mean \"token\"? see: nxcred --help\n", ""},
		{"profils", 2,
			"nxcred: error: unknown command \"profils\"\n" +
				"nxcred: hint: did you mean \"profiles\"? see: nxcred --help\n", ""},
		{"frobnicate", 2,
			"nxcred: error: unknown command \"frobnicate\"\n" +
				"nxcred: hint: see: nxcred --help\n", ""},
	} {
		t.Run(tt.args, func(t *testing.T) {
			code, stdout, stderr := runInProcess(t, tt.args, nil, "")
			if code != tt.want || stderr != tt.wantStderr || !strings.Contains(stdout, tt.wantStdout) || (tt.wantStdout == "" && stdout != "") {
				t.Errorf("nxcred %s = exit %d, stdout %.60q, stderr %q; want exit %d, stdout with %q, stderr %q", tt.args, code, stdout, stderr, tt.want, tt.wantStdout, tt.wantStderr)
			}
		})
	}
}
