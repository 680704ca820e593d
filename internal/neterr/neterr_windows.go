package neterr

import (
	"errors"
	"syscall"
)

// The Windows socket errors with a Unix counterpart.
const (
	wsaRefused     syscall.Errno = 10061 // WSAECONNREFUSED
	wsaReset       syscall.Errno = 10054 // WSAECONNRESET
	wsaAborted     syscall.Errno = 10053 // WSAECONNABORTED
	wsaTimedOut    syscall.Errno = 10060 // WSAETIMEDOUT
	wsaHostUnreach syscall.Errno = 10065 // WSAEHOSTUNREACH
	wsaNetUnreach  syscall.Errno = 10051 // WSAENETUNREACH
)

var wsaWords = map[syscall.Errno]string{
	wsaRefused:     "connection refused",
	wsaReset:       "connection reset by peer",
	wsaAborted:     "software caused connection abort",
	wsaTimedOut:    "connection timed out",
	wsaHostUnreach: "no route to host",
	wsaNetUnreach:  "network is unreachable",
}

func wsaIs(err error, code syscall.Errno) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && errno == code
}

func wsaText(err error) (string, bool) {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return "", false
	}
	text, ok := wsaWords[errno]
	return text, ok
}
