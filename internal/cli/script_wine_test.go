package cli

import (
	"path/filepath"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/nxcred/nxcred/internal/wine"
)

// wineSkips are the scripts the Windows lane cannot run under Wine, by name,
// with the reason. Each also skips itself on Windows through a condition;
// listing them here says why the lane, whose root has only Wine and nxcred,
// cannot run them, even where a real Windows machine could.
var wineSkips = map[string]string{
	"kubectl":         "drives the real kubectl; the Wine root has no Windows kubectl",
	"git":             "drives the real git; the Wine root has no Git for Windows",
	"configure_apply": "drives the real git; the Wine root has no Git for Windows",
	"doctor_clients":  "its stand-in clients are shell scripts, and it drives the real git and go",
}

// skipUnderWine skips the script of e when it is in wineSkips and this runs
// under Wine.
func skipUnderWine(e *testscript.Env) {
	if !wine.Running() {
		return
	}
	name := strings.TrimPrefix(filepath.Base(e.WorkDir), "script-")
	if reason, ok := wineSkips[name]; ok {
		e.T().Skip("under Wine: " + reason)
	}
}
