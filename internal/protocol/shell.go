package protocol

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// TokenFormats lists the values of --format.
var TokenFormats = []string{"raw", "json", "header"}

// tokenJSON is the json format. Field names follow the OAuth 2.0 token
// response (RFC 6749 §5.1) plus expires_at as an absolute RFC 3339 UTC
// instant, the lesson of az's local-time expiresOn (docs/protocols.md §6.2).
type tokenJSON struct {
	TokenType   string `json:"token_type"`
	AccessToken string `json:"access_token"`
	ExpiresIn   *int64 `json:"expires_in,omitempty"`
	ExpiresAt   string `json:"expires_at,omitempty"`
}

// WriteToken writes c for plain shell use (nxcred token --format):
//
//   - raw: the token and a newline;
//   - header: "Authorization: Bearer <token>" and a newline, for curl -H @-
//     (curl >= 7.55.0 reads one header per line);
//   - json: one line {"token_type":"Bearer","access_token":"...",
//     "expires_in":<whole seconds from now until Expires, never negative>,
//     "expires_at":"<RFC 3339 UTC>"} and a newline; expires_in and
//     expires_at are left out when Expires is zero (unknown).
//
// now is the caller's clock. An unknown format is an error and writes
// nothing.
func WriteToken(w io.Writer, format string, c Credential, now time.Time) error {
	if !slices.Contains(TokenFormats, format) {
		return fmt.Errorf("unknown token format %q (want %s)", format, strings.Join(TokenFormats, ", "))
	}
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	var b []byte
	switch format {
	case "raw":
		b = []byte(c.Token + "\n")
	case "header":
		b = []byte("Authorization: Bearer " + c.Token + "\n")
	case "json":
		out := tokenJSON{TokenType: "Bearer", AccessToken: c.Token}
		if !c.Expires.IsZero() {
			in := secondsUntil(now, c.Expires)
			out.ExpiresIn = &in
			out.ExpiresAt = formatExpiry(c.Expires)
		}
		var err error
		if b, err = encodeJSONLine(out); err != nil {
			return fmt.Errorf("write token: %w", err)
		}
	}
	if err := writeAll(w, b); err != nil {
		return fmt.Errorf("write token: %w", err)
	}
	return nil
}

// secondsUntil returns the whole seconds from now until t, or 0 if t is not
// after now. It counts in Unix seconds rather than with t.Sub, which
// saturates at about 292 years.
func secondsUntil(now, t time.Time) int64 {
	secs := t.Unix() - now.Unix()
	if t.Nanosecond() < now.Nanosecond() {
		secs--
	}
	return max(secs, 0)
}
