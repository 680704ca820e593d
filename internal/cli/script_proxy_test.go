package cli

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

type proxyKey struct{}

// scriptProxy is an HTTPS (CONNECT) proxy on loopback that sends every
// tunnel to 127.0.0.1, whatever host it names: with a token URL on
// example.com (a name the fake endpoint's certificate holds), a token can
// only be had through it.
type scriptProxy struct {
	srv      *httptest.Server
	connects atomic.Int64
	mark     int64
}

// cmdProxy drives it:
//
//	proxy start        start; sets HTTPS_PROXY and TOKEN_URL_VIA_NAME
//	proxy connects N   exactly N tunnels were opened since the last mark
//	proxy mark         count from now on
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.Value(proxyKey{}).(*scriptProxy)
	switch arg(ts, args, 0) {
	case "start":
		p.srv = httptest.NewServer(p.handler())
		ts.Defer(p.srv.Close)
		ts.Setenv("HTTPS_PROXY", p.srv.URL)
		ts.Setenv("NO_PROXY", "")
		ts.Setenv("TOKEN_URL_VIA_NAME", strings.Replace(server(ts).TokenURL(), "127.0.0.1", "example.com", 1))
	case "connects":
		want := atoi(ts, args, 1)
		if got := int(p.connects.Load() - p.mark); (got == want) == neg {
			ts.Fatalf("proxy tunnels: got %d, want %d", got, want)
		}
	case "mark":
		p.mark = p.connects.Load()
	default:
		ts.Fatalf("unknown proxy command %q", args[0])
	}
}

// handler answers CONNECT by tunnelling to 127.0.0.1 on the port asked for.
func (p *scriptProxy) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		_, port, err := net.SplitHostPort(r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		up, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), 5*time.Second)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		p.connects.Add(1)
		// Hijack first, then answer: a 200 sent through the
		// ResponseWriter reaches the client before the server stops
		// reading, and the first byte of the client's TLS hello
		// can then sit in the server's buffer, not on conn. Read the
		// tunnel from brw, which holds anything buffered.
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, brw); up.Close() }()
		io.Copy(conn, up)
		conn.Close()
	})
}

// TestScriptProxyKeepsBufferedBytes: bytes the client sends right behind its
// CONNECT sit in the proxy server's read buffer, not on the connection; a
// tunnel reading the connection alone loses them, which broke the client's
// TLS hello now and then (proxy.txtar saw two tunnels for one token). The
// client here sends them in the same write, so they are always buffered.
func TestScriptProxyKeepsBufferedBytes(t *testing.T) {
	t.Parallel()
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		c, err := echo.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	p := &scriptProxy{}
	srv := httptest.NewServer(p.handler())
	defer srv.Close()

	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// A bound against a hang only: a lost byte never comes back.
	c.SetDeadline(time.Now().Add(30 * time.Second))
	_, port, _ := net.SplitHostPort(echo.Addr().String())
	target := "example.com:" + port
	if _, err := io.WriteString(c, "CONNECT "+target+" HTTP/1.1\r\nHost: "+target+"\r\n\r\nhello through the tunnel"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT answer = %v, %v; want 200", resp, err)
	}
	got := make([]byte, len("hello through the tunnel"))
	if _, err := io.ReadFull(br, got); err != nil || string(got) != "hello through the tunnel" {
		t.Fatalf("echo through the tunnel = %q, %v; want the bytes sent right behind CONNECT", got, err)
	}
	if n := p.connects.Load(); n != 1 {
		t.Errorf("tunnels = %d, want 1", n)
	}
}
