// Package procid names a running process so that it cannot be mistaken for
// a later one that reuses its PID: the PID and the process's start time,
// and the name of the program it runs.
//
// Linux reads them from /proc, macOS from sysctl kern.proc.pid, Windows
// from GetProcessTimes (no name: Windows has no exec in place). Elsewhere a
// process cannot be named this way and Of reports false: a PID alone would
// be mistaken after reuse.
package procid

import (
	"os"
	"strconv"
)

// Process is one process as the OS describes it.
type Process struct {
	PID int
	// Start is when the process was created, in the OS's own unit; exec
	// keeps it.
	Start uint64
	// Name is the program the process runs now (Linux: comm, at most 15
	// bytes; macOS: p_comm), which exec changes; "" on Windows.
	Name string
}

// ID is "pid.start": it names the process, whatever it runs.
func (p Process) ID() string {
	return strconv.Itoa(p.PID) + "." + strconv.FormatUint(p.Start, 10)
}

// Of describes process pid. ok is false when the process does not exist,
// cannot be inspected, or the OS does not say when it started.
func Of(pid int) (p Process, ok bool) {
	if pid <= 0 {
		return Process{}, false
	}
	return inspect(pid)
}

// Parent describes the process that started this one. It reports false
// when that process is gone: on Unix its orphan was handed to PID 1 (or to
// a subreaper, an older ancestor, which is then reported: it did not start
// this process, but no reused PID is taken for it either); on Windows the
// parent PID is kept after the parent exits and may then belong to a newer
// process, which the start time gives away (it started after this one).
func Parent() (Process, bool) {
	ppid := os.Getppid()
	if ppid <= 1 {
		return Process{}, false
	}
	parent, ok := inspect(ppid)
	if !ok {
		return Process{}, false
	}
	if parentPIDOutlivesParent {
		if self, ok := inspect(os.Getpid()); !ok || parent.Start > self.Start {
			return Process{}, false
		}
	}
	return parent, true
}
