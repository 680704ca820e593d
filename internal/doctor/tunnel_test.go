package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// connectProxy is a CONNECT proxy for tests that wants the login user:pw
// and tunnels to any address.
func connectProxy(t *testing.T) *httptest.Server {
	t.Helper()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:pw"))
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		if r.Header.Get("Proxy-Authorization") != want {
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, brw); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	}))
	t.Cleanup(p.Close)
	return p
}

func TestDialThroughProxy(t *testing.T) {
	target := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer target.Close()
	roots := x509.NewCertPool()
	roots.AddCert(target.Certificate())
	proxy := connectProxy(t)
	addr := strings.TrimPrefix(target.URL, "https://")

	// A bound against a hang only.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pu, _ := url.Parse(proxy.URL)
	pu.User = url.UserPassword("user", "pw")
	conn, err := dialThroughProxy(ctx, pu, addr, &tls.Config{})
	if err != nil {
		t.Fatalf("dialThroughProxy with the login = %v, want a tunnel", err)
	}
	tc := tls.Client(conn, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
	if err := tc.HandshakeContext(ctx); err != nil {
		t.Errorf("TLS through the tunnel: %v, want the target's certificate", err)
	}
	tc.Close()

	pu.User = nil
	_, err = dialThroughProxy(ctx, pu, addr, &tls.Config{})
	var pe *proxyRefusedError
	if !errors.As(err, &pe) || pe.code != http.StatusProxyAuthRequired {
		t.Errorf("dialThroughProxy without the login = %v, want a 407 proxyRefusedError", err)
	}

	_, err = dialThroughProxy(ctx, &url.URL{Scheme: "http", Host: "127.0.0.1:9"}, addr, &tls.Config{})
	var pd *proxyDialError
	if !errors.As(err, &pd) {
		t.Errorf("dialThroughProxy to a closed port = %v, want a proxyDialError", err)
	}
}
