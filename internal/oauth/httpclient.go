package oauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
)

// ErrRedirect is returned when the token endpoint answers with a redirect.
// Token endpoints do not redirect; following one would hand the form (and,
// to the same host, the Basic header with the secret) to wherever it points.
var ErrRedirect = errors.New("token endpoint answered with a redirect")

// NewHTTPClient returns the client for token requests: proxies from
// HTTPS_PROXY/NO_PROXY, TLS 1.2 or later, the system roots plus the
// certificates in the file named by sslCertFile (SSL_CERT_FILE) when set,
// and no redirects.
func NewHTTPClient(sslCertFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if sslCertFile != "" {
		pem, err := os.ReadFile(sslCertFile)
		if err != nil {
			return nil, fmt.Errorf("cannot read SSL_CERT_FILE: %w", err)
		}
		// On Linux SystemCertPool already reads SSL_CERT_FILE; on macOS and
		// Windows it does not, so add the file's certificates explicitly.
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("SSL_CERT_FILE %s holds no PEM certificate", sslCertFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			return fmt.Errorf("%w to %s", ErrRedirect, req.URL.Redacted())
		},
	}, nil
}
