package cli

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// Registered here rather than in the scriptCommands literal: these commands
// keep their state per script in goProxyStates.
func init() {
	scriptCommands["goproxy"] = cmdGoProxy
	scriptCommands["stopwatch"] = cmdStopwatch
	scriptCommands["blackhole"] = cmdBlackhole
}

// goModules are the modules a public proxy serves, each at v1.0.0 with a
// go.mod and nothing else.
var goModules = []string{"example.com/m1", "example.com/m2", "example.com/m3", "example.com/m4", "example.com/m5"}

// scriptGoProxy is a Go module proxy on loopback over TLS, with the
// certificate every httptest server has (trusted through SSL_CERT_FILE,
// like the fake token endpoint). A public one serves goModules to anyone; a
// private one has no module at all and answers 404 to a request carrying
// the last token the fake endpoint issued and 401 to any other, as a
// company proxy in front of a public one does.
type scriptGoProxy struct {
	srv                *httptest.Server
	requests, refusals atomic.Int64
}

type goProxyState struct {
	proxies map[string]*scriptGoProxy
	started time.Time
	held    atomic.Int64
}

var goProxyStates sync.Map // *testscript.TestScript → *goProxyState

func goProxyStateOf(ts *testscript.TestScript) *goProxyState {
	v, loaded := goProxyStates.LoadOrStore(ts, &goProxyState{proxies: map[string]*scriptGoProxy{}})
	if !loaded {
		ts.Defer(func() { goProxyStates.Delete(ts) })
	}
	return v.(*goProxyState)
}

// cmdGoProxy drives the proxies:
//
//	goproxy start NAME public|private   start; sets GOPROXY_NAME (https URL) and GOPROXY_NAME_HOST (host:port)
//	goproxy requests NAME N             exactly N requests reached it
//	goproxy refused NAME N              exactly N of them were refused with 401
func cmdGoProxy(ts *testscript.TestScript, neg bool, args []string) {
	st := goProxyStateOf(ts)
	switch arg(ts, args, 0) {
	case "start":
		name, kind := arg(ts, args, 1), arg(ts, args, 2)
		p := &scriptGoProxy{}
		var h http.HandlerFunc
		switch kind {
		case "public":
			h = func(w http.ResponseWriter, r *http.Request) {
				p.requests.Add(1)
				serveModule(w, r)
			}
		case "private":
			tokens := server(ts)
			h = func(w http.ResponseWriter, r *http.Request) {
				p.requests.Add(1)
				got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
				issued := tokens.Issued()
				if len(issued) == 0 || got != issued[len(issued)-1] {
					p.refusals.Add(1)
					w.Header().Set("WWW-Authenticate", `Bearer realm="script"`)
					http.Error(w, "unauthorized", http.StatusUnauthorized)
					return
				}
				http.Error(w, "not here", http.StatusNotFound)
			}
		default:
			ts.Fatalf("goproxy start NAME public|private")
		}
		p.srv = httptest.NewTLSServer(h)
		ts.Defer(p.srv.Close)
		st.proxies[name] = p
		ts.Setenv("GOPROXY_"+strings.ToUpper(name), p.srv.URL)
		ts.Setenv("GOPROXY_"+strings.ToUpper(name)+"_HOST", strings.TrimPrefix(p.srv.URL, "https://"))
	case "requests", "refused":
		p := st.proxies[arg(ts, args, 1)]
		if p == nil {
			ts.Fatalf("no goproxy %q", args[1])
		}
		want := atoi(ts, args, 2)
		got := p.requests.Load()
		if args[0] == "refused" {
			got = p.refusals.Load()
		}
		if (int(got) == want) == neg {
			ts.Fatalf("goproxy %s %s: got %d, want %d", args[1], args[0], got, want)
		}
	default:
		ts.Fatalf("unknown goproxy command %q", args[0])
	}
}

// serveModule answers the GOPROXY protocol for goModules at v1.0.0.
func serveModule(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	mod, file, ok := strings.Cut(path, "/@v/")
	known := false
	for _, m := range goModules {
		known = known || m == mod
	}
	if !ok || !known {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	gomod := "module " + mod + "\n\ngo 1.21\n"
	switch file {
	case "list":
		fmt.Fprintln(w, "v1.0.0")
	case "v1.0.0.info":
		fmt.Fprint(w, `{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}`)
	case "v1.0.0.mod":
		fmt.Fprint(w, gomod)
	case "v1.0.0.zip":
		var b bytes.Buffer
		z := zip.NewWriter(&b)
		f, err := z.Create(mod + "@v1.0.0/go.mod")
		if err == nil {
			_, err = f.Write([]byte(gomod))
		}
		if err == nil {
			err = z.Close()
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Write(b.Bytes())
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// cmdStopwatch bounds how long commands take, with margins wide enough that
// only a stall crosses them (a loaded CI machine is slow, not that slow):
//
//	stopwatch start        start timing
//	stopwatch under DUR    less than DUR has passed since start
func cmdStopwatch(ts *testscript.TestScript, neg bool, args []string) {
	st := goProxyStateOf(ts)
	switch arg(ts, args, 0) {
	case "start":
		st.started = time.Now()
	case "under":
		d, err := time.ParseDuration(arg(ts, args, 1))
		ts.Check(err)
		if st.started.IsZero() {
			ts.Fatalf("stopwatch start first")
		}
		took := time.Since(st.started)
		if (took < d) == neg {
			ts.Fatalf("took %s, want under %s", took.Round(time.Millisecond), d)
		}
		ts.Logf("took %s", took.Round(time.Millisecond))
	default:
		ts.Fatalf("unknown stopwatch command %q", args[0])
	}
}

// cmdBlackhole is an endpoint that hangs: it accepts TCP connections on
// loopback and never reads or writes, so even the TLS handshake never ends
// (the fake token endpoint's delay answers once the client gives up, which
// a hanging server does not).
//
//	blackhole start      start; sets BLACKHOLE_HOST (127.0.0.1:port)
//	blackhole held N     at least N connections were accepted
func cmdBlackhole(ts *testscript.TestScript, neg bool, args []string) {
	st := goProxyStateOf(ts)
	switch arg(ts, args, 0) {
	case "start":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				st.held.Add(1)
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		ts.Defer(func() {
			l.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				c.Close()
			}
		})
		ts.Setenv("BLACKHOLE_HOST", l.Addr().String())
	case "held":
		want := atoi(ts, args, 1)
		if got := int(st.held.Load()); (got >= want) == neg {
			ts.Fatalf("blackhole held %d connections, want at least %d", got, want)
		}
	default:
		ts.Fatalf("unknown blackhole command %q", args[0])
	}
}
