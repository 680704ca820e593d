package keyring

import (
	"bytes"
	"strings"
	"testing"
)

// TestChoose: an empty answer takes the default, a number or a backend's
// name picks it, a wrong answer is asked again, and three wrong answers or
// the end of input are an error, never a choice.
func TestChoose(t *testing.T) {
	choices := []string{"keyctl  no password", "pass  gpg", "file  a password"}
	for _, tt := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"\n", 0, true},
		{"2\n", 1, true},
		{"file\n", 2, true},
		{" 3 \r\n", 2, true},
		{"9\nx\n1\n", 0, true},
		{"9\nx\n0\n1\n", 0, false},
		{"", 0, false},
		{"pass", 1, true},
	} {
		var out bytes.Buffer
		got, err := choose(strings.NewReader(tt.in), &out, "Where?", choices, 0)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("choose(%q) = %d, %v; want %d (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
		if !strings.Contains(out.String(), "  3) file  a password\n") {
			t.Errorf("choose(%q) showed %q", tt.in, out.String())
		}
	}
}

// FuzzChoose: any terminal input gives an index in range or an error, and
// reading stops within its bound.
func FuzzChoose(f *testing.F) {
	for _, s := range []string{"\n", "2\n", "file\n", "9\nx\n1\n", strings.Repeat("7", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := strings.NewReader(in)
		got, err := choose(r, &bytes.Buffer{}, "Where?", []string{"keyctl x", "file y"}, 1)
		if err == nil && (got < 0 || got > 1) {
			t.Fatalf("choose(%q) = %d", in, got)
		}
		if read := len(in) - r.Len(); read > 4*maxAnswer {
			t.Fatalf("choose read %d bytes, bound %d", read, 4*maxAnswer)
		}
	})
}
