package broker

import (
	"context"
	"errors"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/serve"
	"github.com/nxcred/nxcred/internal/token"
)

// insideAgent reports whether this process runs under nxcred exec --serve,
// which gave it NXCRED_AGENT: tokens of the parent's profile come from the
// parent, like ssh-agent's SSH_AUTH_SOCK, so no keyring is opened here.
func (b *Broker) insideAgent() bool { return b.Getenv(serve.EnvAgent) != "" }

// fromAgent asks the parent's agent for p's token. ok is false when the
// agent serves another profile: the caller goes on with its own keyring.
// An agent that does not answer is an error, not a fallback: the secret is
// not here, and a keyring prompt in its place would surprise.
func (b *Broker) fromAgent(ctx context.Context, r Request, p *config.Profile) (res Result, ok bool, err error) {
	timeout, err := Duration(b.Getenv, "NXCRED_TIMEOUT", oauth.DefaultTimeout)
	if err != nil {
		return Result{Profile: p}, true, err
	}
	if r.Budget > 0 && r.Budget < timeout {
		// goauth's budget holds here too: the go command waits on it.
		timeout = r.Budget
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.Now()
	got, err := serve.AgentToken(ctx, nil, b.Getenv(serve.EnvAgent), p.Identity().String(), serve.Need{Fresh: r.Fresh, MinValid: r.MinValid})
	if errors.Is(err, serve.ErrNotServed) {
		b.Log.Debug("the agent serves another profile", "profile", p.Name)
		return Result{}, false, nil
	}
	if err != nil {
		return Result{Profile: p}, true, hint.Wrap(err,
			"the nxcred exec --serve that started this shell has ended or is unreachable; run the command there, or unset "+serve.EnvAgent)
	}
	b.Secrets.Add(got.Access)
	b.Log.Debug("token from the agent", "profile", p.Name, "took", time.Since(t))
	tok := token.Token{AccessToken: got.Access, TokenType: "Bearer", Expiry: got.Expiry, FetchedAt: b.Now()}
	return Result{Profile: p, Token: tok, FromAgent: true}, true, nil
}

// agentEnvProfile is the environment profile inside nxcred exec --serve:
// its NXCRED_CLIENT_SECRET was kept from the command, and the agent holds it.
func (b *Broker) agentEnvProfile() (*config.Profile, error) {
	p, _, err := config.EnvProfile(func(k string) string {
		if k == config.EnvClientSecret {
			return "held-by-the-agent"
		}
		return b.Getenv(k)
	})
	return p, err
}
