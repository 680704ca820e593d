//go:build !windows

package serve

// runtimeHasModes: permission bits say who may read a file.
const runtimeHasModes = true
