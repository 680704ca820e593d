package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httputil"
	"sync"
)

// maxReplayBody is the largest request body the proxy keeps in memory so
// that it can send the request again after a 401. Larger bodies, and bodies
// of unknown length (a chunked upload), stream through and are not retried.
const maxReplayBody = 1 << 20

// upstreamTransport is the transport of proxied requests. An
// *http.Transport is cloned because its default keeps two idle connections
// per host, and a hundred parallel callers would each pay a new TLS
// handshake.
func upstreamTransport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	t, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	t = t.Clone()
	if t.MaxIdleConnsPerHost < 64 {
		t.MaxIdleConnsPerHost = 64
	}
	if t.MaxIdleConns != 0 && t.MaxIdleConns < 64 {
		t.MaxIdleConns = 64
	}
	return t
}

func (s *Server) newProxy(base http.RoundTripper) http.Handler {
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(s.upstream)
			// The caller's credential is the key or a token it got from
			// the local endpoint; the API gets the token path's.
			pr.Out.Header.Del("Authorization")
		},
		// ReverseProxy uses a RoundTripper, never an http.Client, so a
		// redirect is returned to the caller as it came and the token never
		// follows it to another host.
		Transport: &authTransport{base: base, s: s},
		// Write every chunk as it comes: exports and NQL results stream.
		FlushInterval: -1,
		ErrorHandler:  s.proxyError,
	}
}

// serveProxy keeps a small body in memory, so that the request can be sent
// again after a 401, and proxies the request.
func (s *Server) serveProxy(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > 0 && r.ContentLength <= maxReplayBody {
		buf, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
		if err != nil || int64(len(buf)) != r.ContentLength {
			writeJSONError(w, http.StatusBadRequest, "nxcred_body_unreadable", "nxcred serve could not read the request body")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(buf))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	}
	s.proxy.ServeHTTP(w, r)
}

// tokenError marks a failure of the token path, told apart from an
// unreachable API host in the answer.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

func (s *Server) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		// The caller went away; nobody reads an answer.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	var te *tokenError
	if errors.As(err, &te) {
		s.log.Warn("serve: the proxy could not get a token", "err", te.err)
		writeJSONError(w, http.StatusBadGateway, "nxcred_token_unavailable", "nxcred could not get a token for the profile; see the output of nxcred serve")
		return
	}
	s.log.Warn("serve: the API host did not answer", "host", s.upstream.Host, "err", err)
	writeJSONError(w, http.StatusBadGateway, "nxcred_upstream_unreachable", "nxcred serve could not reach "+s.upstream.Host)
}

// authTransport sets the bearer token on each proxied request and, on a
// 401, gets a fresh token and sends a replayable request once more.
type authTransport struct {
	base http.RoundTripper
	s    *Server
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != t.s.upstream.Host || req.URL.Scheme != t.s.upstream.Scheme {
		// Rewrite always targets the upstream; this guards the token
		// against any future path that would not.
		return nil, errors.New("serve: refusing to send a token to another host")
	}
	ctx := req.Context()
	tok, err := t.s.cfg.Tokens(ctx, Need{})
	if err != nil {
		return nil, &tokenError{err}
	}
	resp, err := t.base.RoundTrip(withBearer(req, tok.Access, nil))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	if !replayable {
		// The body has streamed away; the caller gets the 401. The fresh
		// token serves its next request.
		if _, err := t.s.fresh.get(ctx, tok.Access); err != nil {
			t.s.log.Warn("serve: could not refresh the token after a 401", "err", err)
		}
		return resp, nil
	}
	// Read what is left of the 401 (bounded) so its connection is reused.
	io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
	fresh, err := t.s.fresh.get(ctx, tok.Access)
	if err != nil {
		return nil, &tokenError{err}
	}
	var body io.ReadCloser
	if req.GetBody != nil {
		if body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	return t.base.RoundTrip(withBearer(req, fresh.Access, body))
}

// withBearer is req with the token set, and body when not nil; a
// RoundTripper must not change the request it was given.
func withBearer(req *http.Request, token string, body io.ReadCloser) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		r.Body = body
	}
	return r
}

// refresher asks the token path for a fresh token once for all the
// requests that a 401 refused the same token to: a hundred parallel
// requests with an expired token make one fresh token request, not a
// hundred.
type refresher struct {
	tokens Tokens

	mu       sync.Mutex
	rejected string // the token the last flight replaced
	call     *flight
}

type flight struct {
	done chan struct{}
	tok  Token
	err  error
}

// get returns a token newer than rejected.
func (f *refresher) get(ctx context.Context, rejected string) (Token, error) {
	f.mu.Lock()
	c := f.call
	if c != nil && f.rejected == rejected {
		select {
		case <-c.done:
			if c.err != nil {
				// A failed flight is not reused: try again.
				c = nil
			}
		default:
		}
	} else {
		c = nil
	}
	if c == nil {
		c = &flight{done: make(chan struct{})}
		f.call, f.rejected = c, rejected
		f.mu.Unlock()
		// The flight's own context: one caller giving up must not fail the
		// others that wait on it.
		c.tok, c.err = f.tokens(context.WithoutCancel(ctx), Need{Fresh: true})
		close(c.done)
		return c.tok, c.err
	}
	f.mu.Unlock()
	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}
