package doctor

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// testRun is a run that prints to the returned buffer, with s's other
// fields as given.
func testRun(t *testing.T, s System) (*run, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	s.Out = &out
	return &run{ctx: context.Background(), s: s.withDefaults(), last: time.Now()}, &out
}
