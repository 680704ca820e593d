package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/token"
)

// EnvAgent is the variable that tells a nested nxcred where its parent's
// agent is.
const EnvAgent = "NXCRED_AGENT"

// maxAgentResponse bounds what AgentToken reads of an answer: a token is a
// few kilobytes.
const maxAgentResponse = 64 << 10

// ErrNotServed says the agent does not serve the identity asked for; the
// caller goes on to its own keyring. Test with errors.Is.
var ErrNotServed = errors.New("not served by this agent")

// Agent is a parsed NXCRED_AGENT value.
type Agent struct {
	base string // http://host:port, loopback
	key  string
}

// ParseAgent checks a NXCRED_AGENT value: exactly
// http://<loopback>:<port>/<key>, where the host is 127.0.0.1 (or another
// 127/8 address), [::1] or localhost and the key is this server's 43
// characters of base64url. Anything else is refused, so that the variable
// can never send a token request (or the key) off the machine.
func ParseAgent(value string) (Agent, error) {
	bad := func(why string) (Agent, error) {
		return Agent{}, fmt.Errorf("%s is not an nxcred agent address (%s)", EnvAgent, why)
	}
	u, err := url.Parse(value)
	if err != nil {
		return bad("not a URL")
	}
	if u.Scheme != "http" || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return bad("want http://127.0.0.1:PORT/KEY")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return bad("no port")
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 || strconv.FormatUint(p, 10) != port {
		return bad("bad port")
	}
	if !isLoopbackHost(host) {
		return bad("not a loopback host")
	}
	if u.RawPath != "" || !strings.HasPrefix(u.Path, "/") || !validKeySyntax(u.Path[1:]) {
		return bad("no key in the path")
	}
	return Agent{base: "http://" + u.Host, key: u.Path[1:]}, nil
}

// AgentToken asks the agent at agentURL (a NXCRED_AGENT value) for a token
// of identity. It returns an error wrapping ErrNotServed when the agent
// serves another identity. client may be nil; its redirects are never
// followed, and its answer is read up to a bound.
func AgentToken(ctx context.Context, client *http.Client, agentURL, identity string, n Need) (Token, error) {
	a, err := ParseAgent(agentURL)
	if err != nil {
		return Token{}, err
	}
	c := http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	if client != nil {
		c = *client
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	body, _ := json.Marshal(agentRequest{
		Identity:        identity,
		Fresh:           n.Fresh,
		MinValidSeconds: int64((n.MinValid + time.Second - 1) / time.Second),
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/"+a.key+agentPath, bytes.NewReader(body))
	if err != nil {
		return Token{}, errors.New("nxcred agent: cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		// The error names the URL, which holds the key: say only what
		// happened.
		return Token{}, fmt.Errorf("nxcred agent at %s did not answer: %w", a.base, agentNetErr(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAgentResponse+1))
	if err != nil {
		return Token{}, fmt.Errorf("nxcred agent at %s: the answer could not be read", a.base)
	}
	return parseAgentResponse(resp.StatusCode, raw)
}

// agentNetErr drops the URL (and so the key) from a client error.
func agentNetErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// parseAgentResponse reads an agent's answer: a token with its expiry on
// 200, ErrNotServed on 404 not_served, an error naming the status (and the
// agent's error code when it is a plain word) otherwise. The answer's text
// is never copied into an error beyond that code.
func parseAgentResponse(status int, body []byte) (Token, error) {
	if len(body) > maxAgentResponse {
		return Token{}, errors.New("nxcred agent: the answer is too large")
	}
	if status != http.StatusOK {
		var e agentErrorBody
		json.Unmarshal(body, &e)
		if status == http.StatusNotFound && e.Error == agentNotServed {
			return Token{}, ErrNotServed
		}
		if status == http.StatusUnauthorized {
			return Token{}, fmt.Errorf("nxcred agent refused its key (status 401): %s is stale", EnvAgent)
		}
		if isWord(e.Error) {
			return Token{}, fmt.Errorf("nxcred agent answered status %d (%s)", status, e.Error)
		}
		return Token{}, fmt.Errorf("nxcred agent answered status %d", status)
	}
	var r agentResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Token{}, errors.New("nxcred agent: the answer is not JSON")
	}
	if !validTokenSyntax(r.AccessToken) {
		return Token{}, errors.New("nxcred agent: the answer holds no valid access token")
	}
	exp, err := time.Parse(time.RFC3339Nano, r.ExpiresAt)
	if err != nil {
		return Token{}, errors.New("nxcred agent: the answer holds no valid expires_at")
	}
	return Token{Access: r.AccessToken, Expiry: exp}, nil
}

// isWord reports whether s is a short error code: lower-case letters and
// underscores.
func isWord(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// validTokenSyntax accepts a bearer token (token.CheckBearer), up to
// 16 KiB: it goes into an Authorization header as is.
func validTokenSyntax(t string) bool {
	return len(t) <= 16<<10 && token.CheckBearer(t) == nil
}
