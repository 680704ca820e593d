package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/nxcred/nxcred/internal/oauth"
)

// tlsConfig is the TLS configuration of the token request: NewHTTPClient's
// own, so that doctor trusts exactly what the token request trusts.
func (d *run) tlsConfig() (*tls.Config, error) {
	client, err := oauth.NewHTTPClient(d.s.CertFile)
	if err != nil {
		return nil, err
	}
	if tr, ok := client.Transport.(*http.Transport); ok && tr.TLSClientConfig != nil {
		return tr.TLSClientConfig.Clone(), nil
	}
	return &tls.Config{MinVersion: tls.VersionTLS12}, nil
}

// checkTLS does the TLS handshake on conn with the token request's roots and
// reports the certificate's issuer and expiry.
func (d *run) checkTLS(conn net.Conn, u *url.URL, conf *tls.Config, confErr error) bool {
	if u.Scheme == "http" {
		return d.report(passed("tls", "not used: http to a loopback address (test servers only)"))
	}
	if confErr != nil {
		return d.report(failed("tls", confErr.Error(), "point SSL_CERT_FILE at a PEM file of CA certificates, or unset it"))
	}
	host := u.Hostname()
	conf.ServerName = host
	ctx, cancel := context.WithTimeout(d.ctx, dialTimeout)
	defer cancel()
	tc := tls.Client(conn, conf)
	if err := tc.HandshakeContext(ctx); err != nil {
		detail, fix := d.tlsFailure(host, err)
		return d.report(failed("tls", detail, fix))
	}
	defer tc.Close()
	st := tc.ConnectionState()
	leaf := st.PeerCertificates[0]
	left := leaf.NotAfter.Sub(d.s.Now())
	return d.report(passed("tls", fmt.Sprintf("%s with %s; certificate issued by %s, valid until %s (%d days)",
		tls.VersionName(st.Version), host, issuerName(leaf), leaf.NotAfter.UTC().Format(time.DateOnly), int(left.Hours()/24))))
}

// tlsFailure explains a failed handshake in terms of what the user controls:
// SSL_CERT_FILE, the token URL, the clock.
func (d *run) tlsFailure(host string, err error) (detail, fix string) {
	certFile := d.s.CertFile
	issuer := ""
	var cve *tls.CertificateVerificationError
	if errors.As(err, &cve) && len(cve.UnverifiedCertificates) > 0 {
		issuer = issuerName(cve.UnverifiedCertificates[0])
	}
	if issuer == "" {
		issuer = "-"
	}
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		detail = fmt.Sprintf("the certificate of %s is signed by an authority this machine does not trust (issuer: %s)", host, issuer)
		if certFile == "" {
			return detail, "if a proxy or firewall inspects TLS, set SSL_CERT_FILE to a PEM file with its CA certificate (your IT department has it)"
		}
		return detail, "SSL_CERT_FILE (" + certFile + ") does not hold the CA certificate of " + issuer + ": add it to that file"
	case errors.As(err, &hostErr):
		return fmt.Sprintf("the certificate presented for %s is not for that name (%v)", host, hostErr),
			"check the token URL; if a proxy intercepts TLS, set SSL_CERT_FILE to its CA"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Sprintf("the certificate of %s is expired or not yet valid, by this machine's clock (%s)", host, d.s.Now().UTC().Format(time.RFC3339)),
			"check this machine's date and time (timedatectl on Linux)"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no TLS answer from %s within %s", host, dialTimeout), "check the network and the proxy settings (HTTPS_PROXY, NO_PROXY)"
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
