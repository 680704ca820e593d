//go:build windows

package keyring

import "os"

func openTerminal() (in, out *os.File, err error) {
	in, err = terminalFile("CONIN$", os.O_RDWR)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
