// Package host is nxcred's one grammar for host names: which names a
// profile may list (Validate, IsLabel) and the form a client's host is
// compared in (Normalize).
//
// One grammar, read two ways. A name nxcred is told to trust (an instance,
// a profile's extra host) must be a strict DNS name: labels of letters,
// digits and inner hyphens (RFC 1123). A name a client sends is read
// leniently, also allowing '_' and a hyphen at either end of a label, which
// exist in the wild: it is only compared with the trusted names, and since
// those are strict, a lenient name can equal one only if it is strict too.
// So the lenient reading never widens where a token goes; it only keeps a
// client's odd but harmless host a foreign host instead of an unreadable one.
package host

// Limits from RFC 1035 §2.3.4.
const (
	// MaxName is the longest host name, in bytes, without a trailing dot.
	MaxName = 253
	// MaxLabel is the longest label.
	MaxLabel = 63
)

// IsLabel reports whether s is a strict DNS label in lower case: 1-63 of
// [a-z0-9-], not starting or ending with '-'. Loops rather than regexps,
// whose compilation would cost every start of nxcred.
func IsLabel(s string) bool { return isLabel(s, false) }

// isLabel reports whether s is a label: strict, or lenient (also '_', and
// '-' at either end).
func isLabel(s string, lenient bool) bool {
	if len(s) == 0 || len(s) > MaxLabel {
		return false
	}
	if !lenient && (s[0] == '-' || s[len(s)-1] == '-') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || lenient && c == '_') {
			return false
		}
	}
	return true
}

// isName reports whether h (lower case, no trailing dot) is 1 to MaxName
// bytes of dot-separated labels, strict or lenient.
func isName(h string, lenient bool) bool {
	if h == "" || len(h) > MaxName {
		return false
	}
	for {
		label, rest, more := cut(h, '.')
		if !isLabel(label, lenient) {
			return false
		}
		if !more {
			return true
		}
		h = rest
	}
}

// cut is strings.Cut on one byte.
func cut(s string, sep byte) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
