package keyring

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxAnswer bounds a line read from the terminal.
const maxAnswer = 256

// Choose shows text and a numbered list of choices on the controlling
// terminal (never on stdout or stdin) and returns the index of the one the
// person picks; an empty answer picks def. It asks at most three times,
// then fails. ErrNoTerminal means there is no terminal to ask on.
func Choose(text string, choices []string, def int) (int, error) {
	in, out, err := openTerminal()
	if err != nil {
		return 0, ErrNoTerminal
	}
	defer in.Close()
	if out != in {
		defer out.Close()
	}
	return choose(in, out, text, choices, def)
}

func choose(in io.Reader, out io.Writer, text string, choices []string, def int) (int, error) {
	fmt.Fprintln(out, text)
	for i, c := range choices {
		fmt.Fprintf(out, "  %d) %s\n", i+1, c)
	}
	r := bufio.NewReaderSize(io.LimitReader(in, 4*maxAnswer), maxAnswer)
	for range 3 {
		fmt.Fprintf(out, "Choice [%d]: ", def+1)
		line, err := r.ReadString('\n')
		answer := strings.TrimSpace(line)
		if err != nil && answer == "" {
			fmt.Fprintln(out)
			return 0, fmt.Errorf("no answer from the terminal: %w", err)
		}
		if answer == "" {
			return def, nil
		}
		if n, err := strconv.Atoi(answer); err == nil && n >= 1 && n <= len(choices) {
			return n - 1, nil
		}
		for i, c := range choices {
			if name, _, _ := strings.Cut(c, " "); name == answer {
				return i, nil
			}
		}
		fmt.Fprintf(out, "Answer a number from 1 to %d.\n", len(choices))
	}
	return 0, fmt.Errorf("no valid choice after three answers")
}
