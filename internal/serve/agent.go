package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxMinValid bounds min_valid_seconds: no token lives a day.
const maxMinValid = 24 * time.Hour

// agentRequest is the body of POST /nxcred/agent/v1/token.
type agentRequest struct {
	Identity        string `json:"identity"`
	Fresh           bool   `json:"fresh"`
	MinValidSeconds int64  `json:"min_valid_seconds"`
}

// agentResponse is the agent's answer to a request it serves.
type agentResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresAt   string `json:"expires_at"` // RFC 3339, UTC, nanoseconds
}

// agentErrorBody is the agent's answer to a request it does not serve.
type agentErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// Error codes of the agent endpoint.
const (
	agentNotServed   = "not_served"
	agentBadRequest  = "invalid_request"
	agentUnavailable = "token_unavailable"
)

// serveAgent answers a nested nxcred that found NXCRED_AGENT: the token of
// the served profile when it asks for that profile's identity, otherwise
// 404 not_served, and the child goes on to its own keyring.
func (s *Server) serveAgent(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeAgentError(w, http.StatusMethodNotAllowed, agentBadRequest, "the agent endpoint takes POST")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFormBody))
	if err != nil {
		writeAgentError(w, http.StatusRequestEntityTooLarge, agentBadRequest, "the request body is too large or unreadable")
		return
	}
	req, err := parseAgentRequest(body)
	if err != nil {
		writeAgentError(w, http.StatusBadRequest, agentBadRequest, err.Error())
		return
	}
	if s.cfg.Identity == "" || req.Identity != s.cfg.Identity {
		writeAgentError(w, http.StatusNotFound, agentNotServed, "not served by this agent")
		return
	}
	tok, err := s.cfg.Tokens(r.Context(), Need{Fresh: req.Fresh, MinValid: time.Duration(req.MinValidSeconds) * time.Second})
	if err != nil {
		s.log.Warn("serve: the agent could not get a token", "err", err)
		writeAgentError(w, http.StatusBadGateway, agentUnavailable, "the agent could not get a token for the profile; see the output of nxcred serve")
		return
	}
	writeJSON(w, http.StatusOK, agentResponse{
		AccessToken: tok.Access,
		ExpiresAt:   tok.Expiry.UTC().Format(time.RFC3339Nano),
	})
}

// parseAgentRequest reads an agent request strictly: one JSON object, known
// fields, an identity, a bounded minimum validity.
func parseAgentRequest(body []byte) (agentRequest, error) {
	var req agentRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, errors.New("the body is not an agent request")
	}
	if dec.More() {
		return req, errors.New("the body holds more than one JSON value")
	}
	if req.Identity == "" {
		return req, errors.New("identity is missing")
	}
	if req.MinValidSeconds < 0 || req.MinValidSeconds > int64(maxMinValid/time.Second) {
		return req, errors.New("min_valid_seconds is out of range")
	}
	return req, nil
}

func writeAgentError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, agentErrorBody{code, description})
}
