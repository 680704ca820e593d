package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/adrg/xdg"
	"github.com/spf13/cobra"

	"github.com/nxcred/nxcred/internal/broker"
	"github.com/nxcred/nxcred/internal/childenv"
	"github.com/nxcred/nxcred/internal/clilog"
	"github.com/nxcred/nxcred/internal/hint"
	"github.com/nxcred/nxcred/internal/keyring"
	"github.com/nxcred/nxcred/internal/redact"
)

// app is what every command shares: standard streams, the environment, the
// folders, the debug log. Everything that reads the outside world goes
// through it, so commands are wiring and tests can swap the world.
type app struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	now    func() time.Time

	configPath string
	cacheDir   string
	keyringDir string

	verbose bool
	log     *slog.Logger
	logFile *os.File

	// secrets are the client secret, keyring password and tokens this call
	// has seen: every message and log line is cleaned by them.
	secrets *redact.Set

	// tokens is the token path (internal/broker) with this call's world.
	tokens *broker.Broker
}

// clock is the wall clock of a call. Only the test binary replaces it, so
// that scripts set the age of a cached token instead of sleeping.
var clock = time.Now

// Main is nxcred, of the given version ("" when built without one): it
// returns the exit status. It installs no signal
// handler: Ctrl-C and SIGTERM end nxcred at once, which is safe (cache writes
// are atomic renames, and the OS releases the profile lock with the process)
// and spares every call the ~0.4 ms that signal.NotifyContext costs at start
// (docs/performance.md). HideSecrets takes nxcred's secrets out of the
// process environment first, so that no process nxcred starts inherits them.
func Main(version string) int {
	buildVersion = version
	return run(context.Background(), os.Args, os.Stdin, os.Stdout, os.Stderr, childenv.HideSecrets())
}

// run is the whole program, with the outside world passed in.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) (code int) {
	a := &app{
		ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: clock,
		configPath: filepath.Join(xdgDir(getenv, "XDG_CONFIG_HOME", xdg.ConfigHome), "nxcred", "config.toml"),
		cacheDir:   filepath.Join(xdgDir(getenv, "XDG_CACHE_HOME", xdg.CacheHome), "nxcred"),
		keyringDir: filepath.Join(xdgDir(getenv, "XDG_DATA_HOME", xdg.DataHome), "nxcred", "keyring"),
		secrets:    &redact.Set{},
	}
	a.log = clilog.New(nil, nil)
	a.tokens = &broker.Broker{
		Getenv: getenv, ConfigPath: a.configPath, CacheDir: a.cacheDir, KeyringDir: a.keyringDir,
		Now: a.now, Log: a.log, Secrets: a.secrets,
		Warn: func(m string) { a.warnf("%s", m) }, Info: func(m string) { a.infof("%s", m) },
	}
	defer a.closeLog()
	defer func() {
		// A bug must not print a stack with values in it, nor exit 2.
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "nxcred: error: internal error: %s\n", a.scrub(fmt.Sprint(r)))
			fmt.Fprintf(stderr, "nxcred: hint: please report this at https://github.com/nxcred/nxcred/issues\n")
			code = 1
		}
	}()
	argv := dispatch(args)
	root := a.rootCommand(invokedCommand(argv))
	root.SetArgs(argv)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	return a.fail(err)
}

// dispatch maps the name nxcred was invoked as to a command: as
// git-credential-nxcred it speaks git's protocol, as docker-credential-nxcred
// docker's (whose clients also send --version and --help).
func dispatch(args []string) []string {
	rest := args[1:]
	switch commandName(args[0]) {
	case "git-credential-nxcred":
		return append([]string{"git"}, rest...)
	case "docker-credential-nxcred":
		if len(rest) == 1 {
			switch rest[0] {
			case "--version", "-v":
				rest = []string{"version"}
			case "--help", "-h":
				return []string{"docker", "--help"}
			}
		}
		return append([]string{"docker"}, rest...)
	}
	return rest
}

// commandName is the name a file runs as, the way dispatch reads argv[0]
// and configure reads nxcred's own path: its base name in lower case,
// without .exe.
func commandName(path string) string {
	return strings.TrimSuffix(strings.ToLower(filepath.Base(path)), ".exe")
}

// xdgDir is the XDG folder from the given environment when it names an
// absolute path (as adrg/xdg does on every OS), else adrg/xdg's default.
// Reading it through getenv keeps run hermetic for in-process tests.
func xdgDir(getenv func(string) string, name, def string) string {
	if v := getenv(name); filepath.IsAbs(v) {
		return v
	}
	return def
}

// exitError carries an exit status a protocol chose, with nothing to print.
type exitError struct{ code int }

func (e *exitError) Error() string { return "exit " + strconv.Itoa(e.code) }

// usageError is a command line mistake: exit status 2.
type usageError struct {
	err  error
	hint string
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }
func (e *usageError) Hint() string  { return e.hint }

func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// fail prints err as "nxcred: error: ..." and its hint as "nxcred: hint:
// ...", and returns the exit status: 2 for usage errors, 1 otherwise.
func (a *app) fail(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintf(a.stderr, "nxcred: error: %s\n", a.scrub(hint.OneLine(err.Error())))
	if text := hint.Of(err); text != "" {
		fmt.Fprintf(a.stderr, "nxcred: hint: %s\n", a.scrub(hint.OneLine(text)))
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "nxcred: warning: %s\n", a.scrub(fmt.Sprintf(format, args...)))
}

// scrub removes every secret and token this call has seen from a message,
// by package redact's rule. Messages are built never to hold them; this is
// the second line.
func (a *app) scrub(s string) string { return a.secrets.Clean(s) }

func (a *app) infof(format string, args ...any) {
	fmt.Fprintf(a.stderr, "nxcred: %s\n", a.scrub(fmt.Sprintf(format, args...)))
}

// hintf says what to do next, when nothing failed.
func (a *app) hintf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "nxcred: hint: %s\n", a.scrub(fmt.Sprintf(format, args...)))
}

// setupLog turns on debug logging for --verbose or NXCRED_DEBUG=1, to
// stderr or to NXCRED_LOG_FILE (created 0600).
func (a *app) setupLog() error {
	if !a.verbose && !truthy(a.getenv("NXCRED_DEBUG")) {
		return nil
	}
	var w io.Writer = a.stderr
	if path := a.getenv("NXCRED_LOG_FILE"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("cannot open NXCRED_LOG_FILE: %w", err)
		}
		a.logFile, w = f, f
	}
	a.log = clilog.New(w, a.secrets)
	a.tokens.Log = a.log
	return nil
}

func (a *app) closeLog() {
	if a.logFile != nil {
		a.logFile.Close()
	}
}

// redact keeps s out of the debug log and out of every message.
func (a *app) redact(s ...string) { a.secrets.Add(s...) }

func truthy(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// personCommands are the commands a person runs, which may ask on the
// terminal (the file keyring's password). The others (kubectl, git, docker,
// get, goauth) answer other programs and never touch it.
var personCommands = map[string]bool{"login": true, "logout": true, "token": true, "status": true, "doctor": true, "exec": true, "serve": true}

// topCommand is the name of cmd's command under the root: docker for
// nxcred docker get.
func topCommand(cmd *cobra.Command) string {
	for cmd.HasParent() && cmd.Parent().HasParent() {
		cmd = cmd.Parent()
	}
	return cmd.Name()
}

func (a *app) rootCommand(name string) *cobra.Command {
	root := &cobra.Command{
		Use:   "nxcred",
		Short: "Nexthink API tokens for kubectl, git, docker, Bazel, go and shell scripts",
		Long: `nxcred keeps a Nexthink API client secret in the OS keyring, fetches OAuth2
client-credentials tokens, caches them encrypted, and hands them to each client
in its own protocol. A cached token is used while more than a minute of its
life remains.`,
		Version:       version(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noArgs,
		// Runnable, so that an unknown command reaches noArgs (exit 2)
		// instead of cobra printing help and exiting 0.
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			// The terminal is looked for only when a prompt is needed
			// (ReadPassword says ErrNoTerminal), not on every call; and
			// never by a command that another program runs, whose user
			// may not be at that terminal, or may be, typing into
			// kubectl's or git's own prompt.
			if name := topCommand(cmd); personCommands[name] {
				a.tokens.Prompt = keyring.ReadPassword
			} else {
				a.tokens.NoPrompt = "nxcred " + name + ", which runs for another program, never asks on the terminal"
			}
			return a.setupLog()
		},
	}
	// Before the completion command is made: it keeps the writer it finds.
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	// SuggestionsFor, which noArgs uses, suggests nothing at 0.
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("{{nxcredVersion}}")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log each step and its duration to stderr (never a secret or token)")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{err: err, hint: "see: " + c.CommandPath() + " --help"}
	})
	commands := []struct {
		name string
		make func() *cobra.Command
	}{
		{"login", a.loginCommand}, {"logout", a.logoutCommand}, {"profiles", a.profilesCommand},
		{"status", a.statusCommand}, {"doctor", a.doctorCommand}, {"token", a.tokenCommand},
		{"exec", a.execCommand}, {"serve", a.serveCommand}, {"kubectl", a.kubectlCommand}, {"git", a.gitCommand},
		{"docker", a.dockerCommand}, {"get", a.bazelCommand}, {"goauth", a.goauthCommand},
		{"configure", a.configureCommand}, {"version", a.versionCommand},
	}
	// Every kubectl, git, docker and Bazel request starts nxcred afresh:
	// when the command is named, build only that one (help, completion and
	// mistakes get them all).
	for _, c := range commands {
		if c.name == name {
			root.AddCommand(c.make())
			return root
		}
	}
	for _, c := range commands {
		root.AddCommand(c.make())
	}
	completionCommand(root)
	return root
}

// completionCommand makes cobra's completion command, and its one command
// per shell, treat a shell they do not know, a missing one or an extra
// argument as the usage errors they are (exit 2, listing the shells),
// instead of printing help and exiting 0.
func completionCommand(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		var shells []string
		for _, sh := range c.Commands() {
			shells = append(shells, sh.Name())
			sh.Args = noArgs
		}
		list := strings.Join(shells, ", ")
		hint := "see: " + c.CommandPath() + " --help"
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &usageError{err: fmt.Errorf("completion needs a shell: %s", list), hint: hint}
			}
			return &usageError{err: fmt.Errorf("unknown shell %q: completion knows %s", args[0], list), hint: hint}
		}
	}
}

// invokedCommand is the command args name: the first argument that is not one
// of the root's own flags (-v, --verbose), or "".
func invokedCommand(args []string) string {
	for _, arg := range args {
		switch arg {
		case "-v", "--verbose":
			continue
		}
		if strings.HasPrefix(arg, "-") {
			return ""
		}
		return arg
	}
	return ""
}

// noArgs rejects positional arguments as a usage error; an unknown command
// gets the nearest one as a suggestion (cobra's SuggestionsFor: a prefix, or
// two edits away).
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		hint := "see: nxcred --help"
		if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
			hint = fmt.Sprintf("did you mean %q? %s", near[0], hint)
		}
		return &usageError{err: fmt.Errorf("unknown command %q", args[0]), hint: hint}
	}
	return &usageError{err: fmt.Errorf("%s takes no arguments", cmd.CommandPath()), hint: "see: " + cmd.CommandPath() + " --help"}
}

// profileFlag adds --profile with completion of the configured names.
func (a *app) profileFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVarP(p, "profile", "p", "", "profile to use (default: NXCRED_PROFILE, the environment profile, or the default profile)")
	cmd.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cfg, err := a.tokens.Config()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		return cfg.Names(), cobra.ShellCompDirectiveNoFileComp
	})
}
