package procid

import "golang.org/x/sys/windows"

// Windows keeps a process's parent PID after the parent exits, and may
// give that PID to a newer process.
const parentPIDOutlivesParent = true

func inspect(pid int) (Process, bool) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return Process{}, false
	}
	defer windows.CloseHandle(h)
	var created, exited, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(h, &created, &exited, &kernel, &user); err != nil {
		return Process{}, false
	}
	// 100-nanosecond intervals since 1601.
	start := uint64(created.HighDateTime)<<32 | uint64(created.LowDateTime)
	return Process{PID: pid, Start: start}, start != 0
}
