//go:build !linux

// Command bench is Linux-only: it reads /proc, drops binaries from the page
// cache with fadvise, and uses strace and GNU time. See main.go.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench: runs on Linux only (it reads /proc and uses fadvise, strace and GNU time)")
	os.Exit(1)
}
