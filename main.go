// Command nxcred hands Nexthink API bearer tokens to kubectl, git, docker,
// Bazel, the go command and shell scripts, keeping the client secret in the
// OS keyring and tokens in an encrypted cache.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
