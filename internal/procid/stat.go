package procid

import (
	"bytes"
	"strconv"
)

// maxStat bounds what is read of /proc/<pid>/stat: 52 numbers and a
// command name of at most 64 bytes fit well inside it.
const maxStat = 4096

// parseStat reads a Linux /proc/<pid>/stat line (proc(5)): field 2, the
// command name, and field 22, starttime (clock ticks from boot to the
// process's creation). The name is in parentheses and may itself hold
// spaces and parentheses, so it ends at the last ')' and the other fields
// are counted after it.
func parseStat(data []byte) (name string, start uint64, ok bool) {
	if len(data) > maxStat {
		return "", 0, false
	}
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	// After the name come field 3 (state) onwards; starttime is the 20th.
	fields := bytes.Fields(data[end+1:])
	const starttime = 22 - 3
	if len(fields) <= starttime {
		return "", 0, false
	}
	v, err := strconv.ParseUint(string(fields[starttime]), 10, 64)
	if err != nil {
		return "", 0, false
	}
	return string(data[open+1 : end]), v, true
}
