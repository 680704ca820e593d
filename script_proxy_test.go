package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
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
//	proxy used         at least one tunnel was opened since the last mark
//	proxy mark         count from now on
//
// "used" is what a script asserts after a token request: one request opens
// one tunnel, but a first attempt that the loaded machine slows past the
// transport's own timeouts is retried through a second one.
func cmdProxy(ts *testscript.TestScript, neg bool, args []string) {
	p := ts.Value(proxyKey{}).(*scriptProxy)
	switch arg(ts, args, 0) {
	case "start":
		p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			w.WriteHeader(http.StatusOK)
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				up.Close()
				return
			}
			go func() { io.Copy(up, conn); up.Close() }()
			io.Copy(conn, up)
			conn.Close()
		}))
		ts.Defer(p.srv.Close)
		ts.Setenv("HTTPS_PROXY", p.srv.URL)
		ts.Setenv("NO_PROXY", "")
		ts.Setenv("TOKEN_URL_VIA_NAME", strings.Replace(server(ts).TokenURL(), "127.0.0.1", "example.com", 1))
	case "connects":
		want := atoi(ts, args, 1)
		if got := int(p.connects.Load() - p.mark); (got == want) == neg {
			ts.Fatalf("proxy tunnels: got %d, want %d", got, want)
		}
	case "used":
		if got := p.connects.Load() - p.mark; (got > 0) == neg {
			ts.Fatalf("proxy tunnels since the mark: got %d, want at least 1", got)
		}
	case "mark":
		p.mark = p.connects.Load()
	default:
		ts.Fatalf("unknown proxy command %q", args[0])
	}
}
