package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/99designs/keyring"
	"github.com/spf13/cobra"
)

// buildVersion is set at link time by install.sh (-X main.buildVersion=...).
var buildVersion string

func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the keyring backends built in",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(a.stdout, "nxcred %s %s/%s %s\nkeyring backends: %s\n", version(), runtime.GOOS, runtime.GOARCH, runtime.Version(), strings.Join(builtInBackends(), ", "))
			return nil
		},
	}
}

// builtInBackends lists the keyring backends this binary has. keyring
// registers the D-Bus ones (secret-service, kwallet) only when a session bus
// answers at start, so on Linux they are added back, marked as needing one.
func builtInBackends() []string {
	var names []string
	for _, b := range keyring.AvailableBackends() {
		names = append(names, string(b))
	}
	if runtime.GOOS == "linux" {
		for _, b := range []string{"secret-service", "kwallet"} {
			if !slices.Contains(names, b) {
				names = append(names, b+" (no D-Bus session bus now)")
			}
		}
	}
	return names
}
