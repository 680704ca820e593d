//go:build windows

package main

import (
	"sync"
	"syscall"
)

// underWine reports whether this Windows test binary runs under Wine (the
// Windows lane, scripts/windows-lane.sh), whose ntdll.dll exports
// wine_get_version. Tests that need what Wine lacks skip by name there.
var underWine = sync.OnceValue(func() bool {
	return syscall.NewLazyDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})
