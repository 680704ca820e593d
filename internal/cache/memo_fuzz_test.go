package cache

import (
	"bytes"
	"crypto/sha256"
	"testing"
)

// FuzzParseMemo: the payload of a remembered-failure file never makes
// parseMemo panic or read past its end, and what memoPayload writes parses
// back to the same digest, message and hint.
func FuzzParseMemo(f *testing.F) {
	digest := sha256.Sum256([]byte("HTTPS_PROXY=http://proxy:3128"))
	f.Add(memoPayload(digest[:], "cannot reach token endpoint acme-login.eu.nexthink.cloud", "check the network"), "msg", "hint")
	f.Add("", "", "")
	f.Add(string(make([]byte, sha256.Size+3)), "\x00", "\xff")
	f.Add(string(digest[:])+"\xff\xff\xff\xff", "a", "")
	f.Fuzz(func(t *testing.T, payload, msg, hint string) {
		if d, m, h, ok := parseMemo(payload); ok && (len(d) != sha256.Size || len(m)+len(h)+sha256.Size+4 != len(payload)) {
			t.Fatalf("parseMemo(%q) = %x %q %q, want parts that add up to the payload", payload, d, m, h)
		}
		d, m, h, ok := parseMemo(memoPayload(digest[:], msg, hint))
		if !ok || !bytes.Equal(d, digest[:]) || m != msg || h != hint {
			t.Fatalf("parseMemo(memoPayload(%q, %q)) = %x %q %q %v, want them back", msg, hint, d, m, h, ok)
		}
	})
}
