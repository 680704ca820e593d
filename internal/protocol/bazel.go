package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
)

// maxBazelRequest bounds the request read from stdin. Bazel sends one small
// object; anything near this size is not Bazel.
const maxBazelRequest = 1 << 20

// ParseBazelRequest reads a get-credentials request, {"uri": "..."}
// (EngFlow credential-helper spec, schemas/get-credentials-request.schema.json;
// docs/protocols.md §4.1).
//
// Unknown properties are tolerated, as the spec requires. The input is
// bounded to 1 MiB. It must be exactly one JSON object; "uri" must appear
// exactly once (matched case-sensitively, unlike encoding/json's field
// matching, so {"uri":..., "URI":...} cannot smuggle a second URL past a
// reader that picks the other one), must be a string, and must be an
// absolute URL with a host. The scheme is not checked: Bazel also asks for
// grpcs:// remote caches, and host scoping is the caller's decision.
func ParseBazelRequest(r io.Reader) (*url.URL, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxBazelRequest+1))
	if err != nil {
		return nil, fmt.Errorf("read bazel request: %w", err)
	}
	if len(data) > maxBazelRequest {
		return nil, fmt.Errorf("bazel request is larger than %d bytes", maxBazelRequest)
	}
	raw, err := bazelURIField(data)
	if err != nil {
		return nil, fmt.Errorf("parse bazel request: %w", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse bazel request: uri: %w", unwrapURLError(err))
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, errors.New("parse bazel request: uri is not an absolute url with a host")
	}
	return u, nil
}

// bazelURIField walks the top-level object of data and returns its "uri"
// string.
func bazelURIField(data []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil {
		return "", err
	} else if t != json.Delim('{') {
		return "", errors.New("request is not a json object")
	}
	var uri *string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := t.(string) // object keys are always strings
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return "", err
		}
		if key != "uri" {
			continue
		}
		if uri != nil {
			return "", errors.New("uri appears more than once")
		}
		if len(value) == 0 || value[0] != '"' {
			return "", errors.New("uri is not a string")
		}
		var s string
		if err := json.Unmarshal(value, &s); err != nil {
			return "", err
		}
		uri = &s
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("data after the request object")
	}
	if uri == nil {
		return "", errors.New("uri is missing")
	}
	return *uri, nil
}

// bazelResponse is a get-credentials response
// (schemas/get-credentials-response.schema.json).
type bazelResponse struct {
	Headers map[string][]string `json:"headers"`
	Expires string              `json:"expires,omitempty"`
}

// WriteBazelResponse writes
// {"headers":{"Authorization":["Bearer <token>"]},"expires":"<RFC 3339>"}
// and a newline; expires is UTC with no fractional seconds, because Bazel
// parses it with the Java pattern yyyy-MM-dd'T'HH:mm:ssXXX and fails the
// whole response on anything else (docs/protocols.md §4.5), and is left out when
// Expires is zero. c == nil writes {"headers":{}}, the spec's "no
// credentials needed", for a host that is not nxcred's: in Bazel a failing
// helper fails the build (docs/protocols.md §4.2).
func WriteBazelResponse(w io.Writer, c *Credential) error {
	resp := bazelResponse{Headers: map[string][]string{}}
	if c != nil {
		if err := checkCredential(*c); err != nil {
			return fmt.Errorf("write bazel response: %w", err)
		}
		resp.Headers["Authorization"] = []string{"Bearer " + c.Token}
		if !c.Expires.IsZero() {
			resp.Expires = formatExpiry(c.Expires)
		}
	}
	b, err := encodeJSONLine(resp)
	if err != nil {
		return fmt.Errorf("write bazel response: %w", err)
	}
	if err := writeAll(w, b); err != nil {
		return fmt.Errorf("write bazel response: %w", err)
	}
	return nil
}
