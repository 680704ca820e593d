package config

import (
	"fmt"
	"slices"
)

// sameProfile compares profiles field by field; nil and empty Hosts are the
// same list.
func sameProfile(a, b *Profile) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Name == b.Name && a.Instance == b.Instance && a.Region == b.Region &&
		a.ClientID == b.ClientID && a.Scope == b.Scope && a.TokenURL == b.TokenURL &&
		slices.Equal(a.Hosts, b.Hosts) && a.FromEnv == b.FromEnv
}

func fmtProfile(p *Profile) string {
	if p == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%+v", *p)
}

// roundTripFunc is an http.RoundTripper made of a function.
