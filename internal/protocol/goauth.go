package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// maxGoAuthInput bounds the response head read from stdin. The go command
// writes a status line and the response headers, nothing more.
const maxGoAuthInput = 1 << 20

// GoAuthRequest is one GOAUTH invocation.
type GoAuthRequest struct {
	URL    *url.URL // nil on the first, URL-less call
	Status int      // HTTP status of the 4xx response given on stdin with the URL, 0 if none
}

// Refused reports whether the server refused the credentials the go
// command sent: 401 or 403. The go command calls GOAUTH with the URL after
// any 4xx, including the 404 and 410 with which a module proxy says "not
// here, try the next one"; those say nothing about the token.
func (r GoAuthRequest) Refused() bool {
	return r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden
}

// ParseGoAuth takes the arguments after the command words (0 or 1 URL) and
// stdin, as `go help goauth` describes them.
//
// With no argument it is the go command's first, URL-less call: stdin is
// empty and not read. With one URL, the go command has had a 4xx from it
// and writes the response's status line and headers on stdin
// (cmd/go/internal/auth, writeResponseToStdin); they are parsed with
// net/http.ReadResponse, bounded to 1 MiB, and the status (which must be
// 100-599) is returned. An empty stdin gives Status 0. The URL must be https with a host: the go
// command only authenticates HTTPS requests (GOAUTH "panic(GOAUTH called
// without https)"), so anything else is not the go command. More than one
// argument is an error.
func ParseGoAuth(args []string, stdin io.Reader) (GoAuthRequest, error) {
	switch len(args) {
	case 0:
		return GoAuthRequest{}, nil
	case 1:
	default:
		return GoAuthRequest{}, fmt.Errorf("goauth: want at most one url argument, got %d", len(args))
	}
	u, err := url.Parse(args[0])
	if err != nil {
		// The inner error only: url.Error repeats the URL, userinfo included.
		return GoAuthRequest{}, fmt.Errorf("goauth: url argument: %w", unwrapURLError(err))
	}
	if u.Scheme != "https" || u.Host == "" {
		return GoAuthRequest{}, errors.New("goauth: url argument is not an https url with a host")
	}
	req := GoAuthRequest{URL: u}
	if stdin == nil {
		return req, nil
	}
	data, err := io.ReadAll(io.LimitReader(stdin, maxGoAuthInput+1))
	if err != nil {
		return GoAuthRequest{}, fmt.Errorf("goauth: read response: %w", err)
	}
	if len(data) > maxGoAuthInput {
		return GoAuthRequest{}, fmt.Errorf("goauth: response on stdin is larger than %d bytes", maxGoAuthInput)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return req, nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil {
		return GoAuthRequest{}, fmt.Errorf("goauth: parse response on stdin: %w", err)
	}
	resp.Body.Close()
	// net/http reads any three digits; RFC 9110 §15 defines 100-599.
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		return GoAuthRequest{}, fmt.Errorf("goauth: response on stdin has status %d, want 100-599", resp.StatusCode)
	}
	req.Status = resp.StatusCode
	return req, nil
}

// WriteGoAuth writes, for each prefix, a credential set (go help goauth):
// the URL prefix line, a blank line, "Authorization: Bearer <token>", a
// blank line. The closing blank line is mandatory: the go command rejects
// output without it ("missing empty line after headers"). No prefixes
// writes nothing and returns nil without looking at c, which is the valid
// "no credentials" answer.
//
// A prefix is either an https URL ("https://host/", "https://host/path/")
// or a bare host as host.Normalize returns it ("host", "host:8443", "::1"),
// optionally followed by "/path"; a bare prefix gets "https://" (and
// brackets, for an IPv6 literal) in front. A trailing "/" is added when
// missing, which the go command trims again before matching. The line must
// parse with url.ParseRequestURI (as the go command does), be https with a
// host and carry no userinfo, query, fragment, space or control character,
// and must print back unchanged, because the go command matches u.String()
// of it as a plain string prefix of the request URL.
func WriteGoAuth(w io.Writer, prefixes []string, c Credential) error {
	if len(prefixes) == 0 {
		return nil
	}
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("write goauth: %w", err)
	}
	var b strings.Builder
	for _, p := range prefixes {
		line, err := goAuthPrefixLine(p)
		if err != nil {
			return fmt.Errorf("write goauth: %w", err)
		}
		b.WriteString(line)
		b.WriteString("\n\nAuthorization: Bearer ")
		b.WriteString(c.Token)
		b.WriteString("\n\n")
	}
	if err := writeAll(w, []byte(b.String())); err != nil {
		return fmt.Errorf("write goauth: %w", err)
	}
	return nil
}

// goAuthPrefixLine turns a prefix into the URL line of a credential set.
func goAuthPrefixLine(p string) (string, error) {
	if p == "" {
		return "", errors.New("empty url prefix")
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b <= ' ' || b >= 0x7f || b == '?' || b == '#' || b == '\\' {
			return "", fmt.Errorf("url prefix %q contains a character a prefix cannot carry", p)
		}
	}
	line := p
	// Case-sensitive on purpose: the go command strips exactly "https://"
	// before matching (auth.go, storeCredential), so "HTTPS://h/" would
	// never match a request.
	if !strings.HasPrefix(p, "https://") {
		if strings.Contains(p, "://") {
			return "", fmt.Errorf("url prefix %q is not https", p)
		}
		host, path, _ := strings.Cut(p, "/")
		if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
			host = "[" + host + "]"
		}
		line = "https://" + host
		if path != "" {
			line += "/" + path
		}
	}
	if !strings.HasSuffix(line, "/") {
		line += "/"
	}
	u, err := url.ParseRequestURI(line)
	if err != nil {
		return "", fmt.Errorf("url prefix %q: %w", p, unwrapURLError(err))
	}
	if u.Scheme != "https" || u.Host == "" || u.User != nil || u.String() != line {
		return "", fmt.Errorf("url prefix %q is not a plain https url", p)
	}
	return line, nil
}
