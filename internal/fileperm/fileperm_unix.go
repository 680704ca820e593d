//go:build unix

package fileperm

import (
	"os"
	"syscall"
)

const modes = true

func of(fi os.FileInfo) State {
	s := State{
		OthersWrite: fi.Mode().Perm()&0o022 != 0,
		OthersRead:  fi.Mode().Perm()&0o044 != 0,
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ForeignOwner = int(st.Uid) != os.Geteuid()
	}
	return s
}
