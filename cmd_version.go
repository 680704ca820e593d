package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
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
			var names []string
			for _, b := range keyring.AvailableBackends() {
				names = append(names, string(b))
			}
			fmt.Fprintf(a.stdout, "nxcred %s %s/%s %s\nkeyring backends: %s\n", version(), runtime.GOOS, runtime.GOARCH, runtime.Version(), strings.Join(names, ", "))
			return nil
		},
	}
}
