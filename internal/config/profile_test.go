package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/token"
)

// checkValidator runs a table of inputs through a Validate function: ok
// inputs must pass, the others must fail with an error containing want.
func checkValidator(t *testing.T, fname string, validate func(string) error, tests []validatorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := validate(tt.in)
			switch {
			case tt.ok && err != nil:
				t.Errorf("%s(%q) = %v, want nil", fname, tt.in, err)
			case !tt.ok && err == nil:
				t.Errorf("%s(%q) = nil, want an error", fname, tt.in)
			case !tt.ok && !strings.Contains(err.Error(), tt.want):
				t.Errorf("%s(%q) = %q, want it to contain %q", fname, tt.in, err, tt.want)
			}
		})
	}
}

type validatorCase struct {
	name string
	in   string
	ok   bool
	want string // part of the error when !ok
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	checkValidator(t, "ValidateName", ValidateName, []validatorCase{
		{"simple", "prod", true, ""},
		{"one letter", "p", true, ""},
		{"digit first", "1prod", true, ""},
		{"upper case", "Prod", true, ""},
		{"punctuation", "eu.prod_2-b", true, ""},
		{"64", strings.Repeat("a", 64), true, ""},
		{"65", strings.Repeat("a", 65), false, "at most 64"},
		{"empty", "", false, "invalid profile name"},
		{"reserved env", "env", false, "reserved"},
		{"dash first", "-prod", false, "invalid profile name"},
		{"dot first", ".prod", false, "invalid profile name"},
		{"underscore first", "_prod", false, "invalid profile name"},
		{"space", "my prod", false, "invalid profile name"},
		{"slash", "a/b", false, "invalid profile name"},
		{"colon", "a:b", false, "invalid profile name"},
		{"non-ascii", "prodé", false, "invalid profile name"},
		{"trailing newline", "prod\n", false, "invalid profile name"},
	})
}

func TestValidateRegion(t *testing.T) {
	t.Parallel()
	cases := []validatorCase{
		{"upper case", "EU", false, "unknown region"},
		{"empty", "", false, "unknown region"},
		{"apac", "apac", false, "unknown region"},
		{"trailing space", "eu ", false, "unknown region"},
		// The error lists the regions so the user can pick one.
		{"lists regions", "xx", false, "us, eu, pac, meta"},
	}
	for _, r := range []string{"us", "eu", "pac", "meta"} {
		cases = append(cases, validatorCase{r, r, true, ""})
	}
	checkValidator(t, "ValidateRegion", ValidateRegion, cases)
	if want := []string{"us", "eu", "pac", "meta"}; !slices.Equal(Regions, want) {
		t.Errorf("Regions = %v, want %v", Regions, want)
	}
}

func TestValidateInstance(t *testing.T) {
	t.Parallel()
	checkValidator(t, "ValidateInstance", ValidateInstance, []validatorCase{
		{"simple", "acme", true, ""},
		{"one letter", "a", true, ""},
		{"digit first", "0acme", true, ""},
		{"inner dash", "acme-eu-2", true, ""},
		{"63", strings.Repeat("a", 63), true, ""},
		{"64", strings.Repeat("a", 64), false, "malformed instance name"},
		{"empty", "", false, "malformed instance name"},
		{"dash first", "-acme", false, "malformed instance name"},
		{"dash last", "acme-", false, "malformed instance name"},
		{"upper case", "Acme", false, "malformed instance name"},
		{"underscore", "ac_me", false, "malformed instance name"},
		{"dot", "acme.eu", false, "malformed instance name"},
		{"whole host", "acme.eu.nexthink.cloud", false, "malformed instance name"},
		{"trailing newline", "acme\n", false, "malformed instance name"},
	})
}

func TestValidateClientID(t *testing.T) {
	t.Parallel()
	checkValidator(t, "ValidateClientID", ValidateClientID, []validatorCase{
		{"okta style", "0oa1b2c3d4e5f6g7h8i9", true, ""},
		{"punctuation", "a-b_c.d+e/f=", true, ""},
		{"256", strings.Repeat("x", 256), true, ""},
		{"257", strings.Repeat("x", 257), false, "at most 256"},
		{"empty", "", false, "empty client id"},
		{"space", "a b", false, "malformed client id"},
		{"tab", "a\tb", false, "malformed client id"},
		{"newline", "ab\n", false, "malformed client id"},
		{"nul", "a\x00b", false, "malformed client id"},
		{"del", "a\x7fb", false, "malformed client id"},
	})
}

func TestValidateScope(t *testing.T) {
	t.Parallel()
	checkValidator(t, "ValidateScope", ValidateScope, []validatorCase{
		{"default", "service:integration", true, ""},
		{"two scopes", "service:integration other:read", true, ""},
		{"1024", strings.Repeat("s", 1024), true, ""},
		{"1025", strings.Repeat("s", 1025), false, "invalid scope"},
		{"empty", "", false, "invalid scope"},
		{"double space", "a  b", false, "invalid scope"},
		{"leading space", " a", false, "invalid scope"},
		{"trailing space", "a ", false, "invalid scope"},
		{"tab", "a\tb", false, "invalid scope"},
		{"quote", `a"b`, false, "invalid scope"},
		{"backslash", `a\b`, false, "invalid scope"},
		{"non-ascii", "scopé", false, "invalid scope"},
		{"openid", "openid", false, "scope openid is for user logins"},
		{"openid among others", "service:integration openid", false, "scope openid is for user logins"},
	})
}

func TestValidateTokenURL(t *testing.T) {
	t.Parallel()
	checkValidator(t, "ValidateTokenURL", ValidateTokenURL, []validatorCase{
		{"nexthink", "https://acme-login.eu.nexthink.cloud/oauth2/default/v1/token", true, ""},
		{"https port", "https://login.example.com:8443/token", true, ""},
		{"upper-case scheme", "HTTPS://login.example.com/token", true, ""},
		{"http 127.0.0.1", "http://127.0.0.1:8080/oauth2/default/v1/token", true, ""},
		{"http 127.x", "http://127.4.5.6/token", true, ""},
		{"http ::1", "http://[::1]:8080/token", true, ""},
		{"http localhost", "http://localhost:8080/token", true, ""},
		{"http LOCALHOST", "http://LOCALHOST/token", true, ""},
		{"http remote", "http://login.example.com/token", false, "clear text"},
		{"http lookalike", "http://127.0.0.1.example.com/token", false, "clear text"},
		{"http localhost subdomain", "http://localhost.example.com/token", false, "clear text"},
		{"http unspecified", "http://0.0.0.0/token", false, "clear text"},
		{"http private", "http://10.0.0.1/token", false, "clear text"},
		{"user info", "https://user:pw@login.example.com/token", false, "no user info"},
		{"user only", "https://user@login.example.com/token", false, "no user info"},
		{"fragment", "https://login.example.com/token#x", false, "fragment"},
		{"ftp", "ftp://login.example.com/token", false, "scheme must be https"},
		{"no scheme", "//login.example.com/token", false, "scheme must be https"},
		{"bare host", "login.example.com", false, "invalid token URL"},
		{"empty", "", false, "invalid token URL"},
		{"opaque", "https:login.example.com", false, "invalid token URL"},
		{"no host", "https:///token", false, "invalid token URL"},
		{"space in host", "https://login example.com/token", false, "invalid token URL"},
		{"control character", "https://login.example.com/\x00", false, "invalid token URL"},
		{"garbage", "::::", false, "invalid token URL"},
	})
}

// ValidateTokenURL only checks that the authority is not empty, so a URL
// with a port and no host name passes.
func TestValidateTokenURLNoHostName(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"https://:443/token", "http://:8080/token"} {
		if err := ValidateTokenURL(in); err == nil {
			t.Errorf("ValidateTokenURL(%q) = nil, want an error (no host name)", in)
		}
	}
}

func TestProfileValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Profile
		want string // "" for valid
	}{
		{"instance and region", Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id"}, ""},
		{"token URL only", Profile{Name: "local", ClientID: "id", TokenURL: "http://127.0.0.1:1/token"}, ""},
		{"token URL and instance", Profile{Name: "p", Instance: "acme", Region: "us", ClientID: "id", TokenURL: "https://x.example/token"}, ""},
		{"env profile skips the name", Profile{Name: "env", FromEnv: true, Instance: "acme", Region: "eu", ClientID: "id"}, ""},
		{"config profile named env", Profile{Name: "env", Instance: "acme", Region: "eu", ClientID: "id"}, "reserved"},
		{"no instance", Profile{Name: "p", Region: "eu", ClientID: "id"}, "malformed instance name"},
		{"no region", Profile{Name: "p", Instance: "acme", ClientID: "id"}, "unknown region"},
		{"token URL with instance but no region", Profile{Name: "p", Instance: "acme", ClientID: "id", TokenURL: "https://x.example/token"}, "unknown region"},
		{"no client id", Profile{Name: "p", Instance: "acme", Region: "eu"}, "empty client id"},
		{"openid", Profile{Name: "p", Instance: "acme", Region: "eu", ClientID: "id", Scope: "openid"}, "openid"},
		{"http token URL", Profile{Name: "p", ClientID: "id", TokenURL: "http://login.example.com/token"}, "clear text"},
		{"bad host", Profile{Name: "p", Instance: "acme", Region: "eu", ClientID: "id", Hosts: []string{"ok.example", "Bad.example"}}, "invalid host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.p.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("%s.Validate() = %v, want nil", fmtProfile(&tt.p), err)
			case tt.want != "" && err == nil:
				t.Errorf("%s.Validate() = nil, want an error containing %q", fmtProfile(&tt.p), tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Errorf("%s.Validate() = %q, want it to contain %q", fmtProfile(&tt.p), err, tt.want)
			}
		})
	}
}

func TestProfileHosts(t *testing.T) {
	t.Parallel()
	derived := &Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id", Hosts: []string{"nxql.acme.example", "127.0.0.1:8443"}}
	override := &Profile{Name: "local", ClientID: "id", TokenURL: "http://127.0.0.1:9/oauth2/default/v1/token", Hosts: []string{"127.0.0.1:8443"}}
	bare := &Profile{Name: "bare", ClientID: "id", TokenURL: "https://login.example.com/token"}

	tests := []struct {
		name                      string
		p                         *Profile
		endpoint, apiHost, apiURL string
		all                       []string
	}{
		{"derived", derived,
			"https://acme-login.eu.nexthink.cloud/oauth2/default/v1/token",
			"acme.api.eu.nexthink.cloud", "https://acme.api.eu.nexthink.cloud",
			[]string{"acme.api.eu.nexthink.cloud", "nxql.acme.example", "127.0.0.1:8443"}},
		{"token URL override", override,
			"http://127.0.0.1:9/oauth2/default/v1/token", "", "",
			[]string{"127.0.0.1:8443"}},
		{"no hosts at all", bare, "https://login.example.com/token", "", "", nil},
		{"meta region", &Profile{Instance: "x1", Region: "meta"},
			"https://x1-login.meta.nexthink.cloud/oauth2/default/v1/token",
			"x1.api.meta.nexthink.cloud", "https://x1.api.meta.nexthink.cloud",
			[]string{"x1.api.meta.nexthink.cloud"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.Endpoint(); got != tt.endpoint {
				t.Errorf("Endpoint() = %q, want %q", got, tt.endpoint)
			}
			if got := tt.p.APIHost(); got != tt.apiHost {
				t.Errorf("APIHost() = %q, want %q", got, tt.apiHost)
			}
			if got := tt.p.APIURL(); got != tt.apiURL {
				t.Errorf("APIURL() = %q, want %q", got, tt.apiURL)
			}
			if got := tt.p.AllHosts(); !slices.Equal(got, tt.all) {
				t.Errorf("AllHosts() = %q, want %q", got, tt.all)
			}
		})
	}

	hasHost := []struct {
		p    *Profile
		host string
		want bool
	}{
		{derived, "acme.api.eu.nexthink.cloud", true},
		{derived, "nxql.acme.example", true},
		{derived, "127.0.0.1:8443", true},
		{derived, "127.0.0.1", false},
		{derived, "acme.api.us.nexthink.cloud", false},
		{derived, "acme-login.eu.nexthink.cloud", false},
		{derived, "evil.example", false},
		{derived, "api.eu.nexthink.cloud", false},
		{derived, "", false},
		{override, "127.0.0.1:8443", true},
		{override, "127.0.0.1:9", false},
		{bare, "", false},
		{bare, "login.example.com", false},
	}
	for _, tt := range hasHost {
		if got := tt.p.HasHost(tt.host); got != tt.want {
			t.Errorf("%s.HasHost(%q) = %v, want %v", tt.p.Name, tt.host, got, tt.want)
		}
	}
}

func TestProfileScopeAndIdentity(t *testing.T) {
	t.Parallel()
	p := &Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id-1"}
	if got := p.EffectiveScope(); got != "service:integration" {
		t.Errorf("EffectiveScope() = %q, want %q", got, "service:integration")
	}
	want := token.Identity{TokenURL: "https://acme-login.eu.nexthink.cloud/oauth2/default/v1/token", ClientID: "id-1", Scope: "service:integration"}
	if got := p.Identity(); got != want {
		t.Errorf("Identity() = %+v, want %+v", got, want)
	}
	p2 := &Profile{Name: "x", ClientID: "id-2", Scope: "a:b c:d", TokenURL: "https://login.example.com/t"}
	if got := p2.EffectiveScope(); got != "a:b c:d" {
		t.Errorf("EffectiveScope() = %q, want %q", got, "a:b c:d")
	}
	want2 := token.Identity{TokenURL: "https://login.example.com/t", ClientID: "id-2", Scope: "a:b c:d"}
	if got := p2.Identity(); got != want2 {
		t.Errorf("Identity() = %+v, want %+v", got, want2)
	}
}

func TestSlotName(t *testing.T) {
	t.Parallel()
	if got := (&Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id"}).SlotName(); got != "prod" {
		t.Errorf("config profile SlotName() = %q, want %q", got, "prod")
	}

	env := func(mod func(*Profile)) *Profile {
		p := &Profile{Name: EnvProfileName, FromEnv: true, Instance: "acme", Region: "eu", ClientID: "id-1"}
		if mod != nil {
			mod(p)
		}
		return p
	}
	base := env(nil).SlotName()
	if !strings.HasPrefix(base, "env-") || len(base) != len("env-")+16 {
		t.Errorf("env SlotName() = %q, want env- and 16 hex digits", base)
	}
	if again := env(nil).SlotName(); again != base {
		t.Errorf("env SlotName() = %q then %q, want the same slot for the same identity", base, again)
	}
	// Extra hosts do not change which tokens the credential gets.
	if got := env(func(p *Profile) { p.Hosts = []string{"x.example"} }).SlotName(); got != base {
		t.Errorf("env SlotName() with extra hosts = %q, want %q", got, base)
	}
	differs := []struct {
		name string
		mod  func(*Profile)
	}{
		{"client id", func(p *Profile) { p.ClientID = "id-2" }},
		{"token URL", func(p *Profile) { p.TokenURL = "https://login.example.com/token" }},
		{"instance", func(p *Profile) { p.Instance = "other" }},
		{"region", func(p *Profile) { p.Region = "us" }},
		{"scope", func(p *Profile) { p.Scope = "other:scope" }},
	}
	for _, tt := range differs {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := env(tt.mod).SlotName(); got == base || !strings.HasPrefix(got, "env-") {
				t.Errorf("env SlotName() with another %s = %q, want a different env-... slot than %q", tt.name, got, base)
			}
		})
	}
}

// ValidateClientID takes printable ASCII only: no non-ASCII white space or
// C1 controls. A ':' is fine, since x/oauth2 percent-encodes the id.
func TestValidateClientIDDocumentedRules(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"a\u00a0b", "a\u0085b", "ä"} {
		if err := ValidateClientID(in); err == nil {
			t.Errorf("ValidateClientID(%q) = nil, want an error", in)
		}
	}
	if err := ValidateClientID("a:b"); err != nil {
		t.Errorf("ValidateClientID(%q) = %v, want nil", "a:b", err)
	}
}

// A config profile may be named like the environment profile's slot, so the
// two would share a cache file (it then fails to open: a miss each time).
func TestSlotNameCollision(t *testing.T) {
	t.Parallel()
	env := &Profile{Name: EnvProfileName, FromEnv: true, Instance: "acme", Region: "eu", ClientID: "id"}
	name := env.SlotName()
	if err := ValidateName(name); err == nil {
		t.Errorf("ValidateName(%q) = nil, want an error: that name is the environment profile's cache slot", name)
	}
}
