package config

import "testing"

func TestLoginCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		p             Profile
		posix, pshell string // "" for pshell: the same as posix
	}{
		{"instance and region", Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1"},
			"nxcred login --profile prod --instance acme --region eu --client-id 0oa1", ""},
		{"the default profile needs no --profile", Profile{Name: "default", Instance: "acme", Region: "eu", ClientID: "0oa1"},
			"nxcred login --instance acme --region eu --client-id 0oa1", ""},
		{"every setting", Profile{Name: "prod", Instance: "acme", Region: "us", ClientID: "0oa1", Scope: "service:integration extra:read",
			TokenURL: "https://login.example.com/token", Hosts: []string{"api.example.com", "10.0.0.1:8443"}},
			"nxcred login --profile prod --instance acme --region us --client-id 0oa1 --scope 'service:integration extra:read' --token-url https://login.example.com/token --host api.example.com --host 10.0.0.1:8443", ""},
		{"the default scope written out is left out", Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1", Scope: DefaultScope},
			"nxcred login --profile prod --instance acme --region eu --client-id 0oa1", ""},
		{"token URL only", Profile{Name: "lab", ClientID: "0oa1", TokenURL: "http://127.0.0.1:8080/token?tenant=a&x=$y"},
			"nxcred login --profile lab --client-id 0oa1 --token-url 'http://127.0.0.1:8080/token?tenant=a&x=$y'", ""},
		{"a client id with quotes and shell syntax", Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: `a'b"c$(d)` + "`e`;f|g*"},
			`nxcred login --profile prod --instance acme --region eu --client-id 'a'\''b"c$(d)` + "`e`;f|g*'",
			`nxcred login --profile prod --instance acme --region eu --client-id 'a''b"c$(d)` + "`e`;f|g*'"},
		{"a client id starting with a dash", Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "-x~y"},
			"nxcred login --profile prod --instance acme --region eu --client-id '-x~y'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.loginCommand("linux"); got != tt.posix {
				t.Errorf("loginCommand(linux) = %s\nwant                  %s", got, tt.posix)
			}
			want := tt.pshell
			if want == "" {
				want = tt.posix
			}
			if got := tt.p.loginCommand("windows"); got != want {
				t.Errorf("loginCommand(windows) = %s\nwant                    %s", got, want)
			}
		})
	}
}

func TestLoginCommandWithHost(t *testing.T) {
	t.Parallel()
	p := &Profile{Name: "prod", ClientID: "0oa1", TokenURL: "https://login.example.com/token", Hosts: []string{"a.example.com"}}
	want := "nxcred login --profile prod --client-id 0oa1 --token-url https://login.example.com/token --host a.example.com --host b.example.com"
	if got := p.LoginCommandWithHost("b.example.com"); got != want {
		t.Errorf("LoginCommandWithHost(b.example.com) = %s\nwant %s", got, want)
	}
	if len(p.Hosts) != 1 {
		t.Errorf("LoginCommandWithHost changed the profile's hosts to %q", p.Hosts)
	}
}
