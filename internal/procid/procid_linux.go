package procid

import (
	"strconv"
	"syscall"
)

// A Unix orphan is reparented: its parent PID always names a live
// ancestor.
const parentPIDOutlivesParent = false

// inspect reads /proc/<pid>/stat with bare system calls into an array on
// the stack: this runs on every kubectl cache hit, and os.File would add a
// heap buffer and the poller's calls to open, read and close.
func inspect(pid int) (Process, bool) {
	fd, err := syscall.Open("/proc/"+strconv.Itoa(pid)+"/stat", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return Process{}, false
	}
	defer syscall.Close(fd)
	var buf [maxStat + 1]byte
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil || m <= 0 {
			break
		}
		n += m
	}
	name, start, ok := parseStat(buf[:n])
	return Process{PID: pid, Start: start, Name: name}, ok
}
