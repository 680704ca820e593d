package main

import (
	"os"

	"github.com/nxcred/nxcred/internal/keyring"
)

// keyringFlag is the --keyring the printed login line needs here: none
// where the OS keyring can be opened, else the backend login recommends on
// this machine (keyctl where the kernel allows it), so that the line works
// as printed on a headless machine, where login without a terminal to
// choose on would stop and ask for --keyring. A variable so tests choose.
var keyringFlag = func() string {
	opts := keyring.Options{PassDir: os.Getenv("PASSWORD_STORE_DIR")}
	if os.Getenv(keyring.EnvKeyringBackend) != "" {
		return "" // the user chose already; login records it
	}
	if k, err := keyring.New(opts); err == nil && k.Check() == nil {
		return ""
	}
	return " --keyring " + keyring.Offers(opts)[0].Backend
}
