package config

import (
	"strings"
	"testing"
)

func mapenv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestEnvProfile(t *testing.T) {
	t.Parallel()
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{
			"NXCRED_CLIENT_ID":     "ci-client",
			"NXCRED_CLIENT_SECRET": "ci-secret",
			"NXCRED_INSTANCE":      "acme",
			"NXCRED_REGION":        "eu",
		}
		for k, v := range extra {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    *Profile // nil with wantErr "" means no environment profile
		wantErr string
	}{
		{"unset", map[string]string{"NXCRED_INSTANCE": "acme", "NXCRED_REGION": "eu"}, nil, ""},
		{"instance and region", base(nil),
			&Profile{Name: "env", FromEnv: true, ClientID: "ci-client", Instance: "acme", Region: "eu"}, ""},
		{"token URL only", base(map[string]string{"NXCRED_INSTANCE": "", "NXCRED_REGION": "", "NXCRED_TOKEN_URL": "http://127.0.0.1:8080/oauth2/default/v1/token"}),
			&Profile{Name: "env", FromEnv: true, ClientID: "ci-client", TokenURL: "http://127.0.0.1:8080/oauth2/default/v1/token"}, ""},
		{"scope and hosts", base(map[string]string{"NXCRED_SCOPE": "a:b c:d", "NXCRED_HOSTS": " nxql.acme.example , ,127.0.0.1:8443,"}),
			&Profile{Name: "env", FromEnv: true, ClientID: "ci-client", Instance: "acme", Region: "eu", Scope: "a:b c:d",
				Hosts: []string{"nxql.acme.example", "127.0.0.1:8443"}}, ""},
		{"only the id", map[string]string{"NXCRED_CLIENT_ID": "x", "NXCRED_INSTANCE": "acme", "NXCRED_REGION": "eu"}, nil,
			"NXCRED_CLIENT_SECRET is not"},
		{"only the secret", map[string]string{"NXCRED_CLIENT_SECRET": "x", "NXCRED_INSTANCE": "acme", "NXCRED_REGION": "eu"}, nil,
			"NXCRED_CLIENT_ID is not"},
		{"no endpoint", base(map[string]string{"NXCRED_INSTANCE": "", "NXCRED_REGION": ""}), nil,
			"needs NXCRED_INSTANCE and NXCRED_REGION (or NXCRED_TOKEN_URL)"},
		{"instance without region", base(map[string]string{"NXCRED_REGION": ""}), nil,
			"needs NXCRED_INSTANCE and NXCRED_REGION (or NXCRED_TOKEN_URL)"},
		{"invalid region", base(map[string]string{"NXCRED_REGION": "apac"}), nil,
			`environment profile: unknown region "apac"`},
		{"invalid instance", base(map[string]string{"NXCRED_INSTANCE": "acme.eu.nexthink.cloud"}), nil,
			"environment profile: malformed instance name"},
		{"invalid client id", base(map[string]string{"NXCRED_CLIENT_ID": "ci client"}), nil,
			"environment profile: malformed client id"},
		{"http token URL", base(map[string]string{"NXCRED_TOKEN_URL": "http://login.example.com/token"}), nil,
			"environment profile: refusing token URL"},
		{"openid", base(map[string]string{"NXCRED_SCOPE": "openid"}), nil,
			"environment profile: scope openid"},
		{"invalid host", base(map[string]string{"NXCRED_HOSTS": "ok.example,https://bad.example"}), nil,
			`environment profile: invalid host "https://bad.example"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, secret, err := EnvProfile(mapenv(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("EnvProfile(%v) = %v, want an error containing %q", tt.env, err, tt.wantErr)
				}
				if p != nil || secret != "" {
					t.Errorf("EnvProfile(%v) = %s, %q with an error, want nil, \"\"", tt.env, fmtProfile(p), secret)
				}
				return
			}
			if err != nil {
				t.Fatalf("EnvProfile(%v) = %v, want nil", tt.env, err)
			}
			if !sameProfile(p, tt.want) {
				t.Errorf("EnvProfile(%v) = %s, want %s", tt.env, fmtProfile(p), fmtProfile(tt.want))
			}
			wantSecret := ""
			if tt.want != nil {
				wantSecret = tt.env["NXCRED_CLIENT_SECRET"]
			}
			if secret != wantSecret {
				t.Errorf("EnvProfile(%v) secret = %q, want %q", tt.env, secret, wantSecret)
			}
		})
	}
}

// The secret never appears in EnvProfile's errors, even when it is the value
// that is wrong elsewhere.
func TestEnvProfileErrorsHideSecret(t *testing.T) {
	t.Parallel()
	const secret = "ci-secret-7c1d"
	for _, env := range []map[string]string{
		{"NXCRED_CLIENT_SECRET": secret},
		{"NXCRED_CLIENT_ID": "x", "NXCRED_CLIENT_SECRET": secret},
		{"NXCRED_CLIENT_ID": "x", "NXCRED_CLIENT_SECRET": secret, "NXCRED_INSTANCE": "acme", "NXCRED_REGION": "xx"},
	} {
		_, _, err := EnvProfile(mapenv(env))
		if err == nil || strings.Contains(err.Error(), secret) {
			t.Errorf("EnvProfile(%v) = %v, want an error without the secret", env, err)
		}
	}
}
