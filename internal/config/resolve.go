package config

import (
	"fmt"
	"strings"
)

// Choice is what a call says about which profile to use.
type Choice struct {
	// Flag is --profile.
	Flag string
	// Env is NXCRED_PROFILE.
	Env string
	// Host is the normalized host the request names, or "".
	Host string
}

// NoProfileError says that nothing chose a profile; its hint says how to
// make one.
type NoProfileError struct{ Msg, HintText string }

func (e *NoProfileError) Error() string { return e.Msg }

// Hint tells the user what to run.
func (e *NoProfileError) Hint() string { return e.HintText }

// Resolve picks the profile for a call: --profile, else NXCRED_PROFILE, else
// the profile whose hosts contain the request's host, else the environment
// profile, else the default profile. env may be nil. Resolve does not check
// that the request's host belongs to the result; callers do, with HasHost.
func Resolve(c *Config, env *Profile, ch Choice) (*Profile, error) {
	for _, named := range []struct{ name, from string }{{ch.Flag, "--profile"}, {ch.Env, "NXCRED_PROFILE"}} {
		if named.name == "" {
			continue
		}
		if named.name == EnvProfileName {
			if env == nil {
				return nil, &NoProfileError{
					Msg:      fmt.Sprintf("%s %s: the environment profile is not set", named.from, EnvProfileName),
					HintText: "set NXCRED_CLIENT_ID, NXCRED_CLIENT_SECRET, NXCRED_INSTANCE and NXCRED_REGION",
				}
			}
			return env, nil
		}
		if p := c.Profiles[named.name]; p != nil {
			return p, nil
		}
		return nil, &NoProfileError{
			Msg:      fmt.Sprintf("no profile named %q (from %s)", named.name, named.from),
			HintText: knownProfilesHint(c),
		}
	}
	if ch.Host != "" {
		if p := byHost(c, env, ch.Host); p != nil {
			return p, nil
		}
	}
	if env != nil {
		return env, nil
	}
	if p := c.DefaultProfile(); p != nil {
		return p, nil
	}
	if len(c.Profiles) == 0 {
		return nil, &NoProfileError{
			Msg:      "no profile: nxcred has no credentials yet",
			HintText: "run: nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)",
		}
	}
	return nil, &NoProfileError{
		Msg:      "several profiles and none is the default",
		HintText: "pass --profile, set NXCRED_PROFILE, or set default = \"NAME\" in " + c.Path,
	}
}

// byHost finds the profile that owns host. When several do, the default
// profile wins, then the environment profile, then the first by name, so the
// answer never depends on map order.
func byHost(c *Config, env *Profile, host string) *Profile {
	if d := c.DefaultProfile(); d != nil && d.HasHost(host) {
		return d
	}
	if env != nil && env.HasHost(host) {
		return env
	}
	for _, name := range c.Names() {
		if c.Profiles[name].HasHost(host) {
			return c.Profiles[name]
		}
	}
	return nil
}

func knownProfilesHint(c *Config) string {
	names := c.Names()
	if len(names) == 0 {
		return "no profiles yet: run nxcred login --profile NAME ..."
	}
	return "known profiles: " + strings.Join(names, ", ") + " (nxcred profiles lists them)"
}
