package hint

import "strings"

// OneLine folds a message or hint onto one line: every run of white space,
// newlines included, becomes one space. What an error says then cannot
// break the "nxcred: error: ..." line or forge another one.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
