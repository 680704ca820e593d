package serve

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Paths the server answers itself; every other path is proxied. The API
// host has neither (its paths start with /api/).
const (
	tokenPath = "/oauth2/default/v1/token"
	agentPath = "/nxcred/agent/v1/token"
)

// ServeHTTP refuses what may not use the server, then routes the request to
// the token endpoint, the agent endpoint or the proxy.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.route(w, r)
		return
	}
	start := time.Now()
	path := s.logPath(r) // before route strips the key segment
	rec := &statusRecorder{ResponseWriter: w}
	s.route(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "serve request",
		slog.String("method", r.Method),
		slog.String("path", path),
		slog.Int("status", rec.status()),
		slog.Duration("duration", time.Since(start)))
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	// A browser adds Origin to cross-origin requests (and to same-origin
	// POSTs); no client this server is for sends one. Refusing it keeps any
	// web page from using the server through the user's browser.
	if len(r.Header.Values("Origin")) > 0 {
		writeJSONError(w, http.StatusForbidden, "nxcred_origin_refused", "nxcred serve refuses requests from a browser page (Origin header)")
		return
	}
	// A name that resolves to 127.0.0.1 (DNS rebinding) reaches the port
	// with a Host of its own; only the listen address is ours.
	s.mu.Lock()
	hostOK := s.hosts[strings.ToLower(r.Host)]
	s.mu.Unlock()
	if !hostOK {
		writeJSONError(w, http.StatusMisdirectedRequest, "nxcred_host_refused", "nxcred serve answers only its listen address as Host")
		return
	}
	authed := false
	if rest, ok := s.splitKeyPath(r.URL.EscapedPath()); ok {
		// The key segment proves the caller and is never forwarded.
		// rest is escaped; URL.EscapedPath uses RawPath only when it is a
		// valid encoding of Path, so setting it always is safe.
		r.URL.RawPath = rest
		r.URL.Path = r.URL.Path[len(s.key)+1:]
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		authed = true
	}
	if r.URL.Path == tokenPath {
		// Authenticated by the local client credentials, as an OAuth2
		// token endpoint is.
		s.serveToken(w, r)
		return
	}
	if !authed && !s.headerKey(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nxcred serve"`)
		writeJSONError(w, http.StatusUnauthorized, "nxcred_key_required", "nxcred serve needs this run's key (first path segment, bearer value or Basic password)")
		return
	}
	if r.URL.Path == agentPath {
		s.serveAgent(w, r)
		return
	}
	s.serveProxy(w, r)
}

// logPath is the request's path with the key replaced wherever it occurs.
// The query is left out: a caller may put anything there.
func (s *Server) logPath(r *http.Request) string {
	return strings.ReplaceAll(r.URL.EscapedPath(), s.key, "<key>")
}

// writeJSONError answers in the shape of the API's own errors
// ({code, message}), so that clients show the message.
func writeJSONError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// statusRecorder keeps the status for the log line. Unwrap lets the proxy
// reach the connection's Flush through http.ResponseController.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.code == 0 && code >= 200 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *statusRecorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}
