package hint

import "testing"

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "",
		"plain":                       "plain",
		"  two\n lines\r\n\tand tab ": "two lines and tab",
		"forged\nnxcred: hint: x":     "forged nxcred: hint: x",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
