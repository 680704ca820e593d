package procid

import "golang.org/x/sys/unix"

// A Unix orphan is reparented: its parent PID always names a live
// ancestor.
const parentPIDOutlivesParent = false

func inspect(pid int) (Process, bool) {
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil || kp.Proc.P_pid != int32(pid) {
		return Process{}, false
	}
	tv := kp.Proc.P_starttime
	if tv.Sec <= 0 {
		return Process{}, false
	}
	// Microseconds since the epoch.
	start := uint64(tv.Sec)*1e6 + uint64(tv.Usec)
	return Process{PID: pid, Start: start, Name: unix.ByteSliceToString(kp.Proc.P_comm[:])}, true
}
