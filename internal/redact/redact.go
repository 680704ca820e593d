// Package redact is nxcred's one rule for keeping a secret out of what it
// prints: a registry of the client secret, the keyring password and the
// tokens one call has seen, applied to every message and to every debug log
// line.
//
// Messages are built never to hold a secret; the registry is the second
// line. It replaces only values of at least MinLen bytes. A shorter value
// occurs by chance in ordinary words, host names and numbers (a secret "e" is
// in "cannot resolve"): replacing it would garble every message and show
// where the secret's letters are. Short values are kept out by construction
// instead, and text from outside (a server's reply), the one part of a
// message nxcred does not write, is checked with Holds and withheld whole
// when it holds a registered value of any length.
package redact

import (
	"net/url"
	"strings"
	"sync"
)

// MinLen is the shortest value Clean replaces.
const MinLen = 12

// Mark is what a removed value becomes.
const Mark = "[redacted]"

// Set is the registry of one call. The zero value is empty and ready; a nil
// *Set holds nothing. It is safe for concurrent use.
type Set struct {
	mu     sync.Mutex
	values []string
}

// Add registers values; empty ones are ignored.
func (s *Set) Add(values ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range values {
		if v != "" && !contains(s.values, v) {
			s.values = append(s.values, v)
		}
	}
}

func (s *Set) snapshot() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.values
}

// Clean returns text with every registered value of at least MinLen bytes
// replaced by Mark.
func (s *Set) Clean(text string) string { return Clean(text, s.snapshot()...) }

// Holds reports whether text holds a registered value, whatever its length.
func (s *Set) Holds(text string) bool { return Holds(text, s.snapshot()...) }

// Clean returns text with each of values of at least MinLen bytes replaced
// by Mark, as written and percent-encoded (as a secret travels in a Basic
// header or a form).
func Clean(text string, values ...string) string {
	// Until nothing changes: removing one value can join the text around it
	// into another. Each pass shrinks the text (a value is longer than
	// Mark), so this ends.
	for changed := true; changed; {
		changed = false
		for _, v := range values {
			if len(v) < MinLen {
				continue
			}
			for _, form := range forms(v) {
				if strings.Contains(text, form) {
					text = strings.ReplaceAll(text, form, Mark)
					changed = true
				}
			}
		}
	}
	return text
}

// Holds reports whether text holds one of values, whatever its length, as
// written or percent-encoded. Text from outside that does must not be shown.
func Holds(text string, values ...string) bool {
	for _, v := range values {
		if v == "" {
			continue
		}
		for _, form := range forms(v) {
			if strings.Contains(text, form) {
				return true
			}
		}
	}
	return false
}

// forms are the ways v appears in text: as written, and percent-encoded
// when that differs. The longer form goes first so that replacing it does
// not leave a piece of it behind.
func forms(v string) []string {
	q := url.QueryEscape(v)
	if q == v {
		return []string{v}
	}
	return []string{q, v}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
