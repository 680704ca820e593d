package clilog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestHandler: one line per record in the nxcred: debug: form, attrs
// rendered readably, and registered secrets never written.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	log, h := New(&buf)
	h.Redact("s3cret-value", "tok-123456", "abc") // "abc" is too short to redact
	log.With("profile", "prod").Debug("token fetched", "took", 1234*time.Microsecond, "url", "https://x/y?s3cret-value", "note", "has space")
	log.Debug("leak", "token", "Bearer tok-123456", "short", "abc")
	got := buf.String()
	want := "nxcred: debug: token fetched profile=prod took=1.23ms url=https://x/y?[redacted] note=\"has space\"\n" +
		"nxcred: debug: leak token=\"Bearer [redacted]\" short=abc\n"
	if got != want {
		t.Errorf("log output =\n%s\nwant\n%s", got, want)
	}
}

// TestNewNil: no writer, no output and no panic, and Redact on the nil
// handler is a no-op.
func TestNewNil(t *testing.T) {
	log, h := New(nil)
	log.Debug("nothing", "k", "v")
	h.Redact("x")
	if log.Enabled(context.Background(), slog.LevelDebug) {
		t.Errorf("New(nil) logger is enabled, want it to discard")
	}
}

// TestRedactAfterWith: a secret registered after With still applies to the
// derived logger (they share the list).
func TestRedactAfterWith(t *testing.T) {
	var buf bytes.Buffer
	log, h := New(&buf)
	derived := log.With("a", "b")
	h.Redact("later-secret")
	derived.Debug("x", "v", "later-secret")
	if strings.Contains(buf.String(), "later-secret") {
		t.Errorf("log output %q holds a secret registered after With", buf.String())
	}
}
