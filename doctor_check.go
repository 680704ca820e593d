package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nxcred/nxcred/auth"
	"github.com/nxcred/nxcred/cache"
	"github.com/nxcred/nxcred/internal/fileperm"
)

// The bounds of doctor's own network checks and external commands. The token
// check uses NXCRED_TIMEOUT, like every token request.
const (
	doctorDNSTimeout  = 3 * time.Second
	doctorDialTimeout = 5 * time.Second
	doctorExecTimeout = 5 * time.Second
)

// doctorLookPath finds a client on PATH; tests replace it.
var doctorLookPath = exec.LookPath

// checkConfig reads the config file without changing it: other commands make
// a file that others may read private on the spot, doctor only reports it.
func (d *doctorRun) checkConfig(env *auth.Profile, envErr error) (*auth.Config, bool) {
	path := d.a.configPath
	empty := &auth.Config{Path: path, Profiles: map[string]*auth.Profile{}}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && (env != nil || envErr != nil):
		return empty, d.report(passed("config", "no config file at "+path+"; the NXCRED_* environment profile needs none"))
	case errors.Is(err, fs.ErrNotExist):
		return nil, d.report(failed("config", "no config file at "+path+" and no NXCRED_* environment profile: nxcred has no credentials yet",
			"nxcred login --profile NAME --instance INSTANCE --region REGION --client-id ID (or set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET)"))
	case err != nil:
		return nil, d.report(failed("config", fmt.Sprintf("cannot read %s: %v", path, errReason(err)), "make the file and its folders readable by you: ls -ld "+path))
	case !fi.Mode().IsRegular():
		return nil, d.report(failed("config", path+" is not a regular file", "move it away and run nxcred login again"))
	}
	st, mode := fileperm.Of(fi), fi.Mode().Perm()
	switch {
	case st.ForeignOwner:
		return nil, d.report(failed("config", path+" belongs to another user; nxcred refuses it, since the config decides where the client secret is sent",
			"make it yours: sudo chown \"$(id -un)\" "+path))
	case st.OthersWrite:
		return nil, d.report(failed("config", fmt.Sprintf("%s is writable by other users (mode %#o); nxcred refuses it, since the config decides where the client secret is sent", path, mode),
			"chmod 600 "+path))
	}
	var cfg *auth.Config
	if st.OthersRead {
		// LoadConfig would make the file private; read it as it is.
		cfg, err = parseConfigFile(path)
	} else {
		cfg, err = auth.LoadConfig(path)
	}
	if err != nil {
		fix := "edit " + path + ", or move it away and run nxcred login again"
		var ce *auth.ConfigError
		if errors.As(err, &ce) && ce.Line > 0 {
			fix = fmt.Sprintf("edit line %d of %s (unknown keys are errors), or move the file away and run nxcred login again", ce.Line, path)
		}
		return nil, d.report(failed("config", err.Error(), fix))
	}
	summary := fmt.Sprintf("%s: %d profile%s", path, len(cfg.Profiles), plural(len(cfg.Profiles)))
	if st.OthersRead {
		return cfg, d.report(warned("config", fmt.Sprintf("%s, readable by other users (mode %#o); it holds no secret, and other nxcred commands make it private when they read it", summary, mode), "chmod 600 "+path))
	}
	return cfg, d.report(passed("config", fmt.Sprintf("%s, private (mode %#o)", summary, mode)))
}

// parseConfigFile is LoadConfig without its permission repair.
func parseConfigFile(path string) (*auth.Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, auth.MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read the config file: %w", err)
	}
	if len(data) > auth.MaxConfigSize {
		return nil, &auth.ConfigError{Path: path, Msg: "larger than 1 MiB; this is not an nxcred config file"}
	}
	cfg, err := auth.ParseConfig(data)
	if err != nil {
		var ce *auth.ConfigError
		if errors.As(err, &ce) {
			ce.Path = path
		}
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// checkProfile chooses the profile as every command does, and says why it
// was chosen.
func (d *doctorRun) checkProfile(cfg *auth.Config, env *auth.Profile, envErr error, flag string) *auth.Profile {
	if envErr != nil {
		d.report(failed("profile", envErr.Error(), "set NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET with NXCRED_INSTANCE and NXCRED_REGION (or NXCRED_TOKEN_URL), or unset them all"))
		return nil
	}
	ch := auth.Choice{Flag: flag, Env: d.a.getenv("NXCRED_PROFILE")}
	p, err := auth.Resolve(cfg, env, ch)
	if err != nil {
		d.report(failed("profile", err.Error(), hintOf(err)))
		return nil
	}
	var why string
	switch {
	case ch.Flag != "":
		why = "chosen with --profile"
	case ch.Env != "":
		why = "chosen with NXCRED_PROFILE"
	case p.FromEnv:
		why = "the environment profile, from NXCRED_CLIENT_ID and NXCRED_CLIENT_SECRET"
	case cfg.Default == p.Name:
		why = "the default profile"
	default:
		why = "the only profile"
	}
	d.report(passed("profile", fmt.Sprintf("%s (%s); token URL %s", p.Name, why, p.Endpoint())))
	return p
}

// checkSecret opens the keyring by reading the profile's secret, within the
// keyring's own timeout, and reports the keyring and the secret apart: a
// locked keyring and a missing secret have different fixes. It returns the
// secret, or "" when there is none.
func (d *doctorRun) checkSecret(p *auth.Profile, envSecret string) string {
	if p.FromEnv {
		d.a.redact(envSecret)
		d.report(passed("keyring", "not used: the environment profile's secret comes from NXCRED_CLIENT_SECRET"))
		d.report(passed("secret", "set in NXCRED_CLIENT_SECRET"))
		return envSecret
	}
	ring, err := d.a.keyring()
	if err != nil {
		d.report(failed("keyring", err.Error(), hintOf(err)))
		return ""
	}
	t := time.Now()
	secret, err := ring.Get(p.Name)
	took := since(t)
	backend := fmt.Sprintf("%s (%s)", ring.Backend, ring.Reason)
	switch {
	case errors.Is(err, auth.ErrNoSecret):
		d.report(passed("keyring", backend+", opened in "+took))
		d.report(failed("secret", fmt.Sprintf("no client secret for profile %s in the %s keyring", p.Name, ring.Backend), loginFix(p)))
		return ""
	case err != nil:
		d.report(failed("keyring", backend+": "+err.Error(), hintOf(err)))
		return ""
	}
	d.a.redact(secret)
	d.report(passed("keyring", backend+", opened in "+took))
	d.report(passed("secret", "present for profile "+p.Name))
	return secret
}

// checkCache looks at the cache folder and the profile's cache file without
// creating or repairing anything.
func (d *doctorRun) checkCache(p *auth.Profile, secret string) {
	dir := d.a.cacheDir
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		d.report(passed("cache", dir+" does not exist yet; nxcred creates it (mode 0700) with the first token"))
		return
	case err != nil:
		d.report(failed("cache", fmt.Sprintf("cannot read %s: %v", dir, errReason(err)), "make the folder and its parents accessible to you: ls -ld "+dir))
		return
	case !fi.IsDir():
		d.report(failed("cache", dir+" is not a folder, so every call that needs a new token fails", "rm "+dir+" (nxcred creates the folder)"))
		return
	}
	st, mode := fileperm.Of(fi), fi.Mode().Perm()
	if st.ForeignOwner {
		d.report(failed("cache", dir+" belongs to another user; nxcred refuses to use it, so every call that needs a new token fails", "remove it, it holds only cached tokens: sudo rm -r "+dir))
		return
	}
	if st.OthersRead || st.OthersWrite {
		d.report(warned("cache", fmt.Sprintf("%s is open to other users (mode %#o); the next token nxcred caches makes it private", dir, mode), "chmod 700 "+dir))
		return
	}
	store := &cache.Store{Dir: dir, Now: d.a.now}
	file := store.Path(p.SlotName())
	if fi, err := os.Stat(file); err == nil && !fileperm.Of(fi).Private() {
		d.report(warned("cache", fmt.Sprintf("%s is open to other users (mode %#o); nxcred ignores it and replaces it with the next token", file, fi.Mode().Perm()), "rm "+file))
		return
	}
	state := "the cached token was not checked (no secret to open it with)"
	if secret != "" {
		t, ok := store.Peek(slotFor(p, secret))
		switch now := d.a.now(); {
		case !ok:
			state = "no cached token for " + profileLabel(p)
		case t.Usable(now):
			state = fmt.Sprintf("the cached token of %s is valid for %s", profileLabel(p), t.Expiry.Sub(now).Round(time.Second))
		default:
			state = "the cached token of " + profileLabel(p) + " has expired"
		}
	}
	d.report(passed("cache", fmt.Sprintf("%s is private (mode %#o); %s", dir, mode, state)))
}

// checkNetwork follows the token request's path: the proxy it would take,
// the name it resolves, the TCP connection, the TLS handshake. It returns
// whether all of them passed, so that a token request can succeed.
func (d *doctorRun) checkNetwork(p *auth.Profile) bool {
	u, err := url.Parse(p.Endpoint())
	if err != nil {
		return d.report(failed("endpoint", fmt.Sprintf("invalid token URL %q", p.Endpoint()), tokenURLFix(p, d.a.configPath)))
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
// http.ProxyFromEnvironment (which NewHTTPClient uses) decides it.
func (d *doctorRun) checkProxy(u *url.URL) (*url.URL, bool) {
	name := "HTTPS_PROXY"
	if u.Scheme == "http" {
		name = "HTTP_PROXY"
	}
	settings := fmt.Sprintf("%s=%s, NO_PROXY=%s",
		name, showProxy(d.envEither(name)), showVar(d.envEither("NO_PROXY")))
	proxy, err := http.ProxyFromEnvironment(&http.Request{URL: u})
	switch {
	case err != nil:
		// err quotes the variable, password included: not shown.
		d.report(failed("proxy", name+" is not a usable proxy URL ("+settings+")", "set "+name+" to a URL such as http://proxy.example.com:3128, or unset it"))
		return nil, false
	case proxy == nil:
		return nil, d.report(passed("proxy", fmt.Sprintf("none for %s (%s)", u.Host, settings)))
	}
	return proxy, d.report(passed("proxy", fmt.Sprintf("%s goes through %s (%s)", u.Host, redactURL(proxy), settings)))
}

// envEither reads a proxy variable as net/http does: upper case first, then
// lower case.
func (d *doctorRun) envEither(name string) string {
	if v := d.a.getenv(name); v != "" {
		return v
	}
	return d.a.getenv(strings.ToLower(name))
}

func showVar(v string) string {
	if v == "" {
		return "unset"
	}
	return v
}

// showProxy renders a proxy variable with its user and password replaced.
func showProxy(v string) string {
	if v == "" {
		return "unset"
	}
	const hidden = "(set, not shown: it does not parse, and may hold a password)"
	raw := v
	if !strings.Contains(raw, "://") {
		// net/http reads "proxy:3128" as http://proxy:3128.
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		if strings.Contains(v, "@") {
			return hidden
		}
		return v
	}
	s := redactURL(u)
	if u.User == nil && strings.Contains(s, "@") {
		return hidden
	}
	return s
}

// redactURL is u without its user and password: even the user name of a
// proxy login is not doctor's to print.
func redactURL(u *url.URL) string {
	c := *u
	if c.User == nil {
		return c.String()
	}
	c.User = nil
	s := c.String()
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		return scheme + "://***@" + rest
	}
	return s
}

// checkDNS resolves the name the token request resolves: the endpoint's
// host, or the proxy's when there is one (the proxy resolves the endpoint).
func (d *doctorRun) checkDNS(p *auth.Profile, host string, proxy *url.URL) bool {
	name, note := host, ""
	if proxy != nil {
		name, note = proxy.Hostname(), "; the proxy resolves "+host
	}
	if net.ParseIP(name) != nil {
		return d.report(passed("dns", "nothing to resolve: "+name+" is an IP address"+note))
	}
	ctx, cancel := context.WithTimeout(d.a.ctx, doctorDNSTimeout)
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
		fix := tokenURLFix(p, d.a.configPath)
		if proxy != nil {
			fix = "check the proxy's host name in HTTPS_PROXY"
		} else if p.TokenURL == "" {
			fix = fmt.Sprintf("check the instance (%s) and region (%s) of %s: they come from your Nexthink address https://<instance>.<region>.nexthink.cloud; then %s", p.Instance, p.Region, profileLabel(p), loginFix(p))
		}
		return d.report(failed("dns", name+" does not exist (no such host)", fix))
	case errors.Is(err, context.DeadlineExceeded) || (isDNS && de.IsTimeout):
		return d.report(failed("dns", fmt.Sprintf("no answer for %s within %s", name, doctorDNSTimeout),
			"check the network connection and the DNS servers (on Linux /etc/resolv.conf); if this network allows only a proxy, set HTTPS_PROXY"))
	}
	return d.report(failed("dns", "cannot resolve "+name+": "+errReason(err), "check the network connection and the DNS servers (on Linux /etc/resolv.conf)"))
}

// tokenURLFix says where a profile's token URL is set.
func tokenURLFix(p *auth.Profile, configPath string) string {
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

// tlsConfig is the TLS configuration of the token request: NewHTTPClient's
// own, so that doctor trusts exactly what the token request trusts.
func (d *doctorRun) tlsConfig() (*tls.Config, error) {
	client, err := auth.NewHTTPClient(d.a.getenv("SSL_CERT_FILE"))
	if err != nil {
		return nil, err
	}
	if tr, ok := client.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone(), nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}, nil
}

// checkEndpoint opens a TCP connection to the token endpoint, directly or
// through the proxy's CONNECT tunnel. It returns a nil connection, and true,
// for a SOCKS proxy, which it does not speak.
func (d *doctorRun) checkEndpoint(target string, proxy *url.URL, conf *tls.Config, confErr error) (net.Conn, bool) {
	ctx, cancel := context.WithTimeout(d.a.ctx, doctorDialTimeout)
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
	shown := redactURL(proxy)
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
			return nil, d.report(failed("endpoint", fmt.Sprintf("cannot connect to proxy %s: %s", shown, errReason(pd.err)),
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
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing listens there: check the token URL's host and port"
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		return "a firewall may drop the connection: check the network, and set HTTPS_PROXY if this network needs a proxy"
	}
	return "check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)"
}

// proxyRefusedError is a proxy's answer other than 200 to CONNECT.
type proxyRefusedError struct {
	code   int
	status string
}

func (e *proxyRefusedError) Error() string { return "proxy answered CONNECT with " + e.status }

// proxyDialError is a failure to reach the proxy itself.
type proxyDialError struct{ err error }

func (e *proxyDialError) Error() string { return "cannot connect to the proxy: " + e.err.Error() }
func (e *proxyDialError) Unwrap() error { return e.err }

// dialThroughProxy opens a CONNECT tunnel to target as net/http's transport
// does, Proxy-Authorization included, so that doctor's TLS check sees the
// certificate the token request sees: behind a TLS-inspecting proxy, the
// proxy's.
func dialThroughProxy(ctx context.Context, proxy *url.URL, target string, conf *tls.Config) (net.Conn, error) {
	addr := proxy.Host
	if proxy.Port() == "" {
		addr = net.JoinHostPort(proxy.Hostname(), map[string]string{"http": "80", "https": "443"}[proxy.Scheme])
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &proxyDialError{err}
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if proxy.Scheme == "https" {
		c := conf.Clone()
		c.ServerName = proxy.Hostname()
		tc := tls.Client(conn, c)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, &proxyDialError{fmt.Errorf("TLS with the proxy: %w", err)}
		}
		conn = tc
	}
	req := &http.Request{Method: http.MethodConnect, URL: &url.URL{Opaque: target}, Host: target, Header: http.Header{}}
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)))
	}
	br := bufio.NewReader(conn)
	if err := req.Write(conn); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	// The body is not read or closed: after a 200 the connection is the
	// tunnel, and closing a body with no length would drain it.
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		return nil, &proxyRefusedError{code: resp.StatusCode, status: resp.Status}
	}
	if br.Buffered() > 0 {
		conn.Close()
		return nil, errors.New("the proxy sent data before the TLS handshake")
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// checkTLS does the TLS handshake on conn with the token request's roots and
// reports the certificate's issuer and expiry.
func (d *doctorRun) checkTLS(conn net.Conn, u *url.URL, conf *tls.Config, confErr error) bool {
	if u.Scheme == "http" {
		return d.report(passed("tls", "not used: http to a loopback address (test servers only)"))
	}
	if confErr != nil {
		return d.report(failed("tls", confErr.Error(), "point SSL_CERT_FILE at a PEM file of CA certificates, or unset it"))
	}
	host := u.Hostname()
	conf.ServerName = host
	ctx, cancel := context.WithTimeout(d.a.ctx, doctorDialTimeout)
	defer cancel()
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		detail, fix := d.tlsFailure(host, err)
		return d.report(failed("tls", detail, fix))
	}
	defer tc.Close()
	st := tc.ConnectionState()
	leaf := st.PeerCertificates[0]
	left := leaf.NotAfter.Sub(d.a.now())
	return d.report(passed("tls", fmt.Sprintf("%s with %s; certificate issued by %s, valid until %s (%d days)",
		tls.VersionName(st.Version), host, issuerName(leaf), leaf.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24))))
}

// tlsFailure explains a failed handshake in terms of what the user controls:
// SSL_CERT_FILE, the token URL, the clock.
func (d *doctorRun) tlsFailure(host string, err error) (detail, fix string) {
	certFile := d.a.getenv("SSL_CERT_FILE")
	issuer := ""
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		issuer = issuerName(cve.UnverifiedCertificates[0])
	}
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		detail = fmt.Sprintf("the certificate of %s is signed by an authority this machine does not trust (issuer: %s)", host, dash(issuer))
		if certFile == "" {
			return detail, "if a proxy or firewall inspects TLS, set SSL_CERT_FILE to a PEM file with its CA certificate (your IT department has it)"
		}
		return detail, "SSL_CERT_FILE (" + certFile + ") does not hold the CA certificate of " + dash(issuer) + ": add it to that file"
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the certificate presented for %s is not for that name (%v)", host, hostErr),
			"check the token URL; if a proxy intercepts TLS, set SSL_CERT_FILE to its CA"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Sprintf("the certificate of %s is expired or not yet valid, by this machine's clock (%s)", host, d.a.now().UTC().Format(time.RFC3339)),
			"check this machine's date and time (timedatectl on Linux)"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no TLS answer from %s within %s", host, doctorDialTimeout), "check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)"
	}
	return fmt.Sprintf("TLS handshake with %s failed: %s", host, errReason(err)),
		"if a proxy or firewall inspects TLS, point SSL_CERT_FILE at a PEM file that includes its CA"
}

func issuerName(c *x509.Certificate) string {
	if c.Issuer.CommonName != "" {
		return c.Issuer.CommonName
	}
	return c.Issuer.String()
}

// checkToken makes one real token request with the profile's secret. The
// token is not cached: doctor changes nothing, and a token is not printed.
func (d *doctorRun) checkToken(p *auth.Profile, secret string) {
	timeout, err := d.a.durationEnv("NXCRED_TIMEOUT", auth.DefaultTimeout)
	if err != nil {
		d.report(failed("token", err.Error(), "set NXCRED_TIMEOUT to a duration such as 10s, or unset it"))
		return
	}
	f, err := d.a.fetcher(p, secret, timeout)
	if err != nil {
		d.report(failed("token", err.Error(), hintOf(err)))
		return
	}
	t := time.Now()
	tok, err := f.Fetch(d.a.ctx)
	if err != nil {
		d.report(failed("token", err.Error(), hintOf(err)))
		return
	}
	d.a.redact(tok.AccessToken)
	lifetime := tok.Expiry.Sub(tok.FetchedAt).Round(time.Second)
	if !tok.Cacheable() {
		d.report(warned("token", fmt.Sprintf("got a token that lives only %s, so nxcred cannot cache it and every call makes a token request", lifetime),
			"check the token URL ("+p.Endpoint()+"): Nexthink tokens live 15 minutes"))
		return
	}
	d.report(passed("token", fmt.Sprintf("got a token valid for %s in %s (not cached)", lifetime, since(t))))
}

// A client doctor knows: how to tell whether it is configured for nxcred,
// and the configure command that does it.
type doctorClient struct {
	// name is the check's name and the binary looked up on PATH; who names
	// the client in a sentence.
	name, who string
	// configure is the fix when the client is not configured.
	configure func(profile string) string
	// byHost: the client chooses credentials by host, so a profile without
	// one cannot serve it.
	byHost bool
	check  func(d *doctorRun, p *auth.Profile, bin string) checkResult
}

var doctorClients = []doctorClient{
	{
		name: "kubectl", who: "kubectl",
		configure: func(p string) string {
			return "nxcred configure kubectl --profile " + p + ", then run the kubectl config set-credentials command it prints"
		},
		check: (*doctorRun).checkKubectl,
	},
	{
		name: "git", who: "git", byHost: true,
		configure: func(p string) string { return "nxcred configure git --profile " + p + " --apply" },
		check:     (*doctorRun).checkGit,
	},
	{
		name: "docker", who: "docker", byHost: true,
		configure: func(p string) string { return "nxcred configure docker --profile " + p + " --apply" },
		check:     (*doctorRun).checkDocker,
	},
	{
		name: "bazel", who: "Bazel", byHost: true,
		configure: func(p string) string {
			return "nxcred configure bazel --profile " + p + " >> ~/.bazelrc (or the workspace's .bazelrc)"
		},
		check: (*doctorRun).checkBazel,
	},
	{
		name: "go", who: "the go command", byHost: true,
		configure: func(p string) string {
			return "nxcred configure goauth --profile " + p + ", then run the go env -w command it prints"
		},
		check: (*doctorRun).checkGo,
	},
}

// checkClients reports, for each client on PATH, whether it is configured
// for nxcred. A client that is not installed is fine.
func (d *doctorRun) checkClients(p *auth.Profile) {
	for _, c := range doctorClients {
		bin, err := doctorLookPath(c.name)
		switch {
		case err != nil:
			d.report(passed(c.name, "not installed (no "+c.name+" on PATH)"))
		case c.byHost && len(p.AllHosts()) == 0:
			d.report(warned(c.name, fmt.Sprintf("%s is installed, but %s has no host, and %s chooses credentials by host", bin, profileLabel(p), c.who), hostFix(p)))
		default:
			r := c.check(d, p, bin)
			if r.status != checkOK && r.fix == "" {
				r.fix = c.configure(p.Name)
			}
			d.report(r)
		}
	}
}

func hostFix(p *auth.Profile) string {
	if p.FromEnv {
		return "set NXCRED_INSTANCE and NXCRED_REGION (the API host), or list hosts in NXCRED_HOSTS"
	}
	return fmt.Sprintf("add a host: nxcred login --profile %s --instance INSTANCE --region REGION --client-id %s --host HOST", p.Name, p.ClientID)
}

func (d *doctorRun) checkKubectl(p *auth.Profile, bin string) checkResult {
	var files []string
	if v := d.a.getenv("KUBECONFIG"); v != "" {
		files = filepath.SplitList(v)
	} else {
		files = []string{filepath.Join(d.home(), ".kube", "config")}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil && kubeconfigRunsNxcred(data) {
			return passed("kubectl", bin+"; "+f+" runs nxcred as an exec credential plugin")
		}
	}
	return warned("kubectl", bin+" is installed; no user in "+strings.Join(files, ", ")+" runs nxcred", "")
}

// kubeconfigCommand matches the command of an exec plugin in a kubeconfig,
// YAML or JSON: the key, then a double-quoted, single-quoted or plain value.
var kubeconfigCommand = regexp.MustCompile(`(?m)(?:^|[\s{,])"?command"?[ \t]*:[ \t]*("(?:[^"\\\n]|\\.)*"|'(?:[^'\n]|'')*'|[^\s,#}\]]+)`)

// kubeconfigRunsNxcred reports whether a kubeconfig has an exec command named
// nxcred. A text search keeps a YAML parser out of nxcred; only exec plugins
// have a command key.
func kubeconfigRunsNxcred(data []byte) bool {
	for _, m := range kubeconfigCommand.FindAllStringSubmatch(string(data), -1) {
		value := m[1]
		switch value[0] {
		case '"':
			if v, err := strconv.Unquote(value); err == nil {
				value = v
			}
		case '\'':
			value = strings.ReplaceAll(strings.Trim(value, "'"), "''", "'")
		}
		// The kubeconfig may come from the other OS: either separator.
		name := strings.ToLower(value[strings.LastIndexAny(value, `/\`)+1:])
		if strings.TrimSuffix(name, ".exe") == "nxcred" {
			return true
		}
	}
	return false
}

func (d *doctorRun) checkGit(p *auth.Profile, bin string) checkResult {
	out, err := d.output(bin, "config", "--global", "--get-regexp", `^credential\..*helper$`)
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 {
		// git config --get-regexp exits 1 when nothing matches.
		out, err = "", nil
	}
	if err != nil {
		return warned("git", bin+": cannot read git's global config: "+errReason(err), "check it with: git config --global --list")
	}
	hosts := p.AllHosts()
	served, byName := gitHelperHosts(out, hosts)
	switch {
	case len(served) == 0:
		return warned("git", bin+" is installed; git's global config sends no host of "+profileLabel(p)+" to nxcred", "")
	case len(served) < len(hosts):
		return warned("git", fmt.Sprintf("%s; git sends %s to nxcred, but not %s", bin, strings.Join(served, ", "), strings.Join(without(hosts, served), ", ")), "")
	}
	if byName {
		if _, err := doctorLookPath("git-credential-nxcred"); err != nil {
			return warned("git", "git is configured for nxcred and runs it as git-credential-nxcred, which is not on PATH",
				`link it beside nxcred (install.sh does): ln -s nxcred "$(dirname "$(command -v nxcred)")/git-credential-nxcred"`)
		}
	}
	return passed("git", bin+"; git sends "+strings.Join(served, ", ")+" to nxcred")
}

// gitHelperHosts reads `git config --get-regexp '^credential\..*helper$'`
// output and returns the hosts whose helper list, as git builds it, includes
// nxcred, and whether one of those helpers is a bare name (which git runs as
// git-credential-<name> from PATH). As in git, helpers add up in config
// order over every matching context, and an empty value empties the list.
func gitHelperHosts(out string, hosts []string) (served []string, byName bool) {
	for _, h := range hosts {
		var helpers []string
		for line := range strings.Lines(out) {
			key, value, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
			if !gitContextMatches(key, h) {
				continue
			}
			if value == "" {
				helpers = nil
			} else {
				helpers = append(helpers, value)
			}
		}
		for _, v := range helpers {
			if strings.Contains(v, "nxcred") {
				if !slices.Contains(served, h) {
					served = append(served, h)
				}
				if f := strings.Fields(v); len(f) > 0 && !strings.HasPrefix(f[0], "!") && !filepath.IsAbs(f[0]) {
					byName = true
				}
			}
		}
	}
	return served, byName
}

// gitContextMatches reports whether a credential.<url>.helper key applies to
// https requests for host: credential.helper applies everywhere, a URL
// context to its host (with git's * wildcards; its path is ignored).
func gitContextMatches(key, host string) bool {
	key = strings.ToLower(key)
	if key == "credential.helper" {
		return true
	}
	ctx, ok := strings.CutPrefix(key, "credential.")
	if !ok {
		return false
	}
	if ctx, ok = strings.CutSuffix(ctx, ".helper"); !ok {
		return false
	}
	u, err := url.Parse(ctx)
	if err != nil || u.Host == "" {
		u, err = url.Parse("https://" + ctx)
		if err != nil {
			return false
		}
	}
	if u.Scheme != "https" {
		return false
	}
	pattern := strings.TrimSuffix(u.Host, ":443")
	m, err := path.Match(pattern, strings.TrimSuffix(host, ":443"))
	return err == nil && m
}

func (d *doctorRun) checkDocker(p *auth.Profile, bin string) checkResult {
	file, err := d.a.dockerConfigPath()
	if err != nil {
		return warned("docker", bin+" is installed; "+err.Error(), hintOf(err))
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return warned("docker", fmt.Sprintf("%s: cannot read %s: %s", bin, file, errReason(err)), "make it readable by you: ls -l "+file)
	}
	hosts := p.AllHosts()
	served, err := dockerHelperHosts(data, hosts)
	switch {
	case err != nil:
		return warned("docker", fmt.Sprintf("%s: %s is not valid docker config (%v)", bin, file, err), "fix the JSON in "+file)
	case len(served) == 0:
		return warned("docker", bin+" is installed; "+file+" sends no host of "+profileLabel(p)+" to nxcred", "")
	case len(served) < len(hosts):
		return warned("docker", fmt.Sprintf("%s; %s sends %s to nxcred, but not %s", bin, file, strings.Join(served, ", "), strings.Join(without(hosts, served), ", ")), "")
	}
	if _, err := doctorLookPath("docker-credential-nxcred"); err != nil {
		return warned("docker", "docker is configured for nxcred and runs it as docker-credential-nxcred, which is not on PATH",
			`link it beside nxcred (install.sh does): ln -s nxcred "$(dirname "$(command -v nxcred)")/docker-credential-nxcred"`)
	}
	return passed("docker", bin+"; "+file+" sends "+strings.Join(served, ", ")+" to nxcred")
}

// dockerHelperHosts returns the hosts docker's config.json sends to
// docker-credential-nxcred: all with credsStore "nxcred", else those with
// credHelpers[host] "nxcred". Empty content is an empty config.
func dockerHelperHosts(data []byte, hosts []string) ([]string, error) {
	var c struct {
		CredsStore  string            `json:"credsStore"`
		CredHelpers map[string]string `json:"credHelpers"`
	}
	if len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, err
		}
	}
	var served []string
	for _, h := range hosts {
		if c.CredsStore == dockerHelperName || c.CredHelpers[h] == dockerHelperName ||
			c.CredHelpers["https://"+h] == dockerHelperName {
			served = append(served, h)
		}
	}
	return served, nil
}

func (d *doctorRun) checkBazel(p *auth.Profile, bin string) checkResult {
	files := []string{filepath.Join(d.home(), ".bazelrc")}
	if wd, err := os.Getwd(); err == nil {
		files = append(files, filepath.Join(wd, ".bazelrc"))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil && bazelrcUsesNxcred(data) {
			return passed("bazel", bin+"; "+f+" names nxcred as --credential_helper")
		}
	}
	return warned("bazel", bin+" is installed; neither "+strings.Join(files, " nor ")+" names nxcred as --credential_helper", "")
}

// bazelrcUsesNxcred reports whether a .bazelrc has a line, not a comment,
// that gives nxcred as --credential_helper.
func bazelrcUsesNxcred(data []byte) bool {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.Index(line, "--credential_helper"); i >= 0 && strings.Contains(line[i:], "nxcred") {
			return true
		}
	}
	return false
}

func (d *doctorRun) checkGo(p *auth.Profile, bin string) checkResult {
	out, err := d.output(bin, "env", "GOAUTH")
	if err != nil {
		return warned("go", bin+": go env GOAUTH failed: "+errReason(err), "check it with: go env GOAUTH")
	}
	// GOAUTH may run any command: its value is not printed.
	if strings.Contains(out, "nxcred") {
		return passed("go", bin+"; GOAUTH runs nxcred")
	}
	return warned("go", bin+" is installed; GOAUTH does not run nxcred", "")
}

// output runs a client's command with a bound, no stdin, and an environment
// without nxcred's secrets: NXCRED_CLIENT_SECRET and NXCRED_KEYRING_PASSWORD
// are nothing git or go need. GOTOOLCHAIN=local keeps `go env` from
// downloading a toolchain a go.mod in the working folder asks for.
func (d *doctorRun) output(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(d.a.ctx, doctorExecTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name != auth.EnvClientSecret && name != "NXCRED_KEYRING_PASSWORD" && name != "GOTOOLCHAIN" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	out, err := cmd.Output()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("no answer within %s", doctorExecTimeout)
	}
	if err != nil {
		if msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n"); msg != "" {
			return "", fmt.Errorf("%w: %s", err, msg)
		}
		return "", err
	}
	return string(out), nil
}

// home is the user's home folder, as the clients find it.
func (d *doctorRun) home() string {
	if h := d.a.getenv("HOME"); h != "" {
		return h
	}
	h, _ := os.UserHomeDir()
	return h
}

// errReason is err without the operation and path wrappers that the check's
// own message already names.
func errReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err.Error()
	}
	return err.Error()
}

// since is the time since t for a report line: milliseconds, or "<1ms".
func since(t time.Time) string {
	if d := time.Since(t).Round(time.Millisecond); d > 0 {
		return d.String()
	}
	return "<1ms"
}

func without(all, some []string) []string {
	var rest []string
	for _, s := range all {
		if !slices.Contains(some, s) {
			rest = append(rest, s)
		}
	}
	return rest
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
