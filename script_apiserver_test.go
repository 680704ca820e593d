package main

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
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
}

// cmdAPIServer drives it:
//
//	apiserver start                         start; sets APISERVER_HOST (127.0.0.1:port)
//	apiserver kubeconfig FILE APIVERSION CLUSTERINFO   write a kubeconfig whose user execs nxcred kubectl
//	apiserver refused N                     exactly N requests were refused (kubectl's own
//	                                        discovery cache makes the accepted count vary)
func cmdAPIServer(ts *testscript.TestScript, neg bool, args []string) {
	as := ts.Value(apiServerKey{}).(*scriptAPIServer)
	switch arg(ts, args, 0) {
	case "start":
		tokens := server(ts)
		as.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			issued := tokens.Issued()
			if !found || len(issued) == 0 || got != issued[len(issued)-1] {
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
      args: [kubectl]
      interactiveMode: Never
      provideClusterInfo: %s
`, as.srv.URL, base64.StdEncoding.EncodeToString(ca), arg(ts, args, 2), arg(ts, args, 3))
		ts.Check(os.WriteFile(ts.MkAbs(arg(ts, args, 1)), []byte(cfg), 0o600))
	case "refused":
		want := atoi(ts, args, 1)
		if got := int(as.deny.Load()); (got == want) == neg {
			ts.Fatalf("API requests refused: got %d, want %d (%d accepted)", got, want, as.ok.Load())
		}
	default:
		ts.Fatalf("unknown apiserver command %q", args[0])
	}
}
