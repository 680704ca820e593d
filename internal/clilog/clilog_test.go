package clilog

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/nxcred/nxcred/internal/redact"
)

// TestHandler: one line per record in the nxcred: debug: form, attrs
// rendered readably, and registered secrets never written, by the shared
// rule: a short value leaves the words it happens to be in alone.
func TestHandler(t *testing.T) {
	var buf bytes.Buffer
	var secrets redact.Set
	log := New(&buf, &secrets)
	secrets.Add("s3cret-value", "tok-1234567890", "e") // "e" is kept out by construction
	log.With("profile", "prod").Debug("token fetched", "took", 1234*time.Microsecond, "url", "https://x/y?s3cret-value", "note", "has space")
	log.Debug("leak", "token", "Bearer tok-1234567890", "short", "e")
	got := buf.String()
	want := "nxcred: debug: token fetched profile=prod took=1.23ms url=https://x/y?[redacted] note=\"has space\"\n" +
		"nxcred: debug: leak token=\"Bearer [redacted]\" short=e\n"
	if got != want {
		t.Errorf("log output =\n%s\nwant\n%s", got, want)
	}
}

// TestNewNil: no writer, no output and no panic.
func TestNewNil(t *testing.T) {
	log := New(nil, nil)
	log.Debug("nothing", "k", "v")
	if log.Enabled(context.Background(), slog.LevelDebug) {
		t.Errorf("New(nil) logger is enabled, want it to discard")
	}
}

// TestRedactAfterWith: a secret registered after With still applies to the
// derived logger (they share the list).
func TestRedactAfterWith(t *testing.T) {
	var buf bytes.Buffer
	var secrets redact.Set
	log := New(&buf, &secrets)
	derived := log.With("a", "b")
	secrets.Add("later-secret")
	derived.Debug("x", "v", "later-secret")
	if strings.Contains(buf.String(), "later-secret") {
		t.Errorf("log output %q holds a secret registered after With", buf.String())
	}
}
