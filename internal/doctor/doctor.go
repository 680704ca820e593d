// Package doctor checks everything a token depends on, from the config file
// to the clients that ask for tokens, and prints one line per check with the
// fix for each problem. It reads and reports; it changes nothing.
package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"time"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/cache"
	"github.com/nxcred/nxcred/internal/redact"
)

// System is what the checks look at, as the program resolves it: the
// folders, the environment, the keyring, the token cache, the token request
// and the clients on PATH. The program builds it; tests fill in what the
// checks they run need. Out, Log, Now, Getenv, Secrets and LookPath have
// defaults when left nil.
type System struct {
	// Out receives the report.
	Out io.Writer
	// Log gets one debug line per check, with its duration.
	Log *slog.Logger
	// Now is the clock for cached tokens and certificates.
	Now func() time.Time
	// Getenv reads the environment nxcred runs in: NXCRED_PROFILE, the proxy
	// variables shown in the report, KUBECONFIG, HOME.
	Getenv func(string) string

	// ConfigPath is the config file, which the config check reads without
	// repairing its permissions.
	ConfigPath string
	// ProfileFlag is --profile, "" when not given.
	ProfileFlag string
	// EnvProfile, EnvSecret and EnvErr are the NXCRED_* environment profile
	// (nil when unset), its client secret, and why it is not usable.
	EnvProfile *auth.Profile
	EnvSecret  string
	EnvErr     error

	// Keyring opens the keyring a call looks in for the profile's secret.
	Keyring func(p *auth.Profile) (*auth.Keyring, error)
	// Secrets is the call's registry of secrets and tokens (package redact):
	// doctor adds the secret and token it reads, and cleans every line it
	// prints by it.
	Secrets *redact.Set

	// Cache is the token cache; the checks only stat its files and Peek.
	Cache *cache.Store
	// Slot is the cache slot of a profile with the given secret.
	Slot func(p *auth.Profile, secret string) cache.Slot

	// Proxy is the token request's proxy for a request (the transport's
	// Proxy function): http.ProxyFromEnvironment when nil.
	Proxy func(*http.Request) (*url.URL, error)

	// CertFile is SSL_CERT_FILE: the extra CAs the token request trusts,
	// which the TLS check trusts too.
	CertFile string
	// Fetch makes one real token request for p and caches nothing. Its
	// errors' Hint() becomes the fix line.
	Fetch func(ctx context.Context, p *auth.Profile, secret string) (cache.Token, error)

	// LookPath finds a client's binary on PATH.
	LookPath func(string) (string, error)
	// DockerConfig is the path of docker's config.json. Its error's Hint()
	// becomes the fix line.
	DockerConfig func() (string, error)
}

// Counts are how many checks passed, warned and failed.
type Counts struct{ OK, Warn, Fail int }

// Run runs the checks in the order a token request depends on them: config
// and profile, then the secret, the cache, the network path to the token
// endpoint and the token itself, then the clients. A check that depends on
// one that failed is left out. It prints each check as it completes, so that
// a slow network check shows where it is, then the summary line.
func Run(ctx context.Context, s System) Counts {
	d := &run{ctx: ctx, s: s.withDefaults(), last: time.Now()}
	if cfg, ok := d.checkConfig(); ok {
		if p := d.checkProfile(cfg); p != nil {
			secret := d.checkSecret(p)
			d.checkCache(p, secret)
			if d.checkNetwork(p) && secret != "" {
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
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Getenv == nil {
		s.Getenv = func(string) string { return "" }
	}
	if s.Secrets == nil {
		s.Secrets = &redact.Set{}
	}
	if s.Proxy == nil {
		s.Proxy = http.ProxyFromEnvironment
	}
	if s.LookPath == nil {
		s.LookPath = exec.LookPath
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

// home is the user's home folder, as the clients find it.
func (d *run) home() string {
	if h := d.s.Getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}
