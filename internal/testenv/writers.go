package testenv

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// SyncBuffer is a bytes.Buffer safe to read while another goroutine writes
// to it (a log sink, a program's output).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Recorder counts Write calls, so tests can check that a writer hands its
// whole payload over at once.
type Recorder struct {
	Writes int
	Buf    strings.Builder
}

func (r *Recorder) Write(p []byte) (int, error) {
	r.Writes++
	return r.Buf.Write(p)
}

// FailWriter fails every Write.
type FailWriter struct{}

func (FailWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

// ShortWriter accepts one byte less than it is given.
type ShortWriter struct{}

func (ShortWriter) Write(p []byte) (int, error) { return max(len(p)-1, 0), nil }

// CheckWriteResult holds the invariants every writer of a payload promises:
// on error nothing was written and the error does not contain token (when
// token is 8 bytes or more); on success exactly one Write happened.
func CheckWriteResult(t *testing.T, name string, rec *Recorder, err error, token string) {
	t.Helper()
	if err != nil {
		if rec.Writes != 0 {
			t.Errorf("%s: error %q after %d writes (%q), want nothing written", name, err, rec.Writes, rec.Buf.String())
		}
		if len(token) >= 8 && strings.Contains(err.Error(), token) {
			t.Errorf("%s: error %q contains the token", name, err)
		}
		return
	}
	if rec.Writes != 1 {
		t.Errorf("%s: %d writes, want 1", name, rec.Writes)
	}
}
