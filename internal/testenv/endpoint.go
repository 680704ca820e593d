package testenv

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
)

// Endpoint is the fake Nexthink token endpoint over TLS on loopback, with
// its certificate in CAFile: a client trusts it through SSL_CERT_FILE, as a
// user behind a corporate CA does, and nothing else is trusted.
type Endpoint struct {
	*oauthtest.Server
	// CAFile holds the server's certificate (PEM), for SSL_CERT_FILE.
	CAFile string
	// ClientID and Secret are the credential the endpoint accepts.
	ClientID, Secret string
}

// StartEndpoint starts the endpoint accepting clientID and secret and
// writes its certificate to caFile. The caller closes it: for a test,
// NewEndpoint does.
func StartEndpoint(clientID, secret, caFile string) (*Endpoint, error) {
	srv := oauthtest.New(clientID, secret)
	if err := os.WriteFile(caFile, srv.CertPEM(), 0o644); err != nil {
		srv.Close()
		return nil, err
	}
	return &Endpoint{Server: srv, CAFile: caFile, ClientID: clientID, Secret: secret}, nil
}

// NewEndpoint starts the endpoint for one test, its certificate in a
// temporary folder of tb's, and closes it when the test ends.
func NewEndpoint(tb testing.TB, clientID, secret string) *Endpoint {
	tb.Helper()
	ep, err := StartEndpoint(clientID, secret, filepath.Join(tb.TempDir(), "ca.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(ep.Close)
	return ep
}

// Trust is SSL_CERT_FILE naming the endpoint's certificate.
func (ep *Endpoint) Trust() Env {
	return Env{"SSL_CERT_FILE": ep.CAFile}
}

// EnvProfile is nxcred's environment profile for the endpoint (client id,
// secret, token URL) and the trust in its certificate.
func (ep *Endpoint) EnvProfile() Env {
	return Env{
		"NXCRED_CLIENT_ID":     ep.ClientID,
		"NXCRED_CLIENT_SECRET": ep.Secret,
		"NXCRED_TOKEN_URL":     ep.TokenURL(),
		"SSL_CERT_FILE":        ep.CAFile,
	}
}
