// Command nxcred hands Nexthink API bearer tokens to kubectl, git, docker,
// Bazel, the go command and shell scripts, keeping the client secret in the
// OS keyring and tokens in an encrypted cache.
package main

import (
	"os"

	"github.com/nxcred/nxcred/internal/cli"
)

// buildVersion is set at link time by install.sh and scripts/release.sh
// (-X main.buildVersion=...).
var buildVersion string

// main is a doorway: the command line lives in internal/cli.
func main() { os.Exit(cli.Main(buildVersion)) }
