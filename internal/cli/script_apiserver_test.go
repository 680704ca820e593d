package cli

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/rogpeppe/go-internal/testscript"
)

type apiServerKey struct{}

// scriptAPIServer is a fake Kubernetes API server over TLS that accepts only
// bearer tokens the fake token endpoint issued.
type scriptAPIServer struct {
	srv      *httptest.Server
	ok, deny atomic.Int64
	// revoked counts the issued tokens the server refuses: the first
	// revoked ones, as if Nexthink had withdrawn them.
	revoked atomic.Int64
}

// cmdAPIServer drives it:
//
//	apiserver start                         start; sets APISERVER_HOST (127.0.0.1:port)
//	apiserver kubeconfig FILE APIVERSION CLUSTERINFO [ARG...]
//	                                        write a kubeconfig whose user execs nxcred kubectl [ARG...]
//	apiserver revoke                        refuse every token issued so far (a refused cached token)
//	apiserver refused N                     exactly N requests were refused (kubectl's own
//	                                        discovery cache makes the accepted count vary)
func cmdAPIServer(ts *testscript.TestScript, neg bool, args []string) {
	as := ts.Value(apiServerKey{}).(*scriptAPIServer)
	switch arg(ts, args, 0) {
	case "start":
		tokens := server(ts)
		as.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// What kube-apiserver sends on every response (its
			// WithCacheControl filter): without it, kubectl's disk cache of
			// /version would replay a 401 to later runs.
			w.Header().Set("Cache-Control", "no-cache, private")
			got, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			issued := tokens.Issued()
			if !found || len(issued) <= int(as.revoked.Load()) || got != issued[len(issued)-1] {
				as.deny.Add(1)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
				return
			}
			as.ok.Add(1)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1"}]}`)
		}))
		ts.Defer(as.srv.Close)
		ts.Setenv("APISERVER_HOST", strings.TrimPrefix(as.srv.URL, "https://"))
	case "kubeconfig":
		if as.srv == nil {
			ts.Fatalf("apiserver start first")
		}
		ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: as.srv.Certificate().Raw})
		cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: %s
    certificate-authority-data: %s
contexts:
- name: fake
  context: {cluster: fake, user: nexthink}
current-context: fake
users:
- name: nexthink
  user:
    exec:
      apiVersion: client.authentication.k8s.io/%s
      command: nxcred
      args: [kubectl%s]
      interactiveMode: Never
      provideClusterInfo: %s
`, as.srv.URL, base64.StdEncoding.EncodeToString(ca), arg(ts, args, 2), extraArgs(args[4:]), arg(ts, args, 3))
		ts.Check(os.WriteFile(ts.MkAbs(arg(ts, args, 1)), []byte(cfg), 0o600))
	case "revoke":
		as.revoked.Store(int64(len(server(ts).Issued())))
	case "refused":
		want := atoi(ts, args, 1)
		if got := int(as.deny.Load()); (got == want) == neg {
			ts.Fatalf("API requests refused: got %d, want %d (%d accepted)", got, want, as.ok.Load())
		}
	default:
		ts.Fatalf("unknown apiserver command %q", args[0])
	}
}

// extraArgs renders plugin arguments after "kubectl" in a YAML flow list.
func extraArgs(args []string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(", ")
		b.WriteString(strconv.Quote(a))
	}
	return b.String()
}
