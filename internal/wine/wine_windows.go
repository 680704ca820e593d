package wine

import (
	"sync"
	"syscall"
)

// running looks for wine_get_version, which Wine's ntdll.dll exports and
// Windows' does not.
var running = sync.OnceValue(func() bool {
	return syscall.NewLazyDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
})
