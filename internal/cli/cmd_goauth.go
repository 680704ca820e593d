package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/protocol"
)

// goauthBudget is how long, by default (NXCRED_GOAUTH_TIMEOUT), a goauth
// call that has no refused token to replace waits for a token: the go
// command's first, URL-less call, which it makes before its first https
// fetch even when it only fetches public modules, and a call after a 4xx
// that is not a refusal (a proxy's 404 or 410). A healthy token endpoint
// answers a cold request (DNS, TCP and TLS set-up, the token) well within a
// second, even across regions; past it, the go command goes on without
// credentials, a host that needs them answers 401, and that call gets
// NXCRED_TIMEOUT in full. A fetch that fails fast (connection refused, an
// error answer) ends sooner, and is remembered for a few seconds, during
// which every call answers at once.
const goauthBudget = time.Second

func (a *app) goauthCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "goauth [URL]",
		Short: "the go command's GOAUTH command mode",
		Long: `goauth answers the go command (GOAUTH="nxcred goauth"). Called with no
argument, it prints credentials for every host of the chosen profile. Called
with a URL after a 4xx (and the response on stdin), it prints credentials
for that URL's host, or nothing for a foreign host; after a 401 or 403 it
first fetches a new token, since the server refused the one it had.
Unless a token was refused, goauth waits at most NXCRED_GOAUTH_TIMEOUT (1s)
for a token: past that, or if the token endpoint fails, it prints nothing,
warns on stderr and exits 0, so the go command goes on without credentials
(public modules need none).
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
	budget, err := broker.Duration(a.getenv, "NXCRED_GOAUTH_TIMEOUT", goauthBudget)
	if err != nil {
		return err
	}
	if timeout, err := broker.Duration(a.getenv, "NXCRED_TIMEOUT", oauth.DefaultTimeout); err == nil && timeout < budget {
		budget = timeout
	}
	want := broker.Request{Profile: profile, Budget: budget, BudgetVar: "NXCRED_GOAUTH_TIMEOUT"}
	if req.URL != nil {
		want.Host, err = protocol.HostFromURL(req.URL.String())
		if err != nil {
			return err
		}
		if req.Refused() {
			// The server refused the token the go command sent: the
			// cached one is not to be trusted, and the go command fails
			// this fetch without a new one, so it is worth the full wait.
			want = broker.Request{Profile: profile, Host: want.Host, Fresh: true}
		}
	}
	r, err := a.tokens.Get(a.ctx, want)
	if err != nil && !want.Fresh {
		a.goOnWithout(r.Profile, err, budget)
		return nil
	}
	if err != nil {
		return err
	}
	if r.Foreign {
		return nil
	}
	if r.Unserved != nil {
		return r.Unserved
	}
	hosts := r.Profile.AllHosts()
	if want.Host != "" {
		hosts = []string{want.Host}
	}
	prefixes := make([]string, len(hosts))
	for i, h := range hosts {
		prefixes[i] = "https://" + h + "/"
	}
	return protocol.WriteGoAuth(a.stdout, prefixes, a.credential(r.Token))
}

// goOnWithout reports, as a warning, why goauth prints no credentials: the
// go command reads stdout only, and empty output is its "no credentials",
// so it fetches without them instead of waiting on nxcred.
func (a *app) goOnWithout(p *config.Profile, err error, budget time.Duration) {
	from := ""
	if p != nil {
		from = " from " + p.Label()
	}
	var fe *oauth.FetchError
	text := ""
	switch {
	case errors.As(err, &fe) && fe.Kind == oauth.KindTimeout, errors.Is(err, context.DeadlineExceeded):
		if errors.As(err, &fe) {
			a.warnf("no token for the go command%s: %v; it goes on without credentials", from, err)
		} else {
			a.warnf("no token for the go command%s within %s: another nxcred is still fetching it; it goes on without credentials", from, budget)
		}
		text = fmt.Sprintf("unless a token was refused, goauth waits at most %s (NXCRED_GOAUTH_TIMEOUT, capped by NXCRED_TIMEOUT); a host that needs the token answers 401, and nxcred then waits up to NXCRED_TIMEOUT", budget)
	default:
		a.warnf("no token for the go command%s: %v; it goes on without credentials", from, err)
		text = hint.Of(err)
	}
	if text != "" {
		fmt.Fprintf(a.stderr, "nxcred: hint: %s\n", a.scrub(hint.OneLine(text)))
	}
}
