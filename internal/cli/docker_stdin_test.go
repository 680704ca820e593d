package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nxcred/nxcred/internal/protocol"
	"github.com/nxcred/nxcred/internal/testenv"
)

// lines is an endless stdin of short lines, as `yes` would send: it counts
// what it gives, and ends with an error past limit so that a helper without
// a bound fails this test instead of running forever.
type lines struct{ given, limit int }

var errOverread = errors.New("read past the test's limit")

func (l *lines) Read(p []byte) (int, error) {
	if l.given >= l.limit {
		return 0, errOverread
	}
	n := min(len(p), l.limit-l.given)
	for i := range n {
		p[i] = "acme.api.eu.nexthink.cloud\n"[(l.given+i)%27]
	}
	l.given += n
	return n, nil
}

// TestDockerEndlessStdin: the docker helper reads at most MaxDockerInput
// bytes (and one to see there is more) of an endless stdin, for each verb
// that reads it, and fails with an error naming the bound, on stdout for
// docker and on stderr for people.
func TestDockerEndlessStdin(t *testing.T) {
	for _, verb := range []string{"get", "erase", "store"} {
		t.Run(verb, func(t *testing.T) {
			env := testenv.New(t)
			in := &lines{limit: 64 * protocol.MaxDockerInput}
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"docker-credential-nxcred", verb}, in, &out, &errb, env.Getenv)
			if in.given > protocol.MaxDockerInput+1 {
				t.Errorf("docker %s read %d bytes of stdin, want at most %d", verb, in.given, protocol.MaxDockerInput+1)
			}
			want := protocol.ErrDockerInputTooLong.Error()
			if code != 1 || strings.TrimSpace(out.String()) != want || !strings.Contains(errb.String(), "nxcred: error: "+want+"\n") {
				t.Errorf("docker %s with endless stdin = exit %d, stdout %q, stderr %q; want exit 1 and %q on both", verb, code, out.String(), errb.String(), want)
			}
		})
	}
}

// FuzzDockerStdin: whatever docker sends on stdin, the helper (with no
// profile, so no token request) exits 0 or 1 with at most one short line on
// stdout and no internal error, and never reads past the bound.
func FuzzDockerStdin(f *testing.F) {
	f.Add(uint8(0), []byte("https://index.docker.io/v1/\n"), uint16(1))
	f.Add(uint8(1), []byte("acme.api.eu.nexthink.cloud"), uint16(1))
	f.Add(uint8(2), []byte(`{"ServerURL":"x","Username":"u","Secret":"s"}`), uint16(1))
	f.Add(uint8(0), []byte("a\n"), uint16(40000))
	f.Add(uint8(3), []byte{}, uint16(0))
	env := testenv.New(f)
	f.Fuzz(func(t *testing.T, verb uint8, unit []byte, repeat uint16) {
		stdin := bytes.Repeat(unit, int(repeat))
		v := []string{"get", "erase", "store", "list"}[verb%4]
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"docker-credential-nxcred", v}, bytes.NewReader(stdin), &out, &errb, env.Getenv)
		if code != 0 && code != 1 {
			t.Fatalf("docker %s with %d bytes of stdin: exit %d, want 0 or 1 (stderr %q)", v, len(stdin), code, errb.String())
		}
		if strings.Contains(errb.String(), "internal error") || out.Len() > 1024 {
			t.Fatalf("docker %s with %d bytes of stdin: stdout %d bytes, stderr %q", v, len(stdin), out.Len(), errb.String())
		}
		if len(stdin) > protocol.MaxDockerInput && v != "list" && !strings.Contains(out.String(), protocol.ErrDockerInputTooLong.Error()) {
			t.Fatalf("docker %s with %d bytes of stdin: stdout %q, want the bound's error", v, len(stdin), out.String())
		}
	})
}
