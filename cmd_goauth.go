package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/protocol"
)

func (a *app) goauthCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "goauth [URL]",
		Short: "the go command's GOAUTH command mode",
		Long: `goauth answers the go command (GOAUTH="nxcred goauth"). Called with no
argument, it prints credentials for every host of the chosen profile. Called
with a URL after a 4xx (and the response on stdin), it fetches a fresh token for
that URL's host, bypassing the cache, or prints nothing for a foreign host.
See: nxcred configure goauth`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("goauth takes at most one URL")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.goauth(profile, args) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

func (a *app) goauth(profile string, args []string) error {
	req, err := protocol.ParseGoAuth(args, a.stdin)
	if err != nil {
		return err
	}
	ch := auth.Choice{Flag: profile}
	var opts tokenOptions
	if req.URL != nil {
		ch.Host, err = protocol.HostFromURL(req.URL.String())
		if err != nil {
			return err
		}
		// The go command re-runs GOAUTH with the URL only after a 4xx: the
		// token it had was refused, so the cached one is not to be trusted.
		opts.fresh = true
	}
	p, t, err := a.token(ch, opts)
	if errors.Is(err, errForeignHost) {
		return nil
	}
	if err != nil {
		return err
	}
	hosts := p.AllHosts()
	if ch.Host != "" {
		hosts = []string{ch.Host}
	}
	prefixes := make([]string, len(hosts))
	for i, h := range hosts {
		prefixes[i] = "https://" + h + "/"
	}
	return protocol.WriteGoAuth(a.stdout, prefixes, a.credential(t))
}
