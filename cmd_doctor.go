package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/auth"
)

func (a *app) doctorCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check config, keyring, cache, network and clients; print each problem with its fix",
		Long: `doctor checks everything a token depends on, one line each, on stdout:

  ok    <check>: <what was found>
  warn  <check>: <what is wrong, but does not stop nxcred>
        fix: <the command or action that fixes it>
  fail  <check>: <what stops nxcred from giving a token>
        fix: <the command or action that fixes it>

The checks: config, profile, keyring, secret, cache, proxy, dns, endpoint,
tls, token, then the clients kubectl, git, docker, bazel and go. A check that
depends on one that failed is left out. The token check makes one real token
request and does not cache its token: doctor changes nothing.

doctor exits 1 if any check fails (warnings do not), and never prints the
client secret, a token or a proxy password.`,
		Example: `  nxcred doctor
  nxcred doctor --profile prod`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return a.doctor(profile) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

// checkStatus is the verdict of one check.
type checkStatus int

const (
	checkOK checkStatus = iota
	checkWarn
	checkFail
)

func (s checkStatus) String() string { return [...]string{"ok", "warn", "fail"}[s] }

// checkResult is one line of doctor's report, and the fix line under it for
// a warning or failure.
type checkResult struct {
	name   string
	status checkStatus
	detail string
	fix    string
}

func passed(name, detail string) checkResult { return checkResult{name, checkOK, detail, ""} }

func warned(name, detail, fix string) checkResult { return checkResult{name, checkWarn, detail, fix} }

func failed(name, detail, fix string) checkResult { return checkResult{name, checkFail, detail, fix} }

// doctorRun prints each check as it completes, so that a slow network check
// shows where it is, and counts the verdicts for the summary.
type doctorRun struct {
	a      *app
	w      io.Writer
	counts [3]int
	last   time.Time
}

// report prints c and returns whether it did not fail.
func (d *doctorRun) report(c checkResult) bool {
	d.counts[c.status]++
	fmt.Fprintf(d.w, "%-6s%s: %s\n", c.status, c.name, oneLine(c.detail))
	if c.status != checkOK {
		fix := c.fix
		if fix == "" {
			fix = "run nxcred doctor --verbose for details"
		}
		fmt.Fprintf(d.w, "      fix: %s\n", oneLine(fix))
	}
	d.a.log.Debug("doctor check", "check", c.name, "status", c.status.String(), "took", time.Since(d.last).Round(time.Microsecond))
	d.last = time.Now()
	return c.status != checkFail
}

// doctor runs the checks in the order a token request depends on them:
// config and profile, then the secret, the cache, the network path to the
// token endpoint and the token itself, then the clients.
func (a *app) doctor(flag string) error {
	d := &doctorRun{a: a, w: a.stdout, last: time.Now()}
	env, envSecret, envErr := a.envProfile()
	if cfg, ok := d.checkConfig(env, envErr); ok {
		if p := d.checkProfile(cfg, env, envErr, flag); p != nil {
			secret := d.checkSecret(p, envSecret)
			d.checkCache(p, secret)
			if d.checkNetwork(p) && secret != "" {
				d.checkToken(p, secret)
			}
			d.checkClients(p)
		}
	}
	fmt.Fprintf(a.stdout, "%d ok, %d warn, %d fail\n", d.counts[checkOK], d.counts[checkWarn], d.counts[checkFail])
	if d.counts[checkFail] > 0 {
		return &exitError{code: 1}
	}
	return nil
}

// hintOf is the hint an error carries, as a fix line: without the "run: "
// some hints start with, since the fix line already says what to do.
func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return strings.TrimPrefix(h.Hint(), "run: ")
	}
	return ""
}

// loginFix is the login command that stores a profile's secret again.
func loginFix(p *auth.Profile) string {
	if p.FromEnv {
		return "set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET to the credential from Nexthink (Administration > API credentials)"
	}
	cmd := "nxcred login --profile " + p.Name
	if p.Instance != "" {
		cmd += " --instance " + p.Instance + " --region " + p.Region
	}
	cmd += " --client-id " + p.ClientID
	if p.TokenURL != "" {
		cmd += " --token-url " + p.TokenURL
	}
	return cmd
}
