package cli

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/oauth/oauthtest"
	"github.com/nxcred/nxcred/internal/testenv"
)

// A whole cache hit in process: run() with an environment-profile getenv
// and a warm cache in b.TempDir(). Everything a hit process does after
// package init is here (cobra, profile, cache, answer); bench/main.go
// measures what the process adds around it.

const (
	benchRunClientID = "bench-client"
	benchRunSecret   = "bench-secret-0123456789abcdef"
)

// benchRunEnv starts a fake endpoint and returns a getenv for the
// environment profile with every folder under a temp dir.
func benchRunEnv(b *testing.B) (*oauthtest.Server, func(string) string) {
	srv := oauthtest.NewPlain(benchRunClientID, benchRunSecret)
	b.Cleanup(srv.Close)
	vars := testenv.New(b).With(map[string]string{
		"NXCRED_CLIENT_ID":     benchRunClientID,
		"NXCRED_CLIENT_SECRET": benchRunSecret,
		"NXCRED_TOKEN_URL":     srv.TokenURL(),
		"NXCRED_INSTANCE":      "acme",
		"NXCRED_REGION":        "eu",
		"KUBERNETES_EXEC_INFO": `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`,
	})
	return srv, vars.Getenv
}

func BenchmarkRunTokenHit(b *testing.B) {
	for _, bc := range []struct {
		name  string
		args  []string
		stdin string
		want  string // the output holds the token after this
	}{
		{"token", []string{"nxcred", "token"}, "", ""},
		{"token-json", []string{"nxcred", "token", "--format", "json"}, "", `"access_token":"`},
		{"kubectl", []string{"nxcred", "kubectl"}, "", `"token":"`},
		{"bazel", []string{"nxcred", "get"}, `{"uri":"https://acme.api.eu.nexthink.cloud/x"}`, "Bearer "},
		{"git", []string{"git-credential-nxcred", "get"}, "protocol=https\nhost=acme.api.eu.nexthink.cloud\n\n", "password="},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, getenv := benchRunEnv(b)
			ctx := context.Background()
			// The first call fetches and fills the cache; the second must
			// answer from it with a token the endpoint issued.
			for i := range 2 {
				var out, errb bytes.Buffer
				if code := run(ctx, bc.args, strings.NewReader(bc.stdin), &out, &errb, getenv); code != 0 {
					b.Fatalf("run %v = %d, stderr %q", bc.args, code, errb.String())
				}
				_, tok, _ := strings.Cut(out.String(), bc.want)
				tok = strings.TrimSpace(tok)
				if i := strings.IndexAny(tok, "\"\n"); i >= 0 {
					tok = tok[:i]
				}
				if !slices.Contains(srv.Issued(), tok) {
					b.Fatalf("run %v printed %q, want a token the endpoint issued", bc.args, out.String())
				}
				if i == 1 && errb.Len() > 0 {
					b.Fatalf("run %v: stderr %q on a hit", bc.args, errb.String())
				}
			}
			hits := srv.Hits()
			stdin := strings.NewReader(bc.stdin)
			env := getenv
			if bc.name == "kubectl" {
				env = newKubeClientEnv(getenv)
			}
			b.ReportAllocs()
			for b.Loop() {
				stdin.Reset(bc.stdin)
				if code := run(ctx, bc.args, stdin, io.Discard, io.Discard, env); code != 0 {
					b.Fatalf("run %v = %d", bc.args, code)
				}
			}
			if got := srv.Hits() - hits; got != 0 {
				b.Fatalf("%d token requests during %d cache hits, want 0", got, b.N)
			}
		})
	}
}

// newKubeClientEnv makes each run look like a new client-go authenticator,
// as each kubectl process is: all runs here share one parent process, so
// with the same exec info every run after the first would be a repeat
// (a refused token, refreshed). The extra field is one client-go would
// ignore; nxcred only hashes it.
func newKubeClientEnv(getenv func(string) string) func(string) string {
	n := 0
	return func(k string) string {
		if k != "KUBERNETES_EXEC_INFO" {
			return getenv(k)
		}
		n++
		return `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false},"run":` + strconv.Itoa(n) + `}`
	}
}

// BenchmarkRootCommand is building the cobra command tree before the
// arguments are parsed: the whole tree (help, completion) and the one
// command a protocol call builds.
func BenchmarkRootCommand(b *testing.B) {
	_, getenv := benchRunEnv(b)
	for _, name := range []string{"", "token"} {
		b.Run("command="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a := &app{ctx: context.Background(), stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: getenv}
				if root := a.rootCommand(name); !root.HasSubCommands() {
					b.Fatal("rootCommand has no subcommands")
				}
			}
		})
	}
}
