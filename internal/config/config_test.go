package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// fullConfig uses every field of the file format.
const fullConfig = `# nxcred profiles
default = "prod"

[profiles.prod]
instance = "acme"
region = "eu"
client_id = "0oa1b2c3d4"

[profiles.staging]
instance = "acme-staging"
region = "us"
client_id = "0oa9"
scope = "service:integration other:read"
hosts = ["nxql.acme.example", "127.0.0.1:8443"]

[profiles."eu.local"]
client_id = "test-client"
token_url = "http://127.0.0.1:9999/oauth2/default/v1/token"
`

var fullProfiles = map[string]*Profile{
	"prod": {Name: "prod", Instance: "acme", Region: "eu", ClientID: "0oa1b2c3d4"},
	"staging": {Name: "staging", Instance: "acme-staging", Region: "us", ClientID: "0oa9",
		Scope: "service:integration other:read", Hosts: []string{"nxql.acme.example", "127.0.0.1:8443"}},
	"eu.local": {Name: "eu.local", ClientID: "test-client", TokenURL: "http://127.0.0.1:9999/oauth2/default/v1/token"},
}

// checkProfiles compares a config's profiles and default with want.
func checkProfiles(t *testing.T, what string, c *Config, wantDefault string, want map[string]*Profile) {
	t.Helper()
	if c.Default != wantDefault {
		t.Errorf("%s: Default = %q, want %q", what, c.Default, wantDefault)
	}
	if len(c.Profiles) != len(want) {
		t.Errorf("%s: %d profiles %v, want %d", what, len(c.Profiles), c.Names(), len(want))
	}
	for name, w := range want {
		if got := c.Profiles[name]; !sameProfile(got, w) {
			t.Errorf("%s: profile %s = %s, want %s", what, name, fmtProfile(got), fmtProfile(w))
		}
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte(fullConfig))
	if err != nil {
		t.Fatalf("Parse(fullConfig) = %v, want nil", err)
	}
	checkProfiles(t, "Parse(fullConfig)", c, "prod", fullProfiles)
	if got, want := c.Names(), []string{"eu.local", "prod", "staging"}; !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}

	data, err := c.Marshal()
	if err != nil {
		t.Fatalf("Marshal() = %v", err)
	}
	if !strings.HasPrefix(string(data), "# ") {
		t.Errorf("Marshal() = %q, want it to start with the header comment", data)
	}
	c2, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(Marshal()) = %v, want nil; file:\n%s", err, data)
	}
	checkProfiles(t, "Parse(Marshal())", c2, "prod", fullProfiles)
}

func TestParseConfigEmpty(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "# only a comment\n", "\n\n"} {
		c, err := Parse([]byte(in))
		if err != nil {
			t.Errorf("Parse(%q) = %v, want nil", in, err)
			continue
		}
		if len(c.Profiles) != 0 || c.Default != "" || c.Profiles == nil {
			t.Errorf("Parse(%q) = %d profiles (map nil: %v), default %q; want an empty non-nil map and no default",
				in, len(c.Profiles), c.Profiles == nil, c.Default)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		line int
		want string
	}{
		{"unknown key in profile", `default = "prod"

[profiles.prod]
instance = "acme"
region = "eu"
client-id = "x"
`, 6, `unknown key "profiles.prod.client-id"`},
		{"unknown key in second profile", `[profiles.a]
instance = "acme"
region = "eu"
client_id = "x"

[profiles.b]
instance = "acme"
region = "eu"
client_id = "x"
secret = "never here"
`, 10, `unknown key "profiles.b.secret"`},
		{"unknown top-level key", `# c
defaults = "prod"
`, 2, `unknown key "defaults"`},
		{"syntax error", `default = "prod"

[profiles.prod]
instance = "acme"
region = eu
`, 5, ""},
		{"bad table header", "\n\n[profiles.prod x]\n", 3, ""},
		{"invalid region", `default = "prod"

[profiles.other]
instance = "acme"
region = "eu"
client_id = "x"

[profiles.prod]
instance = "acme"
region = "xx"
client_id = "x"
`, 8, `profile prod: unknown region "xx"`},
		{"invalid region in inline table", `[profiles]
ok = { instance = "acme", region = "eu", client_id = "x" }
bad = { instance = "acme", region = "xx", client_id = "x" }
`, 3, `profile bad: unknown region`},
		{"invalid profile name", `[profiles]
"-prod" = { instance = "acme", region = "eu", client_id = "x" }
`, 2, `invalid profile name "-prod"`},
		{"openid scope", `
[profiles.prod]
instance = "acme"
region = "eu"
client_id = "x"
scope = "openid"
`, 2, "openid"},
		{"default names a missing profile", `
[profiles.prod]
instance = "acme"
region = "eu"
client_id = "x"
`, 0, ""}, // placeholder replaced below
	}
	// default after the table would belong to the table; put it on top.
	tests[len(tests)-1].in = "# c\ndefault = \"qa\"" + tests[len(tests)-1].in
	tests[len(tests)-1].line = 2
	tests[len(tests)-1].want = `default profile "qa" is not defined`

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse([]byte(tt.in))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse(%q) = %v, %v (%T), want a *Error", tt.in, c, err, err)
			}
			if ce.Line != tt.line {
				t.Errorf("Parse(%q) error line = %d (%v), want %d", tt.in, ce.Line, err, tt.line)
			}
			if !strings.Contains(ce.Msg, tt.want) {
				t.Errorf("Parse(%q) error = %q, want it to contain %q", tt.in, ce.Msg, tt.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()

	t.Run("missing file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "none", "config.toml")
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load(missing) = %v, want nil", err)
		}
		if c.Path != path || len(c.Profiles) != 0 || c.Profiles == nil || c.Default != "" {
			t.Errorf("Load(missing) = {Path %q, %d profiles, nil map %v, default %q}, want {Path %q, empty map, no default}",
				c.Path, len(c.Profiles), c.Profiles == nil, c.Default, path)
		}
	})

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "valid.toml")
		writeFile(t, path, fullConfig)
		c, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%s) = %v, want nil", path, err)
		}
		if c.Path != path {
			t.Errorf("Load(%s).Path = %q, want %q", path, c.Path, path)
		}
		checkProfiles(t, "Load", c, "prod", fullProfiles)
	})

	t.Run("error names the file and line", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "typo.toml")
		writeFile(t, path, "[profiles.prod]\ninstance = \"acme\"\nclient-id = \"x\"\n")
		_, err := Load(path)
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("Load(typo) = %v (%T), want a *Error", err, err)
		}
		if want := path + `:3: unknown key "profiles.prod.client-id"`; err.Error() != want {
			t.Errorf("Load(typo) = %q, want %q", err, want)
		}
		if want := "edit line 3 of " + path + " (unknown keys are errors), or move the file away and run nxcred login again"; ce.Hint() != want {
			t.Errorf("LoadConfig(typo) hint = %q, want %q", ce.Hint(), want)
		}
	})

	t.Run("size limit", func(t *testing.T) {
		t.Parallel()
		// Exactly MaxSize is read; one byte more is refused.
		line := "# " + strings.Repeat("x", 61) + "\n" // 64 bytes
		at := filepath.Join(dir, "at-limit.toml")
		writeFile(t, at, strings.Repeat(line, MaxSize/len(line)))
		if _, err := Load(at); err != nil {
			t.Errorf("Load(%d bytes) = %v, want nil", MaxSize, err)
		}
		over := filepath.Join(dir, "over-limit.toml")
		writeFile(t, over, strings.Repeat(line, MaxSize/len(line))+"\n")
		_, err := Load(over)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(ce.Msg, "larger than 1 MiB") || ce.Path != over {
			t.Errorf("Load(%d bytes) = %v, want a *Error for %s saying it is larger than 1 MiB", MaxSize+1, err, over)
		}
	})

	t.Run("a folder", func(t *testing.T) {
		t.Parallel()
		if _, err := Load(dir); err == nil {
			t.Errorf("Load(folder) = nil error, want one")
		}
	})
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestConfigPutDelete(t *testing.T) {
	t.Parallel()
	a := &Profile{Name: "a", Instance: "acme", Region: "eu", ClientID: "1"}
	b := &Profile{Name: "b", Instance: "acme", Region: "us", ClientID: "2"}
	c := &Profile{Name: "c", Instance: "acme", Region: "pac", ClientID: "3"}

	cfg := &Config{}
	cfg.Put(b)
	if cfg.Default != "b" {
		t.Errorf("Put(first profile b): Default = %q, want %q", cfg.Default, "b")
	}
	cfg.Put(a)
	cfg.Put(c)
	if cfg.Default != "b" {
		t.Errorf("Put(a), Put(c): Default = %q, want %q (the first stays default)", cfg.Default, "b")
	}
	if got := cfg.DefaultProfile(); got != b {
		t.Errorf("DefaultProfile() = %s, want b", fmtProfile(got))
	}
	b2 := &Profile{Name: "b", Instance: "acme", Region: "meta", ClientID: "22"}
	cfg.Put(b2)
	if got := cfg.Profiles["b"]; got != b2 || len(cfg.Profiles) != 3 {
		t.Errorf("Put(new b): Profiles[b] = %s with %d profiles, want the new b among 3", fmtProfile(got), len(cfg.Profiles))
	}

	cfg.Delete("a")
	if cfg.Default != "b" {
		t.Errorf("Delete(a): Default = %q, want %q", cfg.Default, "b")
	}
	cfg.Delete("b") // the default, one profile left: it becomes the default
	if cfg.Default != "c" {
		t.Errorf("Delete(default b) with only c left: Default = %q, want %q", cfg.Default, "c")
	}
	cfg.Delete("missing")
	if cfg.Default != "c" || len(cfg.Profiles) != 1 {
		t.Errorf("Delete(missing): Default %q with %d profiles, want c with 1", cfg.Default, len(cfg.Profiles))
	}
	cfg.Delete("c")
	if cfg.Default != "" || len(cfg.Profiles) != 0 {
		t.Errorf("Delete(last): Default %q with %d profiles, want none", cfg.Default, len(cfg.Profiles))
	}

	// The default deleted with two left: no default is invented.
	cfg = &Config{}
	cfg.Put(a)
	cfg.Put(b)
	cfg.Put(c)
	cfg.Delete("a")
	if cfg.Default != "" {
		t.Errorf("Delete(default a) with b and c left: Default = %q, want none", cfg.Default)
	}
	if got := cfg.DefaultProfile(); got != nil {
		t.Errorf("DefaultProfile() with two profiles and no default = %s, want nil", fmtProfile(got))
	}
}

func TestDefaultProfile(t *testing.T) {
	t.Parallel()
	a := &Profile{Name: "a"}
	b := &Profile{Name: "b"}
	tests := []struct {
		name string
		c    *Config
		want *Profile
	}{
		{"marked", &Config{Default: "b", Profiles: map[string]*Profile{"a": a, "b": b}}, b},
		{"only one", &Config{Profiles: map[string]*Profile{"a": a}}, a},
		{"two unmarked", &Config{Profiles: map[string]*Profile{"a": a, "b": b}}, nil},
		{"none", &Config{Profiles: map[string]*Profile{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.c.DefaultProfile(); got != tt.want {
				t.Errorf("DefaultProfile() = %s, want %s", fmtProfile(got), fmtProfile(tt.want))
			}
		})
	}
}

func TestConfigSave(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "xdg", "nxcred")
	path := filepath.Join(dir, "config.toml")
	c, err := Parse([]byte(fullConfig))
	if err != nil {
		t.Fatal(err)
	}
	c.Path = path
	for i := range 2 { // create, then replace
		if err := c.Save(); err != nil {
			t.Fatalf("Save() #%d = %v, want nil", i+1, err)
		}
	}

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"config.toml"}) {
		t.Errorf("files after Save() = %q, want only config.toml (no temp file left)", names)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("config folder mode = %v (%v), want 0700", fi.Mode().Perm(), err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("config file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
		}
	}
	back, err := Load(path)
	if err != nil {
		t.Fatalf("Load(saved) = %v", err)
	}
	checkProfiles(t, "Load(Save())", back, "prod", fullProfiles)
}

// FuzzParseConfig: no input panics, and whatever Parse accepts is
// written by Marshal in a form that parses back to the same profiles.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(fullConfig))
	f.Add([]byte(""))
	f.Add([]byte("default = \"a\"\n[profiles.a]\ninstance = \"x\"\nregion = \"us\"\nclient_id = \"id\"\nhosts = []\n"))
	f.Add([]byte("[profiles]\na = { instance = \"x\", region = \"pac\", client_id = \"i\\\"d\", scope = \"a:b c\" }\n"))
	f.Add([]byte("profiles.a.token_url = 'https://l.example/t'\nprofiles.a.client_id = \"\\u00e9\\t\"\n"))
	f.Add([]byte("[profiles.prod]\ninstance = \"acme\"\nclient-id = \"x\"\n"))
	f.Add([]byte("[profiles.prod] # c\nregion = 5\n"))
	f.Add([]byte("[[profiles]]\n"))
	f.Add([]byte("default = \"\"\n[profiles.\"a.b\"]\ninstance = \"a\"\nregion = \"meta\"\nclient_id = \"é\"\nhosts = [\"[::1]:1\", \"::1\"]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse(%q) error %v is a %T, want *Error", data, err, err)
			}
			if ce.Line < 0 {
				t.Fatalf("Parse(%q) error line = %d, want >= 0", data, ce.Line)
			}
			return
		}
		for name, p := range c.Profiles {
			if p.Name != name {
				t.Fatalf("Parse(%q): Profiles[%q].Name = %q, want %q", data, name, p.Name, name)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("Parse(%q) accepted profile %s, but Validate() = %v", data, name, err)
			}
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but Marshal() = %v", data, err)
		}
		c2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, but Parse(Marshal()) = %v; Marshal():\n%s", data, err, out)
		}
		if c2.Default != c.Default {
			t.Errorf("round trip of %q: Default = %q, want %q", data, c2.Default, c.Default)
		}
		if len(c2.Profiles) != len(c.Profiles) {
			t.Errorf("round trip of %q: %v, want %v", data, c2.Names(), c.Names())
		}
		for name, p := range c.Profiles {
			if got := c2.Profiles[name]; !sameProfile(got, p) {
				t.Errorf("round trip of %q: profile %s = %s, want %s", data, name, fmtProfile(got), fmtProfile(p))
			}
		}
	})
}

// lineOfKey matches table headers textually, so a header with a trailing
// comment is not found and the error has no line.
func TestParseConfigLineWithComment(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"default = \"prod\"\n[profiles.prod] # production\ninstance = \"acme\"\nregion = \"xx\"\nclient_id = \"x\"\n",
		"default = \"prod\"\n[profiles.'prod']\ninstance = \"acme\"\nregion = \"xx\"\nclient_id = \"x\"\n",
		"default = \"my prod\"\n[profiles.\"my prod\"]\ninstance = \"acme\"\nregion = \"eu\"\nclient_id = \"x\"\n",
	} {
		_, err := Parse([]byte(in))
		var ce *Error
		if !errors.As(err, &ce) || ce.Line != 2 {
			t.Errorf("Parse(%q) = %v, want a *Error on line 2", in, err)
		}
	}
}

// A TOML type mismatch is not a toml.ParseError, so its line only shows in
// the message text, not in Error.Line.
func TestParseConfigTypeErrorLine(t *testing.T) {
	t.Parallel()
	in := "[profiles.prod]\ninstance = \"acme\"\nregion = 5\nclient_id = \"x\"\n"
	_, err := Parse([]byte(in))
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 3 {
		t.Errorf("Parse(%q) = %#v, want a *Error with Line 3", in, err)
	}
}
