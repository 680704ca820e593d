//go:build windows

package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// runChild runs the command and passes its exit status through. Windows has
// no exec(2); Ctrl-C reaches the child through the shared console, so nxcred
// only stops reacting to it while the child runs.
func (a *app) runChild(args, env []string) error {
	path, err := exec.LookPath(args[0])
	if err != nil {
		a.fail(fmt.Errorf("exec: %s: command not found", args[0]))
		return &exitError{code: 127}
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &exitError{code: ee.ExitCode()}
	}
	return err
}

// exitCode is the command's exit code.
func exitCode(ps *os.ProcessState) int { return ps.ExitCode() }

// userShell is the shell exec --serve runs when given no command.
func userShell(getenv func(string) string) string {
	if sh := getenv("ComSpec"); sh != "" {
		return sh
	}
	return "cmd.exe"
}
