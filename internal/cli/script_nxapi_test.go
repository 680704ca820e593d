package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

type nxapiKey struct{}

// scriptNxAPI is a fake Nexthink API over TLS: it accepts a bearer token the
// fake token endpoint issued for as long as that token lives, on the clock
// the nxcred under test runs (TESTONLY_CLOCK_RATE times the wall clock), and
// answers 401 "token expired" after, as Nexthink does. /redirect answers a
// redirect to a second server, which counts what reaches it.
type scriptNxAPI struct {
	srv, other      *httptest.Server
	rate            float64
	ok, expired     atomic.Int64
	unknown, others atomic.Int64
	othersAuth      atomic.Int64
	// slow holds a request to /slow until release: arrived gets one value
	// per such request.
	arrived, release chan struct{}
}

// cmdNxAPI drives it:
//
//	nxapi start RATE     start it; sets NXAPI_HOST (127.0.0.1:port), NXAPI_HOST_VIA_NAME
//	                     (example.com:port, for the script proxy) and OTHER_URL
//	nxapi failed N       exactly N requests were refused (expired or unknown token)
//	nxapi served MIN     at least MIN requests were served
//	nxapi other N        the redirect target got exactly N requests, none with a token
//	nxapi slowwait       wait (30 s at most) until a request to /slow arrives; it is
//	                     held until nxapi release
//	nxapi release        let the held requests to /slow answer
func cmdNxAPI(ts *testscript.TestScript, neg bool, args []string) {
	api := ts.Value(nxapiKey{}).(*scriptNxAPI)
	switch arg(ts, args, 0) {
	case "start":
		rate, err := strconv.ParseFloat(arg(ts, args, 1), 64)
		ts.Check(err)
		api.rate = rate
		api.arrived, api.release = make(chan struct{}, 16), make(chan struct{})
		tokens := server(ts)
		api.other = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			api.others.Add(1)
			if r.Header.Get("Authorization") != "" {
				api.othersAuth.Add(1)
			}
			fmt.Fprint(w, "export file")
		}))
		ts.Defer(api.other.Close)
		api.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				api.arrived <- struct{}{}
				select {
				case <-api.release:
				case <-time.After(30 * time.Second):
				}
			}
			if r.URL.Path == "/redirect" {
				http.Redirect(w, r, api.other.URL+"/export.csv", http.StatusFound)
				return
			}
			got, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			at, issued := tokens.IssuedAt(got)
			life := time.Duration(float64(tokens.Lifetime()) * float64(time.Second) / api.rate)
			switch {
			case !issued:
				api.unknown.Add(1)
				http.Error(w, `{"error":"invalid_token"}`, http.StatusUnauthorized)
			case time.Since(at) > life:
				api.expired.Add(1)
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="token expired"`)
				http.Error(w, `{"error":"token expired"}`, http.StatusUnauthorized)
			default:
				api.ok.Add(1)
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"path":%q,"method":%q}`, r.URL.Path, r.Method)
			}
		}))
		ts.Defer(api.srv.Close)
		host := strings.TrimPrefix(api.srv.URL, "https://")
		ts.Setenv("NXAPI_HOST", host)
		// example.com is in the test certificate; the script proxy
		// tunnels it to loopback (proxy start).
		ts.Setenv("NXAPI_HOST_VIA_NAME", strings.Replace(host, "127.0.0.1", "example.com", 1))
		ts.Setenv("OTHER_URL", api.other.URL)
	case "failed":
		want := atoi(ts, args, 1)
		if got := int(api.expired.Load() + api.unknown.Load()); (got == want) == neg {
			ts.Fatalf("refused requests: got %d (%d expired, %d unknown), want %d", got, api.expired.Load(), api.unknown.Load(), want)
		}
	case "served":
		if got, min := int(api.ok.Load()), atoi(ts, args, 1); (got >= min) == neg {
			ts.Fatalf("served requests: got %d, want at least %d", got, min)
		}
	case "other":
		if got, want := int(api.others.Load()), atoi(ts, args, 1); got != want || api.othersAuth.Load() != 0 {
			ts.Fatalf("redirect target: %d requests (%d with Authorization), want %d and none with it", got, api.othersAuth.Load(), want)
		}
	case "slowwait":
		select {
		case <-api.arrived:
		case <-time.After(30 * time.Second):
			ts.Fatalf("no request reached /slow within 30 s")
		}
	case "release":
		close(api.release)
	default:
		ts.Fatalf("usage: nxapi start|failed|served|other|slowwait|release ...")
	}
}
