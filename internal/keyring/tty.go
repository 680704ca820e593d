package keyring

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoTerminal means nxcred would have to ask a question and there is no
// terminal to ask it on. nxcred never waits on stdin for an answer: stdin
// belongs to the protocol (git, docker, Bazel) or to a pipe.
var ErrNoTerminal = errors.New("no terminal")

// ReadPassword shows prompt on the controlling terminal (never on stdout)
// and reads a line without echo.
func ReadPassword(prompt string) (string, error) {
	in, out, err := openTerminal()
	if err != nil {
		return "", ErrNoTerminal
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	fmt.Fprint(out, prompt)
	b, err := term.ReadPassword(int(in.Fd()))
	fmt.Fprintln(out)
	if err != nil {
		return "", fmt.Errorf("cannot read from the terminal: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func terminalFile(name string, flag int) (*os.File, error) {
	f, err := os.OpenFile(name, flag, 0)
	if err != nil {
		return nil, err
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, ErrNoTerminal
	}
	return f, nil
}
