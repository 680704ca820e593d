package protocol

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nxcred/nxcred/internal/host"
)

// Limits on a git helper request. git-credential(1): "lines ... must be
// shorter than 65535 bytes"; git itself never sends more than a few dozen
// lines, so 1000 only stops a runaway writer.
const (
	maxGitLineLen = 65535
	maxGitLines   = 1000
)

// GitRequest is what nxcred reads of a helper request: the fields that
// change its answer (docs/protocols.md §2.2). Other keys (path, username,
// wwwauth[], password on store/erase...) are checked like every line and
// then left unread.
type GitRequest struct {
	Protocol, Host string
	Capabilities   []string // capability[] values, in order
}

// ParseGitRequest reads key=value lines (git-credential(1), docs/protocols.md
// §2.2) until a blank line or EOF.
//
//   - A line ends at LF; one CR right before the LF is dropped, as git's
//     strbuf_getline does. Any other CR is an error: git >= 2.47.2 refuses
//     to send one (CVE-2024-52006), so one here is not git talking.
//   - A line without '=' or with NUL is an error, as are lines longer than
//     65535 bytes and more than 1000 lines.
//   - The key is everything before the first '='. protocol and host fill
//     the named fields, a later line overriding an earlier one;
//     capability[] appends to Capabilities and an empty value clears it.
//     Every other key is accepted and not kept.
//   - url=<url> is split the way git's credential_from_url does (see
//     splitGitURL) and replaces Protocol and Host, clearing those it does
//     not carry; a url whose decoded username or path holds CR or LF is an
//     error, as in git. Unlike git, it leaves capabilities alone (git also
//     drops capabilities already read, which no caller wants).
func ParseGitRequest(r io.Reader) (GitRequest, error) {
	var req GitRequest
	sc := bufio.NewScanner(r)
	// Room for a maximal line plus CR LF; anything longer is ErrTooLong.
	sc.Buffer(make([]byte, 0, 4096), maxGitLineLen+2)
	sc.Split(scanLFKeep)
	lines := 0
	for sc.Scan() {
		line := sc.Text()
		if l, ok := strings.CutSuffix(line, "\n"); ok {
			line = l
			line = strings.TrimSuffix(line, "\r")
		}
		if len(line) > maxGitLineLen {
			return GitRequest{}, fmt.Errorf("git request: line %d is longer than %d bytes", lines+1, maxGitLineLen)
		}
		if line == "" {
			break
		}
		lines++
		if lines > maxGitLines {
			return GitRequest{}, fmt.Errorf("git request: more than %d lines", maxGitLines)
		}
		// Never quote the line: it may be password=... on store/erase.
		if strings.IndexByte(line, 0) >= 0 {
			return GitRequest{}, fmt.Errorf("git request: line %d contains NUL", lines)
		}
		if strings.IndexByte(line, '\r') >= 0 {
			return GitRequest{}, fmt.Errorf("git request: line %d contains a carriage return", lines)
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return GitRequest{}, fmt.Errorf("git request: line %d has no '='", lines)
		}
		if err := req.set(key, value); err != nil {
			return GitRequest{}, fmt.Errorf("git request: line %d: %w", lines, err)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return GitRequest{}, fmt.Errorf("git request: line %d is longer than %d bytes", lines+1, maxGitLineLen)
		}
		return GitRequest{}, fmt.Errorf("git request: %w", err)
	}
	return req, nil
}

// scanLFKeep splits at LF and keeps the LF, so the caller can tell a
// terminated line (whose CR before LF git drops) from a last unterminated one
// (whose trailing CR git keeps).
func scanLFKeep(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i+1], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

func (r *GitRequest) set(key, value string) error {
	switch key {
	case "protocol":
		r.Protocol = value
	case "host":
		r.Host = value
	case "url":
		p, err := splitGitURL(value)
		if err != nil {
			return err
		}
		r.Protocol, r.Host = p.protocol, p.host
	case "capability[]":
		if value == "" {
			r.Capabilities = nil
		} else {
			r.Capabilities = append(r.Capabilities, value)
		}
	}
	return nil
}

type gitURLParts struct {
	protocol, host, path, username string
}

// splitGitURL splits a url= value like git's credential_from_url_1
// (credential.c) with allow_partial_url off:
//
//   - the protocol is the text before the first "://", which must exist and
//     not be empty ("url has no scheme");
//   - the host ends at the first '/', '?' or '#' after "://";
//   - if a '@' comes before that end, the text before it is userinfo: up to
//     its first ':' is the username (the password is dropped: a token helper
//     has no use for it), and the host starts after the '@';
//   - leading slashes are trimmed from the rest, which becomes the path with
//     trailing slashes trimmed (never down to nothing); username and path
//     are split out only to be checked, as git checks them;
//   - username and path are percent-decoded as git's url_decode_mem does:
//     "%XX" becomes the byte when XX is hex and not 00, anything else stays
//     as written, and '+' stays '+';
//   - a decoded LF is an error, as in git's check_url_component, and so is a
//     decoded CR (git >= 2.47.2 refuses to pass one to a helper).
//
// One deliberate difference: git percent-decodes the host too; here the host
// is kept as written, so "acme%2eapi..." stays unnormalizable and matches no
// configured host (a percent-encoded host gets no token).
func splitGitURL(u string) (gitURLParts, error) {
	protoEnd := strings.Index(u, "://")
	if protoEnd <= 0 {
		return gitURLParts{}, errors.New("url has no scheme")
	}
	p := gitURLParts{protocol: u[:protoEnd]}
	cp := u[protoEnd+3:]
	at := strings.IndexByte(cp, '@')
	colon := strings.IndexByte(cp, ':')
	slash := strings.IndexAny(cp, "/?#")
	if slash < 0 {
		slash = len(cp)
	}
	hostStart := 0
	switch {
	case at < 0 || slash <= at:
		// proto://<host>/...
	case colon < 0 || at <= colon:
		// proto://<user>@<host>/...
		p.username = gitURLDecode(cp[:at])
		hostStart = at + 1
	default:
		// proto://<user>:<pass>@<host>/...
		p.username = gitURLDecode(cp[:colon])
		hostStart = at + 1
	}
	p.host = cp[hostStart:slash]
	if rest := strings.TrimLeft(cp[slash:], "/"); rest != "" {
		path := gitURLDecode(rest)
		for len(path) > 1 && path[len(path)-1] == '/' {
			path = path[:len(path)-1]
		}
		p.path = path
	}
	for _, c := range []struct{ name, value string }{
		{"username", p.username}, {"protocol", p.protocol}, {"host", p.host}, {"path", p.path},
	} {
		if strings.ContainsAny(c.value, "\n\r") {
			return gitURLParts{}, fmt.Errorf("url contains a newline or carriage return in its %s", c.name)
		}
	}
	return p, nil
}

// gitURLDecode is git's url_decode_mem: "%XX" with two hex digits decodes to
// its byte unless that byte is NUL; everything else is copied.
func gitURLDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			if v := unhex(s[i+1])<<4 | unhex(s[i+2]); v != 0 {
				b.WriteByte(v)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}

func unhex(b byte) byte {
	switch {
	case '0' <= b && b <= '9':
		return b - '0'
	case 'a' <= b && b <= 'f':
		return b - 'a' + 10
	default:
		return b - 'A' + 10
	}
}

// HasCapability reports whether the request announced capability[]=name.
func (r GitRequest) HasCapability(name string) bool {
	for _, c := range r.Capabilities {
		if c == name {
			return true
		}
	}
	return false
}

// GitHost returns the request's normalized host (host.Normalize with the
// request's protocol deciding the default port), or "" if it has none or it
// is not a valid host. It says nothing about the protocol: a caller that
// must not answer plain-HTTP requests checks Protocol itself.
func (r GitRequest) GitHost() string {
	if r.Host == "" {
		return ""
	}
	return host.Normalize(r.Protocol, r.Host)
}

// GitUsername is the fixed, non-secret username of the username/password
// answer (git < 2.46, or callers that did not announce capability authtype):
// git needs one to call the answer complete.
const GitUsername = "nxcred"

// WriteGitCredential answers `get` (docs/protocols.md §2.4).
//
// When the request announced capability[]=authtype (git >= 2.46) it writes
// capability[]=authtype, authtype=Bearer, credential=<token>, ephemeral=1,
// then password_expiry_utc=<unix seconds> when Expires is set. The echoed
// capability is required: without it `git credential fill` drops authtype
// and credential on the way back to its caller (credential.c,
// credential_has_capability).
//
// Otherwise it writes username=<username>, password=<token> and
// password_expiry_utc: helpers must not send authtype, credential or
// ephemeral to a git that did not offer the capability
// (project-dalec/dalec#998). git needs both username and password to call
// the answer complete, so an empty username is refused.
//
// A token or username containing CR, LF or NUL is refused and nothing is
// written: git would read the rest of the line as another attribute.
func WriteGitCredential(w io.Writer, req GitRequest, username string, c Credential) error {
	if err := checkCredential(c); err != nil {
		return fmt.Errorf("write git credential: %w", err)
	}
	if strings.ContainsAny(username, "\r\n\x00") {
		return errors.New("write git credential: username contains CR, LF or NUL")
	}
	var b strings.Builder
	if req.HasCapability("authtype") {
		b.WriteString("capability[]=authtype\nauthtype=Bearer\ncredential=")
		b.WriteString(c.Token)
		b.WriteString("\nephemeral=1\n")
	} else {
		if username == "" {
			return errors.New("write git credential: empty username")
		}
		b.WriteString("username=")
		b.WriteString(username)
		b.WriteString("\npassword=")
		b.WriteString(c.Token)
		b.WriteString("\n")
	}
	if !c.Expires.IsZero() {
		// git >= 2.40 drops password and credential once this passes
		// (credential.c, credential_fill); older gits ignore the key.
		fmt.Fprintf(&b, "password_expiry_utc=%d\n", c.Expires.Unix())
	}
	if err := writeAll(w, []byte(b.String())); err != nil {
		return fmt.Errorf("write git credential: %w", err)
	}
	return nil
}
