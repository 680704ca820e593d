// Package wine tells whether this program is a Windows build running under
// Wine (the Windows lane, scripts/windows-lane.sh), so that tests can skip,
// by name and with the reason, what Wine cannot do.
package wine

// Running reports whether this is a Windows program running under Wine.
func Running() bool { return running() }
