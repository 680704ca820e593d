package config

import (
	"fmt"
	"strings"
)

// The variables of the environment profile, for CI and containers: no config
// file and no keyring needed.
const (
	EnvClientID     = "NXCRED_CLIENT_ID"
	EnvClientSecret = "NXCRED_CLIENT_SECRET"
	EnvInstance     = "NXCRED_INSTANCE"
	EnvRegion       = "NXCRED_REGION"
	EnvTokenURL     = "NXCRED_TOKEN_URL"
	EnvScope        = "NXCRED_SCOPE"
	// EnvHosts is a comma-separated list of extra hosts.
	EnvHosts = "NXCRED_HOSTS"
)

// EnvProfile builds the environment profile. It returns nil, "", nil when
// neither NXCRED_CLIENT_ID nor NXCRED_CLIENT_SECRET is set; an error when the
// set is incomplete or invalid.
func EnvProfile(getenv func(string) string) (*Profile, string, error) {
	id, secret := getenv(EnvClientID), getenv(EnvClientSecret)
	if id == "" && secret == "" {
		return nil, "", nil
	}
	if id == "" || secret == "" {
		set, unset := EnvClientID, EnvClientSecret
		if id == "" {
			set, unset = unset, set
		}
		return nil, "", fmt.Errorf("%s is set but %s is not: the environment profile needs both", set, unset)
	}
	p := &Profile{
		Name:     EnvProfileName,
		FromEnv:  true,
		ClientID: id,
		Instance: getenv(EnvInstance),
		Region:   getenv(EnvRegion),
		TokenURL: getenv(EnvTokenURL),
		Scope:    getenv(EnvScope),
	}
	for _, h := range strings.Split(getenv(EnvHosts), ",") {
		if h = strings.TrimSpace(h); h != "" {
			p.Hosts = append(p.Hosts, h)
		}
	}
	if p.TokenURL == "" && (p.Instance == "" || p.Region == "") {
		return nil, "", fmt.Errorf("the environment profile needs %s and %s (or %s)", EnvInstance, EnvRegion, EnvTokenURL)
	}
	if err := p.Validate(); err != nil {
		return nil, "", fmt.Errorf("environment profile: %w", err)
	}
	return p, secret, nil
}
