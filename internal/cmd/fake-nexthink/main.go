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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/nxcred/nxcred/internal/oauth"
	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/token"
)

// margin is how long before its expiry nxcred stops serving a cached token,
// in seconds: a token living no longer than that is never cached.
var margin = int(token.Margin.Seconds())

// watchLifetime is the lifetime to suggest for watching the refresh: cached
// for 30 s, then fetched again.
const watchLifetime = 90

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run serves until ctx ends and returns the exit status. Everything it
// writes to disk (the -tls certificate) is in a folder of its own, removed
// before it returns.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fake-nexthink", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lifetime := fs.Int("lifetime", 900, fmt.Sprintf("expires_in of the tokens, in seconds; nxcred serves a cached token until %d s before it expires, so %d shows a refresh every %d s and %d or less is never cached (-1 omits expires_in)", margin, watchLifetime, watchLifetime-margin, margin))
	useTLS := fs.Bool("tls", false, "serve https with a throwaway certificate (trust it through SSL_CERT_FILE)")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		return 2
	}

	b := make([]byte, 12)
	rand.Read(b)
	secret := "demo-" + hex.EncodeToString(b)
	const clientID = "demo-client"

	var srv *oauthtest.Server
	certEnv := ""
	if *useTLS {
		srv = oauthtest.New(clientID, secret)
		// A folder of this run's own: a fixed name in the shared temp
		// folder would collide between users and runs.
		dir, err := os.MkdirTemp("", "fake-nexthink-")
		if err != nil {
			fmt.Fprintln(stderr, "fake-nexthink: error:", err)
			srv.Close()
			return 1
		}
		defer os.RemoveAll(dir)
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, srv.CertPEM(), 0o644); err != nil {
			fmt.Fprintln(stderr, "fake-nexthink: error:", err)
			srv.Close()
			return 1
		}
		certEnv = "SSL_CERT_FILE=" + ca + " "
	} else {
		srv = oauthtest.NewPlain(clientID, secret)
	}
	defer srv.Close()
	srv.SetLifetime(*lifetime)

	fmt.Fprintf(stdout, `fake Nexthink token endpoint: %s (loopback only; Ctrl-C stops it)
client id %s, client secret %s (a throwaway)

In another shell:

  printf %%s %s | %snxcred login --profile demo --instance demo --region eu \
      --client-id %s --token-url %s%s --client-secret-stdin
  %snxcred token --profile demo
  %snxcred token --profile demo --format json

%s
`, srv.TokenURL(), clientID, secret, secret, certEnv, clientID, srv.TokenURL(), keyringFlag(), certEnv, certEnv, lifetimeNote(*lifetime))

	<-ctx.Done()
	fmt.Fprintf(stdout, "\n%d token requests served\n", srv.Hits())
	return 0
}

// lifetimeNote says what the token lifetime shows in nxcred.
func lifetimeNote(lifetime int) string {
	switch {
	case lifetime < 0:
		return "Tokens carry no expires_in: nxcred uses each for one call only."
	case lifetime == 0 || lifetime > int(oauth.MaxLifetime.Seconds()):
		return fmt.Sprintf("Tokens carry expires_in %d, which nxcred refuses as a broken answer.", lifetime)
	case lifetime <= margin:
		return fmt.Sprintf("Tokens live %d s: nxcred never caches a token with %d s or less to live, so every call fetches one.\nTo watch the refresh, use -lifetime %d (cached for %d s, then fetched again).", lifetime, margin, watchLifetime, watchLifetime-margin)
	}
	return fmt.Sprintf("Tokens live %d s: nxcred serves each from its cache for %d s, then fetches a new one.", lifetime, lifetime-margin)
}
