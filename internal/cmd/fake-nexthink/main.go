// Command fake-nexthink serves a fake Nexthink token endpoint on loopback, to
// try nxcred without a Nexthink tenant:
//
//	go run ./internal/cmd/fake-nexthink
//
// It prints the nxcred login line to use against it and runs until Ctrl-C.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/nxcred/nxcred/auth/authtest"
)

func main() {
	lifetime := flag.Int("lifetime", 900, "expires_in of the tokens, in seconds")
	useTLS := flag.Bool("tls", false, "serve https with a throwaway certificate (trust it through SSL_CERT_FILE)")
	flag.Parse()

	b := make([]byte, 12)
	rand.Read(b)
	secret := "demo-" + hex.EncodeToString(b)
	const clientID = "demo-client"

	var srv *authtest.Server
	certEnv := ""
	if *useTLS {
		srv = authtest.New(clientID, secret)
		ca := filepath.Join(os.TempDir(), "fake-nexthink-ca.pem")
		if err := os.WriteFile(ca, srv.CertPEM(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "fake-nexthink: error:", err)
			os.Exit(1)
		}
		certEnv = "SSL_CERT_FILE=" + ca + " "
	} else {
		srv = authtest.NewPlain(clientID, secret)
	}
	defer srv.Close()
	srv.SetLifetime(*lifetime)

	fmt.Printf(`fake Nexthink token endpoint: %s (loopback only; Ctrl-C stops it)
client id %s, client secret %s (a throwaway)

In another shell:

  printf %%s %s | %snxcred login --profile demo --instance demo --region eu \
      --client-id %s --token-url %s --client-secret-stdin
  %snxcred token --profile demo
  %snxcred token --profile demo --format json

`, srv.TokenURL(), clientID, secret, secret, certEnv, clientID, srv.TokenURL(), certEnv, certEnv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	fmt.Printf("\n%d token requests served\n", srv.Hits())
}
