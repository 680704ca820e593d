package redact

import (
	"net/url"
	"strings"
	"testing"
)

// A message as nxcred writes it, with the words a short secret would hit.
const message = "cannot resolve acme-login.eu.nexthink.invalid: no such host"

// TestCleanKeepsMessagesReadable: a one-letter and a five-letter secret leave
// a message exactly as it was (they are kept out of messages by
// construction, not by search and replace); a long one is removed whole,
// as written and percent-encoded.
func TestCleanKeepsMessagesReadable(t *testing.T) {
	const long = "S3cret-Value-9f1c/2e7a+DO-NOT-LEAK"
	var s Set
	s.Add("e", "acme-", long)
	if got := s.Clean(message); got != message {
		t.Errorf("Clean(%q) = %q, want it unchanged: short values are not searched for", message, got)
	}
	in := "endpoint echoed " + long + " and " + url.QueryEscape(long) + " in " + message
	want := "endpoint echoed [redacted] and [redacted] in " + message
	if got := s.Clean(in); got != want {
		t.Errorf("Clean(%q) = %q, want %q", in, got, want)
	}
}

// TestHolds: outside text is checked for values of any length.
func TestHolds(t *testing.T) {
	var s Set
	s.Add("e", "k3y%z")
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"resolve", true},
		{"bad k3y%z", true},
		{"bad " + url.QueryEscape("k3y%z"), true},
		{"a plain word", false},
		{"", false},
	} {
		if got := s.Holds(tt.text); got != tt.want {
			t.Errorf("Holds(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
	var none *Set
	if none.Holds("e") || none.Clean("e") != "e" {
		t.Errorf("a nil *Set holds something")
	}
	none.Add("x")
}

// TestCleanMinLen: the threshold is MinLen bytes, exactly.
func TestCleanMinLen(t *testing.T) {
	short, long := strings.Repeat("x", MinLen-1), strings.Repeat("y", MinLen)
	if got := Clean("a "+short+" b", short); got != "a "+short+" b" {
		t.Errorf("Clean with a %d-byte value = %q, want it unchanged", len(short), got)
	}
	if got := Clean("a "+long+" b", long); got != "a [redacted] b" {
		t.Errorf("Clean with a %d-byte value = %q, want it removed", len(long), got)
	}
}

// FuzzClean: whatever the text and value, no value of MinLen bytes or more
// survives Clean, and text without the value is returned unchanged.
func FuzzClean(f *testing.F) {
	f.Add("echo S3cret-Value-9f1c and S3cret-Value-9f1c", "S3cret-Value-9f1c")
	f.Add("[redacte[redacted]d]", "d][redacted][r")
	f.Add("a%2Bb+c", "a+b c d e f g h")
	f.Fuzz(func(t *testing.T, text, value string) {
		got := Clean(text, value)
		if len(value) >= MinLen && Holds(got, value) {
			t.Errorf("Clean(%q, %q) = %q, still holds the value", text, value, got)
		}
		if !Holds(text, value) && got != text {
			t.Errorf("Clean(%q, %q) = %q, changed text that does not hold the value", text, value, got)
		}
	})
}
