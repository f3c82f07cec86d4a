// Package cli holds launchgate's commands. Each command has an options struct and a plain run
// function; errors become exit codes in exactly one place, Main.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/version"
)

// Exit codes, documented in README.md. An interrupted gate exits 128 plus the signal's number,
// as shells do: 130 for SIGINT, 143 for SIGTERM.
const (
	ExitOpen      = 0 // the gate is open
	ExitClosed    = 1 // a blocking check failed or errored, or nothing was checked
	ExitCannotRun = 2 // bad flags, unreadable or invalid checklist
)

// IOStreams carries the standard streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// OutTTY and ErrTTY say whether stdout and stderr are terminals.
	OutTTY, ErrTTY bool
}

// App is everything a command takes from outside: streams, environment, clock, working dir.
// The process environment and the clock come from Env only, so that the CLI and the checks it
// runs can never see two different ones.
type App struct {
	IO *IOStreams
	// Env builds the environment checks run in; the CLI reads variables and the time from it.
	Env func() *kind.Env
	// Dir is the working directory, where launchgate.yaml is looked for.
	Dir string
	// Signals, when set, subscribes to the signals that interrupt a gate (SIGINT, SIGTERM) and
	// returns them with a function that unsubscribes. Without it a gate cannot be interrupted
	// gracefully.
	Signals func() (<-chan os.Signal, func())
}

// System is the App of a real process.
func System() *App {
	return &App{
		IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
			OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr)},
		Env: func() *kind.Env { return kind.DefaultEnv(version.Version) },
		Dir: ".",
		Signals: func() (<-chan os.Signal, func()) {
			c := make(chan os.Signal, 1)
			for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
				// A signal the parent ignores stays ignored: a shell script's background job
				// must not be stopped by the Ctrl-C meant for the job in the foreground.
				if !signal.Ignored(sig) {
					signal.Notify(c, sig)
				}
			}
			return c, func() { signal.Stop(c) }
		},
	}
}

// Getenv reads a variable of the environment checks see.
func (a *App) Getenv(k string) string { return a.Env().Getenv(k) }

// Now is the clock checks see.
func (a *App) Now() time.Time { return a.Env().Now() }

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// exitError carries an exit code; its message, if any, has already been printed or is printed
// by Main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

// cannotRun marks an error as "launchgate could not run" (exit 2).
func cannotRun(err error) error { return &exitError{code: ExitCannotRun, err: err} }

// errGateClosed is returned when the report has been printed and the gate is closed.
var errGateClosed = &exitError{code: ExitClosed}

// Main runs the command line and returns the exit code.
func Main(args []string, app *App) int {
	root := NewRootCmd(app)
	root.SetArgs(args)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return cannotRun(withParamHint(c, args, err)) })
	err := root.Execute()
	if err == nil {
		return ExitOpen
	}
	// Errors quote what the user gave (a URL, a DSN, a file name): passwords in it, and the
	// values of secret-looking variables, must not be printed, nor control characters.
	rd := redact.FromEnviron(os.Environ())
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(app.IO.ErrOut, "launchgate: "+report.Message(rd, ee.err.Error()))
		}
		return ee.code
	}
	// Anything else comes from cobra: unknown commands and bad flags.
	fmt.Fprintln(app.IO.ErrOut, "launchgate: "+report.Message(rd, err.Error()))
	fmt.Fprintln(app.IO.ErrOut, "run `launchgate --help` for usage")
	return ExitCannotRun
}

// NewRootCmd builds the command tree.
func NewRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "launchgate",
		Short: "Run a launch checklist against the live environment and open or close the gate",
		Long: `launchgate loads a YAML checklist, runs every check in it against the live environment
(endpoints, certificates, databases, caches, the repository) and prints a pass/fail gate.

Exit codes: 0 gate open, 1 gate closed (or nothing checked), 2 launchgate could not run,
130 or 143 interrupted by SIGINT or SIGTERM.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetOut(app.IO.Out)
	root.SetErr(app.IO.ErrOut)
	root.AddCommand(
		newCmdRun(app, nil),
		newCmdCheck(app, nil),
		newCmdValidate(app),
		newCmdChecks(app),
		newCmdExplain(app),
		newCmdInit(app),
		newCmdVersion(app),
		newCmdSchema(app),
		newCmdServe(app),
	)
	root.AddCommand(kindCommands(app)...)
	return root
}

// kindCommands gives each kind that brings subcommands (`secrets baseline`) its command,
// `launchgate KIND SUB`. What they return as an error means launchgate could not do it (exit 2).
func kindCommands(app *App) []*cobra.Command {
	var out []*cobra.Command
	for _, k := range kind.Kinds() {
		if k.Commands == nil {
			continue
		}
		env := kind.CommandEnv{Env: app.Env, Dir: app.Dir, ErrOut: app.IO.ErrOut}
		subs := k.Commands(env)
		var names []string
		for _, sub := range subs {
			names = append(names, sub.Name())
			if run := sub.RunE; run != nil {
				sub.RunE = func(cmd *cobra.Command, args []string) error {
					if err := run(cmd, args); err != nil {
						return cannotRun(err)
					}
					return nil
				}
			}
		}
		name := k.Name
		parent := &cobra.Command{
			Use:   name,
			Short: "Tools of the " + name + " check: " + strings.Join(names, ", "),
			Args:  cobra.ArbitraryArgs,
			// Without this, cobra answers an unknown subcommand with help and exit 0.
			RunE: func(cmd *cobra.Command, args []string) error {
				if len(args) > 0 {
					return cannotRun(fmt.Errorf("unknown command %q for \"launchgate %s\" (try: launchgate %s %s)", args[0], name, name, names[0]))
				}
				return cmd.Help()
			},
		}
		parent.AddCommand(subs...)
		out = append(out, parent)
	}
	return out
}

func versionString() string {
	s := version.Version
	if version.Commit != "" {
		s += " (" + version.Commit
		if version.Date != "" {
			s += ", " + version.Date
		}
		s += ")"
	}
	return s
}

func newCmdVersion(app *App) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print launchgate's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(app.IO.Out, "launchgate "+versionString())
			return nil
		},
	}
}
