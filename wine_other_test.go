//go:build !windows

package main

// underWine is false: only a Windows binary runs under Wine.
func underWine() bool { return false }
