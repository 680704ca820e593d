package doctor

import (
	"os/exec"
	"strings"
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

type hintErr struct{ msg, hint string }

func (e hintErr) Error() string { return e.msg }
func (e hintErr) Hint() string  { return e.hint }

// TestClientsWithoutHost: a client that chooses credentials by host warns
// with configure's own error and hint when the profile has no host.
func TestClientsWithoutHost(t *testing.T) {
	d, out := testRun(t, System{
		LookPath: func(name string) (string, error) {
			if name == "docker" {
				return "/bin/docker", nil
			}
			return "", exec.ErrNotFound
		},
		Hosts: func(p *config.Profile, client string) ([]string, error) {
			return nil, hintErr{p.Label() + " has no host, and " + client + " chooses credentials by host", "add a host: " + p.LoginCommandWithHost("HOST")}
		},
	})
	d.checkClients(&config.Profile{Name: "lab", ClientID: "id", TokenURL: "https://login.example.com/token"})
	want := "warn  docker: /bin/docker is installed, but profile lab has no host, and docker chooses credentials by host\n" +
		"      fix: add a host: nxcred login --profile lab --client-id id --token-url https://login.example.com/token --host HOST\n"
	if !strings.Contains(out.String(), want) {
		t.Errorf("checkClients printed\n%s\nwant it to hold\n%s", out, want)
	}
}
