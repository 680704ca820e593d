package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/protocol"
)

func (a *app) gitCommand() *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "git get|store|erase",
		Short: "git credential helper (also as git-credential-nxcred)",
		Long: `git answers git's credential-helper protocol. get prints a bearer credential
for a host of the chosen profile (capability authtype, git 2.46+) or a
username/password pair whose password is the token, with password_expiry_utc
either way; a host of no profile gets no output so git asks the next helper.
erase for one of our hosts marks the cached token as refused, so the next get
fetches a new one (and falls back on the refused one if that fails); store and
unknown verbs are ignored. See: nxcred configure git`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("git takes one verb: get, store or erase")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.git(profile, args[0]) },
	}
	a.profileFlag(cmd, &profile)
	return cmd
}

func (a *app) git(profile, verb string) error {
	switch verb {
	case "get", "erase":
	default:
		// store: nxcred mints tokens, it does not keep other people's.
		// Unknown verbs are for future helpers and are ignored (gitcredentials).
		a.log.Debug("git verb ignored", "verb", verb)
		return nil
	}
	req, err := protocol.ParseGitRequest(a.stdin)
	if err != nil {
		return fmt.Errorf("git credential request: %w", err)
	}
	host := req.GitHost()
	if req.Protocol != "https" || host == "" {
		a.log.Debug("git request is not for an https host; no answer", "protocol", req.Protocol)
		return nil
	}
	want := broker.Request{Profile: profile, Host: host}
	if verb == "erase" {
		return a.tokens.Refuse(want)
	}
	r, err := a.tokens.Get(a.ctx, want)
	switch {
	case err == nil && (r.Foreign || r.Unserved != nil):
		return nil
	case err != nil:
		// The host is ours and nxcred cannot answer: stop git from prompting
		// for a password that cannot work (quit, git 2.3+), after saying why.
		a.fail(err)
		fmt.Fprintln(a.stdout, "quit=1")
		return &exitError{code: 0}
	}
	return protocol.WriteGitCredential(a.stdout, req, protocol.GitUsername, a.credential(r.Token))
}
