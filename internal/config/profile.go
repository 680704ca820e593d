// Package config knows Nexthink's side of a credential: profiles and their
// endpoints and hosts, the config file, the environment profile for CI,
// choosing the profile for a call, and the login command that recreates a
// profile. The secret is package keyring's, the token request package
// oauth's.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/nxcred/nxcred/internal/host"
	"github.com/nxcred/nxcred/internal/token"
)

// DefaultScope is the scope Nexthink documents for client-credential tokens.
const DefaultScope = "service:integration"

// Regions are Nexthink's cloud regions.
var Regions = []string{"us", "eu", "pac", "meta"}

// EnvProfileName is the name of the profile made from NXCRED_* variables;
// config profiles cannot use it.
const EnvProfileName = "env"

// Profile is one Nexthink API credential: where to get tokens, for whom, and
// which hosts may receive them. It never holds the secret.
type Profile struct {
	Name     string
	Instance string
	Region   string
	ClientID string
	// Scope is empty for DefaultScope.
	Scope string
	// TokenURL is empty for the endpoint derived from instance and region.
	TokenURL string
	// Hosts are extra API hosts that may receive this profile's tokens.
	Hosts []string
	// FromEnv marks the environment profile.
	FromEnv bool
	// Keyring is the backend login stored the secret in; "" for a profile
	// written before nxcred recorded it (the environment or the OS
	// default then chooses, as they did at that login).
	Keyring string
}

// isName reports whether s is a profile name: a valid cache slot name (a
// letter or digit, then letters, digits, '_', '.' or '-') of at most 64.
func isName(s string) bool { return len(s) <= 64 && token.ValidName(s) }

// ValidateName checks a profile name: letters, digits, '_', '.', '-', at
// most 64, and not the reserved environment profile name.
func ValidateName(name string) error {
	if !isName(name) {
		return fmt.Errorf("invalid profile name %q: use letters, digits, '_', '.' and '-' (at most 64)", name)
	}
	if name == EnvProfileName || strings.HasPrefix(name, EnvProfileName+"-") {
		return fmt.Errorf("profile name %q is reserved for the NXCRED_* environment profile (env and env-*)", name)
	}
	return nil
}

// ValidateRegion checks a Nexthink region.
func ValidateRegion(region string) error {
	if !slices.Contains(Regions, region) {
		return fmt.Errorf("unknown region %q: Nexthink regions are %s", region, strings.Join(Regions, ", "))
	}
	return nil
}

// ValidateInstance checks an instance name, the first label of
// <instance>.api.<region>.nexthink.cloud.
func ValidateInstance(instance string) error {
	if !host.IsLabel(instance) {
		return fmt.Errorf("malformed instance name %q: it is the first part of your Nexthink address (acme in acme.eu.nexthink.cloud): lower-case letters, digits and '-'", instance)
	}
	return nil
}

// ValidateClientID checks a client id: printable ASCII without white space,
// at most 256 bytes. (A ':' is fine: x/oauth2 percent-encodes the id before
// joining it to the secret in the Basic header.)
func ValidateClientID(id string) error {
	if id == "" {
		return fmt.Errorf("empty client id")
	}
	if len(id) > 256 || strings.ContainsFunc(id, func(r rune) bool { return r <= ' ' || r > '~' }) {
		return fmt.Errorf("malformed client id: printable ASCII without white space, at most 256 bytes")
	}
	return nil
}

// ValidateScope checks a scope string: space-separated scope tokens as RFC
// 6749 §3.3 allows, never openid (that is a user-login scope).
func ValidateScope(scope string) error {
	if scope == "" || len(scope) > 1024 {
		return fmt.Errorf("invalid scope %q", scope)
	}
	for _, s := range strings.Split(scope, " ") {
		if s == "" || strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r == '"' || r == '\\' || r > 0x7e }) {
			return fmt.Errorf("invalid scope %q", scope)
		}
		if s == "openid" {
			return fmt.Errorf("scope openid is for user logins; Nexthink API tokens use %s", DefaultScope)
		}
	}
	return nil
}

// ValidateTokenURL checks a token endpoint: https, or http only to a loopback
// address (a local test server). No user info, no fragment.
func ValidateTokenURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.Opaque != "" {
		return fmt.Errorf("invalid token URL %q", raw)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("invalid token URL %q: no user info or fragment allowed", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing token URL %s: the client secret would cross the network in clear text; use https (http is allowed for loopback addresses only)", raw)
	}
	return fmt.Errorf("invalid token URL %q: the scheme must be https", raw)
}

// IsLoopback reports whether host (no port) is localhost or a loopback IP.
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Validate checks every field of p.
func (p *Profile) Validate() error {
	if !p.FromEnv {
		if err := ValidateName(p.Name); err != nil {
			return err
		}
	}
	if p.TokenURL == "" || p.Instance != "" || p.Region != "" {
		if err := ValidateInstance(p.Instance); err != nil {
			return err
		}
		if err := ValidateRegion(p.Region); err != nil {
			return err
		}
	}
	if err := ValidateClientID(p.ClientID); err != nil {
		return err
	}
	if p.Scope != "" {
		if err := ValidateScope(p.Scope); err != nil {
			return err
		}
	}
	if p.TokenURL != "" {
		if err := ValidateTokenURL(p.TokenURL); err != nil {
			return err
		}
	}
	for _, h := range p.Hosts {
		if err := host.Validate(h); err != nil {
			return err
		}
	}
	if p.Keyring != "" {
		if err := ValidateKeyring(p.Keyring); err != nil {
			return err
		}
	}
	return nil
}

// Endpoint is the token URL: the override, or Nexthink's documented
// https://<instance>-login.<region>.nexthink.cloud/oauth2/default/v1/token.
func (p *Profile) Endpoint() string {
	if p.TokenURL != "" {
		return p.TokenURL
	}
	return "https://" + p.Instance + "-login." + p.Region + ".nexthink.cloud/oauth2/default/v1/token"
}

// EffectiveScope is the scope requested.
func (p *Profile) EffectiveScope() string {
	if p.Scope == "" {
		return DefaultScope
	}
	return p.Scope
}

// APIHost is <instance>.api.<region>.nexthink.cloud, or "" when the profile
// has only a token URL.
func (p *Profile) APIHost() string {
	if p.Instance == "" || p.Region == "" {
		return ""
	}
	return p.Instance + ".api." + p.Region + ".nexthink.cloud"
}

// APIURL is https://<APIHost>, or "".
func (p *Profile) APIURL() string {
	if h := p.APIHost(); h != "" {
		return "https://" + h
	}
	return ""
}

// AllHosts is the API host followed by the extra hosts.
func (p *Profile) AllHosts() []string {
	var hs []string
	if h := p.APIHost(); h != "" {
		hs = append(hs, h)
	}
	return append(hs, p.Hosts...)
}

// HasHost reports whether host (normalized: lower case, no default port)
// may receive this profile's tokens.
func (p *Profile) HasHost(host string) bool {
	return host != "" && slices.Contains(p.AllHosts(), host)
}

// Identity is what the profile's cached tokens are bound to.
func (p *Profile) Identity() token.Identity {
	return token.Identity{TokenURL: p.Endpoint(), ClientID: p.ClientID, Scope: p.EffectiveScope()}
}

// SlotName is the profile's cache file name. Config profiles use their name.
// The environment profile's name includes a digest of its identity, so CI jobs
// that share a home folder with different credentials never share a slot.
func (p *Profile) SlotName() string {
	if !p.FromEnv {
		return p.Name
	}
	return EnvProfileName + "-" + shortDigest(p.Identity().String())
}

func shortDigest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}
