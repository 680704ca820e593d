//go:build !windows

package cli

import (
	"fmt"
	"os/exec"
	"syscall"
)

// runChild replaces nxcred with the command, so signals, the terminal and
// the exit status are the command's own.
func (a *app) runChild(args, env []string) error {
	path, err := exec.LookPath(args[0])
	if err != nil {
		a.fail(fmt.Errorf("exec: %s: command not found", args[0]))
		return &exitError{code: 127}
	}
	a.closeLog()
	err = syscall.Exec(path, args, env)
	return fmt.Errorf("exec %s: %w", args[0], err)
}
