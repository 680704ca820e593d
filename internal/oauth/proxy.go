package oauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"

	"github.com/nxcred/nxcred/internal/neterr"
)

// A proxy setting may hold a password, and net/http reads HTTPS_PROXY
// leniently: a value that does not parse as written still gives a proxy,
// with the password wherever the parse put it (HTTPS_PROXY=
// '127.0.0.1:1/user:pw@corp' is the proxy 127.0.0.1:1 with "/user:pw@corp"
// as its path; 'http://user:pw@proxy :3128' is the proxy "http:"). Every
// message that names a proxy renders it with ShowProxy, and says why a
// connection to it failed with ProxyReason, never with net's own text, which
// quotes the address as parsed.

// ProxyNotShown stands for a proxy setting that ShowProxy does not show.
const ProxyNotShown = "(value not shown: it is not of the form scheme://[USER:PASSWORD@]HOST:PORT, and may hold a password)"

// proxyHost is a host name or an IPv4 address, and an optional port: what
// ShowProxy shows. An IPv6 literal is checked apart.
var proxyHost = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$`)
})

// ShowProxy renders a proxy setting (the value of HTTPS_PROXY, or the
// String of the URL net/http chose from it) for a message: scheme://host:port
// and "***@" for a login, nothing else of it. It returns ProxyNotShown and
// false for a value of any other shape, and for one with an '@' that is not
// the end of a login right before the host.
func ShowProxy(v string) (string, bool) {
	u, ok := parseProxy(v)
	if !ok {
		return ProxyNotShown, false
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
	default:
		return ProxyNotShown, false
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawPath != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.RawFragment != "" {
		return ProxyNotShown, false
	}
	if !proxyHost().MatchString(u.Host) && !isIPv6Host(u.Host) {
		return ProxyNotShown, false
	}
	// Whatever comes before the last '@' is a login, or was meant as one:
	// the host shown must be what follows it.
	if i := strings.LastIndexByte(v, '@'); i >= 0 && (u.User == nil || !strings.HasPrefix(v[i+1:], u.Host)) {
		return ProxyNotShown, false
	}
	login := ""
	if u.User != nil {
		login = "***@"
	}
	return u.Scheme + "://" + login + u.Host, true
}

// ProxyIgnored reports whether net/http ignores the proxy setting v because
// it cannot read it as a URL: the token request then connects directly.
func ProxyIgnored(v string) bool {
	_, ok := parseProxy(v)
	return v != "" && !ok
}

// parseProxy reads a proxy setting as net/http does (x/net's httpproxy):
// as a URL, else as a host with http:// in front.
func parseProxy(v string) (*url.URL, bool) {
	if v == "" {
		return nil, false
	}
	u, err := url.Parse(v)
	if err == nil && u.Scheme != "" && u.Host != "" {
		return u, true
	}
	if u, err := url.Parse("http://" + v); err == nil {
		return u, true
	}
	return nil, false
}

// isIPv6Host is "[addr]" or "[addr]:port" with addr an IPv6 address.
func isIPv6Host(h string) bool {
	rest, ok := strings.CutPrefix(h, "[")
	if !ok {
		return false
	}
	addr, port, ok := strings.Cut(rest, "]")
	if !ok || strings.Contains(addr, "%") || net.ParseIP(addr) == nil || net.ParseIP(addr).To4() != nil {
		return false
	}
	if port == "" {
		return true
	}
	digits, ok := strings.CutPrefix(port, ":")
	return ok && len(digits) >= 1 && len(digits) <= 5 && strings.Trim(digits, "0123456789") == ""
}

// ProxyReason says why a connection to a proxy failed, in words that hold
// nothing of the proxy's URL: net's errors quote the address as parsed, and
// with a setting that does not parse as written that address holds a piece
// of the password (a numeric one becomes the port: "address 48151623:
// invalid port").
func ProxyReason(err error) string {
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	var errno syscall.Errno
	var unknownAuth x509.UnknownAuthorityError
	var certErr *tls.CertificateVerificationError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return "its host name does not resolve"
	case errors.As(err, &dnsErr):
		return "its host name cannot be resolved now"
	case errors.As(err, &addrErr):
		return "its address is not a host and port"
	case errors.As(err, &errno):
		// Windows words its errors its own way ("No connection could be
		// made..."); neterr gives the same words on every system.
		return neterr.Errno(errno)
	case errors.As(err, &unknownAuth):
		return "its certificate is signed by an authority this machine does not trust"
	case errors.As(err, &hostErr):
		return "its certificate is not valid for its host name"
	case errors.As(err, &invalidCert):
		return "its certificate is not valid (expired, or not for a server)"
	case errors.As(err, &certErr), errors.As(err, &recordErr):
		return "TLS with it failed"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	}
	return "the connection failed"
}

// proxyFailure reports whether err is a failure to reach the proxy itself
// (net/http wraps those as the "proxyconnect" operation, its SOCKS dialer as
// "socks connect"), and whether trying again may help.
func proxyFailure(err error) (isProxy, retryable bool) {
	var oe *net.OpError
	if !errors.As(err, &oe) || (oe.Op != "proxyconnect" && !strings.HasPrefix(oe.Op, "socks ")) {
		return false, false
	}
	var dnsErr *net.DNSError
	var addrErr *net.AddrError
	switch {
	case errors.As(err, &addrErr):
		return true, false
	case errors.As(err, &dnsErr):
		return true, dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	return true, true
}

// proxyFor names, for a message, the proxy rt sends a request for endpoint
// through ("proxy http://***@proxy.example.com:3128"), or "" when there is
// none.
func proxyFor(rt http.RoundTripper, endpoint string) string {
	tr, ok := rt.(*http.Transport)
	if !ok || tr.Proxy == nil {
		return ""
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	proxy, err := tr.Proxy(&http.Request{URL: u})
	if err != nil || proxy == nil {
		return ""
	}
	if shown, ok := ShowProxy(proxy.String()); ok {
		return "proxy " + shown
	}
	name := "HTTPS_PROXY"
	if u.Scheme == "http" {
		name = "HTTP_PROXY"
	}
	return "the proxy in " + name + " " + ProxyNotShown
}
