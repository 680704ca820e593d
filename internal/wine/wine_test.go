package wine_test

import (
	"os"
	"runtime"
	"testing"

	"github.com/nxcred/nxcred/internal/wine"
)

// TestRunning: only a Windows build can run under Wine; the Windows lane
// sets NXCRED_WINDOWS_LANE, so there Running must say so.
func TestRunning(t *testing.T) {
	got := wine.Running()
	if runtime.GOOS != "windows" && got {
		t.Errorf("Running() = true on %s", runtime.GOOS)
	}
	if os.Getenv("NXCRED_WINDOWS_LANE") != "" && !got {
		t.Error("Running() = false in the Windows lane")
	}
	t.Logf("Running() = %v", got)
}
