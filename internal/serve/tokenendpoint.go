package serve

import (
	"encoding/base64"
	"errors"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxFormBody bounds the token endpoint's and the agent endpoint's request
// bodies: a client credentials request is a few hundred bytes.
const maxFormBody = 64 << 10

// oauthError is an error answer of the token endpoint (RFC 6749 5.2).
type oauthError struct {
	status      int
	code        string
	description string
}

func (e *oauthError) Error() string { return e.code + ": " + e.description }

// tokenRequest is what parseTokenRequest read from a token request.
type tokenRequest struct {
	clientID, secret string
	grant            string
	scope            string
	hasScope         bool
}

// parseTokenRequest reads a client credentials request: the Authorization
// header ("" when absent), the Content-Type and the body. It checks syntax
// only; serveToken checks the values.
func parseTokenRequest(authorization, contentType string, body []byte) (tokenRequest, *oauthError) {
	var tr tokenRequest
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return tr, badRequest("invalid_request", "the body must be application/x-www-form-urlencoded")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return tr, badRequest("invalid_request", "the body is not a valid form")
	}
	for name, v := range form {
		// RFC 6749 3.2: parameters must not be included more than once.
		if len(v) > 1 {
			return tr, badRequest("invalid_request", "parameter "+strings.ToValidUTF8(name, "?")+" is repeated")
		}
	}
	_, formID := form["client_id"]
	_, formSecret := form["client_secret"]
	switch {
	case authorization != "" && (formID || formSecret):
		// RFC 6749 2.3: a client must not use more than one method.
		return tr, badRequest("invalid_request", "client credentials are both in the Authorization header and in the form")
	case authorization != "":
		id, secret, ok := parseBasic(authorization)
		if !ok {
			return tr, invalidClient()
		}
		tr.clientID, tr.secret = id, secret
	case formID && formSecret:
		tr.clientID, tr.secret = form.Get("client_id"), form.Get("client_secret")
	default:
		return tr, invalidClient()
	}
	grant, ok := form["grant_type"]
	if !ok || grant[0] == "" {
		return tr, badRequest("invalid_request", "grant_type is missing")
	}
	tr.grant = grant[0]
	if sc, ok := form["scope"]; ok {
		tr.scope, tr.hasScope = sc[0], true
	}
	return tr, nil
}

// parseBasic reads Basic credentials. RFC 6749 2.3.1 form-encodes the
// client id and secret before base64, so they are decoded once more.
func parseBasic(h string) (id, secret string, ok bool) {
	scheme, value, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return "", "", false
	}
	rawID, rawSecret, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	id, err1 := url.QueryUnescape(rawID)
	secret, err2 := url.QueryUnescape(rawSecret)
	if err1 != nil || err2 != nil {
		return "", "", false
	}
	return id, secret, true
}

func badRequest(code, description string) *oauthError {
	return &oauthError{http.StatusBadRequest, code, description}
}

func invalidClient() *oauthError {
	return &oauthError{http.StatusUnauthorized, "invalid_client", "client authentication failed: use this run's local client id and secret"}
}

// tokenResponse is Nexthink's answer, field for field and in its order.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	AccessToken string `json:"access_token"`
	Scope       string `json:"scope"`
}

// serveToken is the local token endpoint: a client credentials grant
// answered from the token path, with the local client id and key as the
// client's credentials.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeOAuthError(w, &oauthError{http.StatusMethodNotAllowed, "invalid_request", "the token endpoint takes POST"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeOAuthError(w, &oauthError{http.StatusRequestEntityTooLarge, "invalid_request", "the request body is too large"})
			return
		}
		writeOAuthError(w, badRequest("invalid_request", "the request body could not be read"))
		return
	}
	tr, oe := parseTokenRequest(r.Header.Get("Authorization"), r.Header.Get("Content-Type"), body)
	if oe == nil {
		oe = s.checkTokenRequest(tr)
	}
	if oe != nil {
		writeOAuthError(w, oe)
		return
	}
	tok, err := s.cfg.Tokens(r.Context(), Need{})
	if err != nil {
		s.log.Warn("serve: the token endpoint could not get a token", "err", err)
		writeOAuthError(w, &oauthError{http.StatusBadGateway, "temporarily_unavailable", "nxcred could not get a token for the profile; see the output of nxcred serve"})
		return
	}
	left := math.Floor(tok.Expiry.Sub(s.cfg.Now()).Seconds())
	writeJSON(w, http.StatusOK, tokenResponse{
		TokenType:   "Bearer",
		ExpiresIn:   int64(max(left, 0)),
		AccessToken: tok.Access,
		Scope:       s.cfg.Scope,
	})
}

// checkTokenRequest checks the values of a well-formed request.
func (s *Server) checkTokenRequest(tr tokenRequest) *oauthError {
	// Both are compared, whatever the first gives, so the time taken says
	// nothing about which one was wrong.
	idOK := equal(tr.clientID, ClientID)
	secretOK := equal(tr.secret, s.key)
	if !idOK || !secretOK {
		return invalidClient()
	}
	if tr.grant != "client_credentials" {
		return badRequest("unsupported_grant_type", "the local token endpoint grants client_credentials only")
	}
	if tr.hasScope {
		for _, sc := range strings.Fields(tr.scope) {
			if sc != s.cfg.Scope {
				return badRequest("invalid_scope", "this server grants scope "+s.cfg.Scope+" only")
			}
		}
	}
	return nil
}

func writeOAuthError(w http.ResponseWriter, e *oauthError) {
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="nxcred serve"`)
	}
	writeJSON(w, e.status, struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}{e.code, e.description})
}
