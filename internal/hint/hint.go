// Package hint is nxcred's one way for an error to say what to do next:
// every message prints as "nxcred: error: ..." and, when the error carries
// one, "nxcred: hint: ...".
package hint

import "errors"

// Hinter is an error that knows what the user should do about it.
type Hinter interface {
	error
	Hint() string
}

// Of returns the hint of the first error in err's chain that has one, or "".
func Of(err error) string {
	var h Hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// Error is an error with a hint to print after it.
type Error struct {
	Err  error
	Text string
}

// Wrap returns err with hint text to print after it.
func Wrap(err error, text string) error { return &Error{Err: err, Text: text} }

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Hint tells the user what to do.
func (e *Error) Hint() string { return e.Text }
