//go:build !windows

package cli

import (
	"fmt"
	"os"
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

// exitCode is the status a shell would report for ps: the exit code, or
// 128 plus the signal that killed it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// userShell is the shell exec --serve runs when given no command.
func userShell(getenv func(string) string) string {
	if sh := getenv("SHELL"); sh != "" {
		return sh
	}
	return "/bin/sh"
}
