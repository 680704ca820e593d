package config

import (
	"errors"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	alpha := &Profile{Name: "alpha", Instance: "a1", Region: "eu", ClientID: "1", Hosts: []string{"shared.example"}}
	beta := &Profile{Name: "beta", Instance: "b1", Region: "us", ClientID: "2", Hosts: []string{"shared.example", "beta.example"}}
	gamma := &Profile{Name: "gamma", Instance: "g1", Region: "pac", ClientID: "3", Hosts: []string{"shared.example"}}
	env := &Profile{Name: "env", FromEnv: true, Instance: "e1", Region: "meta", ClientID: "4", Hosts: []string{"shared.example", "env.example"}}
	envNoHosts := &Profile{Name: "env", FromEnv: true, Instance: "e1", Region: "meta", ClientID: "4"}

	three := func(def string) *Config {
		return &Config{Path: "/home/u/.config/nxcred/config.toml", Default: def,
			Profiles: map[string]*Profile{"alpha": alpha, "beta": beta, "gamma": gamma}}
	}
	one := &Config{Profiles: map[string]*Profile{"gamma": gamma}}
	none := &Config{Path: "/cfg.toml", Profiles: map[string]*Profile{}}

	tests := []struct {
		name string
		c    *Config
		env  *Profile
		ch   Choice
		want *Profile
	}{
		{"flag beats all", three("beta"), env, Choice{Flag: "gamma", Env: "alpha", Host: "b1.api.us.nexthink.cloud"}, gamma},
		{"NXCRED_PROFILE beats host, env and default", three("beta"), env, Choice{Env: "gamma", Host: "a1.api.eu.nexthink.cloud"}, gamma},
		{"flag env", three("beta"), env, Choice{Flag: "env", Env: "alpha"}, env},
		{"NXCRED_PROFILE env", three("beta"), env, Choice{Env: "env"}, env},
		{"host beats env and default", three("beta"), env, Choice{Host: "a1.api.eu.nexthink.cloud"}, alpha},
		{"host of an extra host", three("alpha"), env, Choice{Host: "beta.example"}, beta},
		{"host of the env profile", three("beta"), env, Choice{Host: "env.example"}, env},
		{"shared host: default wins", three("gamma"), env, Choice{Host: "shared.example"}, gamma},
		{"shared host: env before other profiles", three(""), env, Choice{Host: "shared.example"}, env},
		{"shared host: first by name", three(""), nil, Choice{Host: "shared.example"}, alpha},
		{"unknown host falls to env", three("beta"), env, Choice{Host: "evil.example"}, env},
		{"unknown host falls to default", three("beta"), nil, Choice{Host: "evil.example"}, beta},
		{"env beats default", three("beta"), envNoHosts, Choice{}, envNoHosts},
		{"default", three("beta"), nil, Choice{}, beta},
		{"only profile", one, nil, Choice{}, gamma},
		{"env with no config profiles", none, env, Choice{}, env},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Several runs: map order must never change the answer.
			for range 20 {
				got, err := Resolve(tt.c, tt.env, tt.ch)
				if err != nil {
					t.Fatalf("Resolve(%+v) = %v, want %s", tt.ch, err, tt.want.Name)
				}
				if got != tt.want {
					t.Fatalf("Resolve(%+v) = %s (env %v), want %s", tt.ch, got.Name, got.FromEnv, tt.want.Name)
				}
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	alpha := &Profile{Name: "alpha", Instance: "a1", Region: "eu", ClientID: "1"}
	beta := &Profile{Name: "beta", Instance: "b1", Region: "us", ClientID: "2"}
	env := &Profile{Name: "env", FromEnv: true, Instance: "e1", Region: "eu", ClientID: "4"}
	two := &Config{Path: "/home/u/.config/nxcred/config.toml", Profiles: map[string]*Profile{"alpha": alpha, "beta": beta}}
	none := &Config{Path: "/cfg.toml", Profiles: map[string]*Profile{}}

	tests := []struct {
		name      string
		c         *Config
		env       *Profile
		ch        Choice
		msg, hint []string // parts the message and hint must contain
	}{
		{"unknown flag", two, env, Choice{Flag: "gama", Env: "alpha"},
			[]string{`"gama"`, "--profile"}, []string{"alpha", "beta"}},
		{"unknown NXCRED_PROFILE", two, env, Choice{Env: "gama"},
			[]string{`"gama"`, "NXCRED_PROFILE"}, []string{"alpha", "beta"}},
		{"unknown name, no profiles", none, nil, Choice{Flag: "prod"},
			[]string{`"prod"`}, []string{"nxcred login"}},
		{"env named but unset", two, nil, Choice{Flag: "env"},
			[]string{"--profile env", "environment profile is not set"}, []string{"NXCRED_CLIENT_ID", "NXCRED_CLIENT_SECRET"}},
		{"env named by NXCRED_PROFILE but unset", two, nil, Choice{Env: "env"},
			[]string{"NXCRED_PROFILE env"}, []string{"NXCRED_CLIENT_ID"}},
		{"several and no default", two, nil, Choice{Host: "elsewhere.example"},
			[]string{"several profiles", "default"}, []string{"--profile", "NXCRED_PROFILE", two.Path}},
		{"nothing at all", none, nil, Choice{},
			[]string{"no profile"}, []string{"nxcred login", "NXCRED_CLIENT_ID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tt.c, tt.env, tt.ch)
			var npe *NoProfileError
			if !errors.As(err, &npe) {
				t.Fatalf("Resolve(%+v) = %s, %v (%T), want a *NoProfileError", tt.ch, fmtProfile(got), err, err)
			}
			if got != nil {
				t.Errorf("Resolve(%+v) = %s with an error, want nil", tt.ch, fmtProfile(got))
			}
			for _, m := range tt.msg {
				if !strings.Contains(npe.Error(), m) {
					t.Errorf("Resolve(%+v) error = %q, want it to contain %q", tt.ch, npe.Error(), m)
				}
			}
			for _, h := range tt.hint {
				if !strings.Contains(npe.Hint(), h) {
					t.Errorf("Resolve(%+v) hint = %q, want it to contain %q", tt.ch, npe.Hint(), h)
				}
			}
		})
	}
}
