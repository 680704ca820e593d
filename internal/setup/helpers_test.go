package setup

import (
	"errors"
	"strings"
	"testing"
)

// recorder counts Write calls, so tests can check that a writer hands its
// whole snippet over at once.
type recorder struct {
	writes int
	buf    strings.Builder
}

func (r *recorder) Write(p []byte) (int, error) {
	r.writes++
	return r.buf.Write(p)
}

// failWriter fails every Write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// shortWriter accepts one byte less than it is given.
type shortWriter struct{}

func (shortWriter) Write(p []byte) (int, error) { return max(len(p)-1, 0), nil }

// checkWriteResult holds the invariants every writer promises: on error
// nothing was written; on success exactly one Write happened.
func checkWriteResult(t *testing.T, name string, rec *recorder, err error, _ string) {
	t.Helper()
	if err != nil {
		if rec.writes != 0 {
			t.Errorf("%s: error %q after %d writes (%q), want nothing written", name, err, rec.writes, rec.buf.String())
		}
		return
	}
	if rec.writes != 1 {
		t.Errorf("%s: %d writes, want 1", name, rec.writes)
	}
}
