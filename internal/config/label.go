package config

import "net/url"

// EndpointHost is the host of the profile's token endpoint, for messages.
func (p *Profile) EndpointHost() string {
	u, err := url.Parse(p.Endpoint())
	if err != nil {
		return p.Endpoint()
	}
	return u.Host
}

// LoginHint says how to store a new secret for p.
func (p *Profile) LoginHint() string {
	if p.FromEnv {
		return "check NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET (Nexthink: Administration > API credentials)"
	}
	return "store the right secret: " + p.LoginCommand()
}

// Label names the profile in messages: "profile prod", or "the
// environment profile".
func (p *Profile) Label() string {
	if p.FromEnv {
		return "the environment profile"
	}
	return "profile " + p.Name
}
