package doctor

import (
	"runtime"
	"testing"

	"github.com/nxcred/nxcred/internal/config"
)

// TestLoginFixes: the fixes that tell the user to run login rebuild the
// whole profile (its token URL, scope and hosts), so running them changes
// nothing the fix is not about.
func TestLoginFixes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the expected commands are quoted for a POSIX shell")
	}
	lab := &config.Profile{Name: "lab", ClientID: "0oa1", TokenURL: "https://login.example.com/token?a=1&b=2"}
	prod := &config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1", Scope: "custom:read", Hosts: []string{"git.example.com"}}
	tests := []struct{ name, got, want string }{
		{"hostFix of a profile with a token URL only", hostFix(lab),
			"add a host: nxcred login --profile lab --client-id 0oa1 --token-url 'https://login.example.com/token?a=1&b=2' --host HOST"},
		{"loginFix of a profile with hosts and a scope", loginFix(prod),
			"nxcred login --profile prod --instance acme --region eu --client-id 0oa1 --scope custom:read --host git.example.com"},
		{"hostFix of the environment profile", hostFix(&config.Profile{Name: "env", FromEnv: true}),
			"set NXCRED_INSTANCE and NXCRED_REGION (the API host), or list hosts in NXCRED_HOSTS"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
}
