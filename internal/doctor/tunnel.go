package doctor

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

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
