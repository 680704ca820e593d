package host

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		in   string
		ok   bool
		want string // part of the error when !ok
	}{
		{"api host", "acme.api.eu.nexthink.cloud", true, ""},
		{"with port", "nxql.acme.example:8443", true, ""},
		{"single label", "intranet", true, ""},
		{"ipv4", "10.1.2.3", true, ""},
		{"ipv4 port", "127.0.0.1:8443", true, ""},
		{"ipv6", "::1", true, ""},
		{"ipv6 port", "[::1]:8443", true, ""},
		{"empty", "", false, "invalid host"},
		{"upper case", "Acme.api.eu.nexthink.cloud", false, "lower-case"},
		{"scheme", "https://acme.api.eu.nexthink.cloud", false, "invalid host"},
		{"path", "acme.example/api", false, "invalid host"},
		{"user info", "u@acme.example", false, "invalid host"},
		{"query", "acme.example?x", false, "invalid host"},
		{"space", "acme .example", false, "invalid host"},
		{"empty port", "acme.example:", false, "bad port"},
		{"named port", "acme.example:https", false, "bad port"},
		{"trailing dot", "acme.example.", false, "invalid host"},
		{"empty label", "acme..example", false, "invalid host"},
		{"underscore", "ac_me.example", false, "invalid host"},
		{"dash label edge", "-acme.example", false, "invalid host"},
		{"bracketed without port", "[::1]", false, "invalid host"},
		{"newline", "acme.example\n", false, "invalid host"},
		{"name of 253", strings.Repeat("a.", 126) + "a", true, ""},
		{"name of 254", strings.Repeat("a.", 126) + "ab", false, "invalid host"},
	} {
		err := Validate(tt.in)
		switch {
		case tt.ok && err != nil:
			t.Errorf("Validate(%q) (%s) = %v, want nil", tt.in, tt.name, err)
		case !tt.ok && err == nil:
			t.Errorf("Validate(%q) (%s) = nil, want an error", tt.in, tt.name)
		case !tt.ok && !strings.Contains(err.Error(), tt.want):
			t.Errorf("Validate(%q) (%s) = %q, want it to contain %q", tt.in, tt.name, err, tt.want)
		}
	}
}

// Validate checks that a port is digits, not that it is a port.
func TestValidatePortRange(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"acme.example:0", "acme.example:99999", "acme.example:0443"} {
		if err := Validate(in); err == nil {
			t.Errorf("Validate(%q) = nil, want an error (port out of range or not canonical)", in)
		}
	}
}

// A name Validate lets a profile list is one Normalize gives back as it is
// (so the two readings agree), and the names it refuses for '_' or an edge
// hyphen are still read, as foreign hosts, from a client.
func TestValidateAgreesWithNormalize(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"acme.api.eu.nexthink.cloud", "intranet", "nxql.acme.example:8443", "x-1.example", strings.Repeat("a.", 126) + "a"} {
		if err := Validate(h); err != nil {
			t.Fatalf("Validate(%q) = %v, want nil", h, err)
		}
		if got := Normalize("https", h); got != h {
			t.Errorf("Normalize(https, %q) = %q, want it unchanged: a valid profile host is already normal", h, got)
		}
	}
	for _, h := range []string{"ac_me.example", "-acme.example", "acme-.example"} {
		if Validate(h) == nil {
			t.Errorf("Validate(%q) = nil, want an error", h)
		}
		if got := Normalize("https", h); got != h {
			t.Errorf("Normalize(https, %q) = %q, want %q: a client's host is read leniently", h, got, h)
		}
	}
	if got := Normalize("https", strings.Repeat("a.", 126)+"ab"); got != "" {
		t.Errorf("Normalize(https, 254-byte name) = %q, want \"\"", got)
	}
}
