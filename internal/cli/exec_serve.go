package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/busenv"
)

// execServe runs args (or the user's shell) with a server beside it for as
// long as it runs, and passes its exit status through.
func (a *app) execServe(profile string, args []string) error {
	srv, r, err := a.startServer(profile, "127.0.0.1:0", execMinValid)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{userShell(a.getenv)}
	}
	c := a.credential(r.Token)
	env := childEnv(busenv.ChildEnv(os.Environ()))
	env = append(env, srv.Info().Env()...)
	env = append(env, "NEXTHINK_TOKEN="+c.Token, "NEXTHINK_TOKEN_EXPIRES_AT="+c.Expires.UTC().Format(time.RFC3339), broker.ExecMarker+"=1")
	ctx, stop := context.WithCancel(a.ctx)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	code, err := a.runBeside(args, env)
	stop()
	if serr := <-served; serr != nil {
		a.warnf("%v", serr)
	}
	if err != nil {
		return err
	}
	return &exitError{code: code}
}

// runBeside runs the command as a child and waits for it. Ctrl-C reaches
// the child from the terminal by itself, so nxcred ignores it; SIGTERM and
// SIGHUP sent to nxcred are passed on to the child, whose exit ends nxcred.
func (a *app) runBeside(args, env []string) (int, error) {
	path, err := exec.LookPath(args[0])
	if err != nil {
		a.fail(fmt.Errorf("exec: %s: command not found", args[0]))
		return 127, nil
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("exec %s: %w", args[0], err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s != os.Interrupt {
					cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, err
	}
	return exitCode(cmd.ProcessState), nil
}
