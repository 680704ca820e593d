// Command relpack writes a release archive whose bytes depend only on the
// files put in it: entries sorted by name, one fixed time, owner 0:0, modes
// 0755 or 0644, and no name, time or extra field in the gzip header. The same
// files give the same archive on any machine and in any folder, which tar and
// zip do not promise (their flags for it differ between GNU, BSD and macOS).
// scripts/release.sh runs it:
//
//	relpack -o OUT.tar.gz|OUT.zip -mtime UNIX_SECONDS NAME=FILE... NAME@TARGET...
//
// NAME=FILE puts FILE's bytes under NAME, executable when FILE has any x bit;
// NAME@TARGET is a symbolic link (tar only). Parent folders are added.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	out := flag.String("o", "", "the archive to write: .tar.gz or .zip")
	mtime := flag.Int64("mtime", 0, "the time of every entry, in Unix seconds (SOURCE_DATE_EPOCH)")
	flag.Parse()
	if err := run(*out, time.Unix(*mtime, 0).UTC(), flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "relpack: error:", err)
		os.Exit(1)
	}
}
