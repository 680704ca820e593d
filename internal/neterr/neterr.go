// Package neterr words socket errors the same way on every OS. Windows
// reports a refused connection as "connectex: No connection could be made
// because the target machine actively refused it." (WSAECONNREFUSED, which
// syscall.ECONNREFUSED does not match), Unix as "connect: connection
// refused"; messages, their documentation and the fixes chosen by error use
// the Unix words everywhere.
package neterr

import (
	"errors"
	"os"
	"syscall"
)

// Refused reports whether err is a refused connection: nothing listens at
// that address.
func Refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || wsaIs(err, wsaRefused)
}

// Errno is the text of the OS error inside err ("connection refused"), in
// Unix words for the Windows socket errors that have them.
func Errno(err error) string {
	if text, ok := wsaText(err); ok {
		return text
	}
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	return err.Error()
}

// Syscall is err with the name of the system call that failed
// ("connect: connection refused"), the Windows names given as their Unix
// counterparts.
func Syscall(err error) string {
	var se *os.SyscallError
	if !errors.As(err, &se) {
		return Errno(err)
	}
	name := se.Syscall
	switch name {
	case "connectex", "wsaconnect":
		name = "connect"
	case "wsarecv", "wsarecvfrom":
		name = "read"
	case "wsasend", "wsasendto":
		name = "write"
	}
	return name + ": " + Errno(se.Err)
}
