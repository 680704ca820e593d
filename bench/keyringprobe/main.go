// Command keyringprobe is the keyring's own cost, for bench: a process that
// opens 99designs/keyring the way internal/keyring does (same backend,
// service, collection and folder) and reads one client secret, and nothing
// else. bench
// times it like nxcred and subtracts the hello-world floor; what remains is
// what any program pays to read a secret from that keyring, package init and
// D-Bus connection included.
//
//	keyringprobe -backend file -dir $XDG_DATA_HOME/nxcred/keyring ITEM
//
// ITEM is the keyring item's key (keyring.ItemKey: nxcred/<profile>@<digest>).
//
// It prints the in-process durations of Open and Get in microseconds and the
// length of the secret, never the secret.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/99designs/keyring"

	// As in nxcred: must run before keyring's init dials D-Bus.
	_ "github.com/nxcred/nxcred/internal/busenv"
)

func main() {
	backend := flag.String("backend", "file", "keyring backend")
	dir := flag.String("dir", "", "the file backend's folder")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: keyringprobe -backend B [-dir D] ITEM")
		os.Exit(2)
	}
	t0 := time.Now()
	ring, err := keyring.Open(keyring.Config{
		AllowedBackends:          []keyring.BackendType{keyring.BackendType(*backend)},
		ServiceName:              "nxcred",
		LibSecretCollectionName:  "login",
		KeychainTrustApplication: true,
		KeyCtlScope:              "user",
		FileDir:                  *dir,
		FilePasswordFunc:         keyring.FixedStringPrompt(os.Getenv("NXCRED_KEYRING_PASSWORD")),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyringprobe: open:", err)
		os.Exit(1)
	}
	t1 := time.Now()
	it, err := ring.Get(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "keyringprobe: get:", err)
		os.Exit(1)
	}
	t2 := time.Now()
	fmt.Printf("open_us=%d get_us=%d secret_len=%d\n", t1.Sub(t0).Microseconds(), t2.Sub(t1).Microseconds(), len(it.Data))
}
