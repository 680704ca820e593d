package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/nxcred/nxcred/internal/config"
	"github.com/nxcred/nxcred/internal/neterr"
	"github.com/nxcred/nxcred/internal/oauth"
)

// The bounds of doctor's own network checks. The token check uses
// NXCRED_TIMEOUT, like every token request.
const (
	dnsTimeout  = 3 * time.Second
	dialTimeout = 5 * time.Second
)

// checkNetwork follows the token request's path: the proxy it would take,
// the name it resolves, the TCP connection, the TLS handshake. It returns
// whether all of them passed, so that a token request can succeed.
func (d *run) checkNetwork(p *config.Profile) bool {
	u, err := url.Parse(p.Endpoint())
	if err != nil {
		return d.report(failed("endpoint", fmt.Sprintf("invalid token URL %q", p.Endpoint()), tokenURLFix(p, d.s.ConfigPath)))
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80"}[u.Scheme]
		if port == "" {
			port = "443"
		}
	}
	target := net.JoinHostPort(u.Hostname(), port)
	proxy, ok := d.checkProxy(u)
	if !ok || !d.checkDNS(p, u.Hostname(), proxy) {
		return false
	}
	conf, confErr := d.tlsConfig()
	conn, ok := d.checkEndpoint(target, proxy, conf, confErr)
	if !ok {
		return false
	}
	if conn == nil {
		// Through a SOCKS proxy: the token check is the test.
		return true
	}
	defer conn.Close()
	return d.checkTLS(conn, u, conf, confErr)
}

// checkProxy shows the proxy the token request takes, as
// http.ProxyFromEnvironment (which NewHTTPClient uses) decides it. Every
// rendering of the setting goes through oauth.ShowProxy: the value may hold a
// password, and when it does not parse as written the password can land in
// the host, path or port net/http reads from it.
func (d *run) checkProxy(u *url.URL) (*url.URL, bool) {
	name := "HTTPS_PROXY"
	if u.Scheme == "http" {
		name = "HTTP_PROXY"
	}
	name, raw := d.envEither(name)
	settings := fmt.Sprintf("%s=%s, NO_PROXY=%s", name, showProxy(raw), showVar(d.envValue("NO_PROXY")))
	fix := "set " + name + " to http://USER:PASSWORD@HOST:PORT, with each @ : / ? # % in the user or password written as %40 %3A %2F %3F %23 %25"
	proxy, err := d.s.Proxy(&http.Request{URL: u})
	switch {
	case err != nil:
		d.report(failed("proxy", name+" is not a usable proxy URL ("+settings+")", "set "+name+" to a URL such as http://proxy.example.com:3128, or unset it"))
		return nil, false
	case proxy == nil && oauth.ProxyIgnored(raw):
		return nil, d.report(warned("proxy", fmt.Sprintf("%s is set but is not a URL, so the token request to %s ignores it and connects directly (%s)", name, u.Host, settings), fix))
	case proxy == nil:
		return nil, d.report(passed("proxy", fmt.Sprintf("none for %s (%s)", u.Host, settings)))
	}
	shown, ok := oauth.ShowProxy(proxy.String())
	if !ok {
		// A login net/http did not read as one: the token request goes to
		// a host the user did not mean, and the password goes nowhere it
		// should. Nothing after this is worth checking.
		return nil, d.report(failed("proxy", fmt.Sprintf("%s does not parse the way it is written: net/http reads no login from it and takes a host, path or port the value was not meant to have (%s)", name, settings), fix))
	}
	return proxy, d.report(passed("proxy", fmt.Sprintf("%s goes through %s (%s)", u.Host, shown, settings)))
}

// envEither reads a proxy variable as net/http does, upper case first, then
// lower case, and returns the name it was found under.
func (d *run) envEither(name string) (string, string) {
	if v := d.s.Getenv(name); v != "" {
		return name, v
	}
	if v := d.s.Getenv(strings.ToLower(name)); v != "" {
		return strings.ToLower(name), v
	}
	return name, ""
}

func (d *run) envValue(name string) string {
	_, v := d.envEither(name)
	return v
}

func showVar(v string) string {
	if v == "" {
		return "unset"
	}
	return v
}

// showProxy renders a proxy variable's value for the report.
func showProxy(v string) string {
	if v == "" {
		return "unset"
	}
	shown, _ := oauth.ShowProxy(v)
	return shown
}

// checkDNS resolves the name the token request resolves: the endpoint's
// host, or the proxy's when there is one (the proxy resolves the endpoint).
func (d *run) checkDNS(p *config.Profile, host string, proxy *url.URL) bool {
	name, note := host, ""
	if proxy != nil {
		name, note = proxy.Hostname(), "; the proxy resolves "+host
	}
	if net.ParseIP(name) != nil {
		return d.report(passed("dns", "nothing to resolve: "+name+" is an IP address"+note))
	}
	ctx, cancel := context.WithTimeout(d.ctx, dnsTimeout)
	defer cancel()
	t := time.Now()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	if err == nil {
		if len(addrs) > 3 {
			addrs = append(addrs[:3], "...")
		}
		return d.report(passed("dns", fmt.Sprintf("%s resolves to %s in %s%s", name, strings.Join(addrs, ", "), since(t), note)))
	}
	var de *net.DNSError
	isDNS := errors.As(err, &de)
	switch {
	case isDNS && de.IsNotFound:
		fix := tokenURLFix(p, d.s.ConfigPath)
		if proxy != nil {
			fix = "check the proxy's host name in HTTPS_PROXY"
		} else if p.TokenURL == "" {
			fix = fmt.Sprintf("check the instance (%s) and region (%s) of %s: they come from your Nexthink address https://<instance>.<region>.nexthink.cloud; then %s", p.Instance, p.Region, p.Label(), loginFix(p))
		}
		return d.report(failed("dns", name+" does not exist (no such host)", fix))
	case errors.Is(err, context.DeadlineExceeded) || (isDNS && de.IsTimeout):
		return d.report(failed("dns", fmt.Sprintf("no answer for %s within %s", name, dnsTimeout),
			"check the network connection and the DNS servers (on Linux /etc/resolv.conf); if this network allows only a proxy, set HTTPS_PROXY"))
	}
	return d.report(failed("dns", "cannot resolve "+name+": "+errReason(err), "check the network connection and the DNS servers (on Linux /etc/resolv.conf)"))
}

// tokenURLFix says where a profile's token URL is set.
func tokenURLFix(p *config.Profile, configPath string) string {
	switch {
	case p.FromEnv && p.TokenURL != "":
		return "check NXCRED_TOKEN_URL (now " + p.TokenURL + ")"
	case p.FromEnv:
		return "check NXCRED_INSTANCE and NXCRED_REGION (or set NXCRED_TOKEN_URL)"
	case p.TokenURL != "":
		return "check token_url of profile " + p.Name + " in " + configPath + " (now " + p.TokenURL + ")"
	}
	return "check the instance and region of profile " + p.Name + ": " + loginFix(p)
}

// checkEndpoint opens a TCP connection to the token endpoint, directly or
// through the proxy's CONNECT tunnel. It returns a nil connection, and true,
// for a SOCKS proxy, which it does not speak.
func (d *run) checkEndpoint(target string, proxy *url.URL, conf *tls.Config, confErr error) (net.Conn, bool) {
	ctx, cancel := context.WithTimeout(d.ctx, dialTimeout)
	defer cancel()
	t := time.Now()
	if proxy == nil {
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", target)
		if err != nil {
			return nil, d.report(failed("endpoint", "cannot connect to "+target+": "+errReason(err), dialFix(err)))
		}
		via := ""
		if addr := conn.RemoteAddr().String(); addr != target {
			via = " (" + addr + ")"
		}
		return conn, d.report(passed("endpoint", fmt.Sprintf("connected to %s%s in %s", target, via, since(t))))
	}
	shown, _ := oauth.ShowProxy(proxy.String())
	switch proxy.Scheme {
	case "http", "https":
	default:
		return nil, d.report(passed("endpoint", "not checked through the "+proxy.Scheme+" proxy "+shown+"; the token check goes through it"))
	}
	if proxy.Scheme == "https" && confErr != nil {
		return nil, d.report(failed("endpoint", "cannot check the https proxy "+shown+": "+confErr.Error(), "point SSL_CERT_FILE at a PEM file of CA certificates, or unset it"))
	}
	conn, err := dialThroughProxy(ctx, proxy, target, conf)
	if err != nil {
		var pe *proxyRefusedError
		var pd *proxyDialError
		switch {
		case errors.As(err, &pd):
			return nil, d.report(failed("endpoint", fmt.Sprintf("cannot connect to proxy %s: %s", shown, oauth.ProxyReason(pd.err)),
				"check the proxy's host and port in HTTPS_PROXY, and that the proxy runs; if this network needs none, unset HTTPS_PROXY"))
		case errors.As(err, &pe) && pe.code == http.StatusProxyAuthRequired:
			return nil, d.report(failed("endpoint", fmt.Sprintf("proxy %s wants a login (%s) for %s", shown, pe.status, target),
				"put the proxy's user and password in HTTPS_PROXY: http://USER:PASSWORD@proxy.example.com:3128"))
		case errors.As(err, &pe):
			return nil, d.report(failed("endpoint", fmt.Sprintf("proxy %s refused a tunnel to %s (%s)", shown, target, pe.status),
				"ask the proxy's administrators to allow "+target+", or add its host to NO_PROXY if it is reachable directly"))
		}
		return nil, d.report(failed("endpoint", fmt.Sprintf("cannot reach %s through proxy %s: %s", target, shown, errReason(err)), dialFix(err)))
	}
	return conn, d.report(passed("endpoint", fmt.Sprintf("connected to %s through proxy %s in %s", target, shown, since(t))))
}

// dialFix is the fix for a failed TCP connection.
func dialFix(err error) string {
	var ne net.Error
	switch {
	case neterr.Refused(err):
		return "nothing listens there: check the token URL's host and port"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "a firewall may drop the connection: check the network, and set HTTPS_PROXY if this network needs a proxy"
	}
	return "check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)"
}
