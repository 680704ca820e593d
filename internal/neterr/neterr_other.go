//go:build !windows

package neterr

import "syscall"

const wsaRefused syscall.Errno = 0

func wsaIs(error, syscall.Errno) bool { return false }

func wsaText(error) (string, bool) { return "", false }
