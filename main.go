// Command nxcred hands Nexthink API bearer tokens to kubectl, git, docker,
// Bazel, the go command and shell scripts, keeping the client secret in the
// OS keyring and tokens in an encrypted cache.
package main

import (
	"context"
	"os"

	"github.com/nxcred/nxcred/internal/childenv"
)

// main installs no signal handler: Ctrl-C and SIGTERM end nxcred at once,
// which is safe (cache writes are atomic renames, and the OS releases the
// profile lock with the process) and spares every call the ~0.4 ms that
// signal.NotifyContext costs at start (docs/performance.md).
//
// HideSecrets takes nxcred's secrets out of the process environment first,
// so that no process nxcred starts inherits them.
func main() {
	os.Exit(run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, childenv.HideSecrets()))
}
