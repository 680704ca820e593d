// Package doctor checks everything a token depends on, from the config file
// to the clients that ask for tokens, and prints one line per check with the
// fix for each problem. It reads and reports; it changes nothing. Every check
// calls the code the token path runs (the config loader, the keyring read,
// the token request) and reports that code's own message and hint.
package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/nxcred/nxcred/internal/token"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/keyring"
)

// System is the program's own pieces, which the checks call. The program
// builds it; tests fill in what the checks they run need. Out, Log, Scrub
// and Getenv have defaults when left nil.
type System struct {
	// Out receives the report.
	Out io.Writer
	// Log gets one debug line per check, with its duration.
	Log *slog.Logger
	// Scrub cleans a line of the secrets and tokens this call has seen, as
	// every message of the program is cleaned.
	Scrub func(string) string
	// Getenv reads the environment nxcred runs in: NXCRED_PROFILE,
	// KUBECONFIG, HOME.
	Getenv func(string) string

	// ConfigPath is the config file, read with config.Read (which
	// repairs nothing).
	ConfigPath string
	// ProfileFlag is --profile, "" when not given.
	ProfileFlag string
	// EnvProfile and EnvErr are the NXCRED_* environment profile (nil when
	// unset) and why it is not usable.
	EnvProfile *config.Profile
	EnvErr     error

	// Keyring opens the keyring a call looks in for p's secret; the keyring
	// line names its backend.
	Keyring func(p *config.Profile) (*keyring.Keyring, error)
	// Secret reads p's client secret as the token path does; a missing one
	// is an error that is keyring.ErrNoSecret, with the login command as hint.
	Secret func(p *config.Profile) (string, error)

	// CacheDir is the token cache folder; CacheState says what it holds
	// for p, opened with secret.
	CacheDir   string
	CacheState func(p *config.Profile, secret string) string

	// Fetch makes one real token request for p and caches nothing. Its
	// errors and their Hint() are the token line and its fix.
	Fetch func(ctx context.Context, p *config.Profile, secret string) (token.Token, error)

	// Hosts are the hosts client sends to nxcred for p, as configure
	// writes them, or the error (and hint) configure gives without one.
	Hosts func(p *config.Profile, client string) ([]string, error)
	// LookPath finds a client's binary on PATH.
	LookPath func(string) (string, error)
	// DockerConfig is the path of docker's config.json.
	DockerConfig func() (string, error)
}

// Counts are how many checks passed, warned and failed.
type Counts struct{ OK, Warn, Fail int }

// Run runs the checks in the order a token request depends on them: config
// and profile, then the secret, the cache and one real token request, then
// the clients. A check that depends on one that failed is left out. It
// prints each check as it completes, then the summary line.
func Run(ctx context.Context, s System) Counts {
	d := &run{ctx: ctx, s: s.withDefaults(), last: time.Now()}
	if cfg, ok := d.checkConfig(); ok {
		if p := d.checkProfile(cfg); p != nil {
			secret := d.checkSecret(p)
			d.checkCache(p, secret)
			if secret != "" {
				d.checkToken(p, secret)
			}
			d.checkClients(p)
		}
	}
	fmt.Fprintf(d.s.Out, "%d ok, %d warn, %d fail\n", d.counts.OK, d.counts.Warn, d.counts.Fail)
	return d.counts
}

func (s System) withDefaults() System {
	if s.Out == nil {
		s.Out = io.Discard
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.Scrub == nil {
		s.Scrub = func(v string) string { return v }
	}
	if s.Getenv == nil {
		s.Getenv = func(string) string { return "" }
	}
	return s
}

// run is one doctor run: its System and the verdicts so far.
type run struct {
	ctx    context.Context
	s      System
	counts Counts
	last   time.Time
}
