//go:build !windows

package keyring

import "os"

func openTerminal() (in, out *os.File, err error) {
	f, err := terminalFile("/dev/tty", os.O_RDWR)
	return f, f, err
}
