// Package cli holds launchgate's commands. Each command has an options struct and a plain run
// function; errors become exit codes in exactly one place, Main.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/version"
)

// Exit codes, documented in README.md.
const (
	ExitOpen      = 0 // the gate is open
	ExitClosed    = 1 // a blocking check failed or errored
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
type App struct {
	IO     *IOStreams
	Getenv func(string) string
	// Env builds the environment checks run in.
	Env func() *check.Env
	Now func() time.Time
	// Dir is the working directory, where launchgate.yaml is looked for.
	Dir string
}

// System is the App of a real process.
func System() *App {
	return &App{
		IO: &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
			OutTTY: isTerminal(os.Stdout), ErrTTY: isTerminal(os.Stderr)},
		Getenv: os.Getenv,
		Env:    func() *check.Env { return check.DefaultEnv(version.Version) },
		Now:    time.Now,
		Dir:    ".",
	}
}

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
	err := root.Execute()
	if err == nil {
		return ExitOpen
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			// Errors quote what the user gave (a URL, a DSN): passwords in it must not be printed.
			fmt.Fprintln(app.IO.ErrOut, "launchgate: "+indentLines(redact.String(ee.err.Error())))
		}
		return ee.code
	}
	// Anything else comes from cobra: unknown commands and bad flags.
	fmt.Fprintln(app.IO.ErrOut, "launchgate: "+redact.String(err.Error()))
	fmt.Fprintln(app.IO.ErrOut, "run `launchgate --help` for usage")
	return ExitCannotRun
}

func indentLines(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return "\n  " + strings.ReplaceAll(s, "\n", "\n  ")
}

// NewRootCmd builds the command tree.
func NewRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "launchgate",
		Short: "Run a launch checklist against the live environment and open or close the gate",
		Long: `launchgate loads a YAML checklist, runs every check in it against the live environment
(endpoints, certificates, databases, caches, the repository) and prints a pass/fail gate.

Exit codes: 0 gate open, 1 gate closed, 2 launchgate could not run.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionString(),
	}
	root.SetOut(app.IO.Out)
	root.SetErr(app.IO.ErrOut)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cannotRun(err) })
	root.AddCommand(
		newCmdRun(app, nil),
		newCmdCheck(app, nil),
		newCmdValidate(app),
		newCmdChecks(app),
		newCmdExplain(app),
		newCmdInit(app),
		newCmdSecrets(app),
		newCmdVersion(app),
		newCmdSchema(app),
		newCmdServe(app),
	)
	return root
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
