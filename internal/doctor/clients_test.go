package doctor

import (
	"os/exec"
	"testing"

	"github.com/nxcred/nxcred/internal/config"
)

// TestClientsNotInstalled: a client that is not on PATH is fine, and doctor
// runs nothing for it.
func TestClientsNotInstalled(t *testing.T) {
	d, out := testRun(t, System{
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
	})
	d.checkClients(&config.Profile{Name: "prod", Instance: "acme", Region: "eu", ClientID: "id"})
	want := "ok    kubectl: not installed (no kubectl on PATH)\n" +
		"ok    git: not installed (no git on PATH)\n" +
		"ok    docker: not installed (no docker on PATH)\n" +
		"ok    bazel: not installed (no bazel on PATH)\n" +
		"ok    go: not installed (no go on PATH)\n"
	if out.String() != want {
		t.Errorf("checkClients with nothing on PATH printed\n%s\nwant\n%s", out, want)
	}
	if want := (Counts{OK: 5}); d.counts != want {
		t.Errorf("counts = %+v, want %+v", d.counts, want)
	}
}
