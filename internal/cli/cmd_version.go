package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/99designs/keyring"
	"github.com/spf13/cobra"
)

// buildVersion is the version main passes to Main: install.sh and
// scripts/release.sh set it at link time (-X main.buildVersion=...).
var buildVersion string

// The root command's --version prints versionText too: cobra's own template
// would print a shorter line than the version command, and a template
// function is evaluated only when --version is given, so no call pays for it.
func init() {
	cobra.AddTemplateFunc("nxcredVersion", versionText)
}

// versionText is what `nxcred version` and `nxcred --version` print.
func versionText() string {
	return fmt.Sprintf("nxcred %s %s/%s %s\nkeyring backends: %s\n", version(), runtime.GOOS, runtime.GOARCH, runtime.Version(), strings.Join(builtInBackends(), ", "))
}

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
			_, err := io.WriteString(a.stdout, versionText())
			return err
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
