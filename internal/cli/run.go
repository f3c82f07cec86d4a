package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/checklists"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/runner"
	"github.com/launchgate/launchgate/internal/version"
)

// GateOptions are the flags shared by run and check.
type GateOptions struct {
	Format      string
	Strict      bool
	Concurrency int
	Timeout     time.Duration
	FailFast    bool
	Verbose     bool
	// Outputs are extra reports written to files, as FORMAT=PATH.
	Outputs []string
	// AllowEmpty lets a run in which no check reached a verdict open the gate.
	AllowEmpty bool
	// FailOnSkip makes a check whose needs_env variables are unset close the gate.
	FailOnSkip bool
	// NoWaivers ignores the checklist's waivers.
	NoWaivers bool
	// Now, when set, is the time checks and waivers judge against.
	Now nowFlag
	// Vars are --vars and --var.
	Vars VarOptions
	// Wait retries the checks that read and have no retry: of their own, for this long (--wait).
	Wait time.Duration
}

// RunOptions are the options of `launchgate run`.
type RunOptions struct {
	App  *App
	File string
	Only []string
	Skip []string
	GateOptions
}

func newCmdRun(app *App, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{App: app}
	cmd := &cobra.Command{
		Use:   "run [FILE]",
		Short: "Run a checklist and open or close the gate",
		Long: `Run every check of a checklist and print the gate.

The checklist is FILE (- reads standard input), or -f FILE, or ./launchgate.yaml when present,
or else the default checklist embedded in launchgate, which checks what the environment points
it at (LAUNCHGATE_URL, DATABASE_URL, …) and skips the rest.

A run in which no check reached a verdict (every check skipped or filtered out) closes the gate
with NOTHING CHECKED, unless --allow-empty is given.`,
		Example: `  launchgate run
  launchgate run checklists/api.yaml
  launchgate run -f api.yaml --only tls,db --skip slow --format json
  launchgate run checklists/api.yaml --fail-on-skip
  launchgate run --vars envs/staging.yaml --var RELEASE=v1.4.2
  generate-checklist | launchgate run -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if opts.File != "" && opts.File != args[0] {
					return cannotRun(fmt.Errorf("give the checklist either as an argument or with -f, not both"))
				}
				opts.File = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "checklist file (default ./launchgate.yaml, else the embedded default)")
	cmd.Flags().StringSliceVar(&opts.Only, "only", nil, "run only the checks with these ids or tags (comma-separated)")
	cmd.Flags().StringSliceVar(&opts.Skip, "skip", nil, "skip the checks with these ids or tags (comma-separated)")
	cmd.Flags().BoolVar(&opts.FailOnSkip, "fail-on-skip", false, "a check skipped because its needs_env variables are unset closes the gate")
	cmd.Flags().BoolVar(&opts.NoWaivers, "no-waivers", false, "ignore the checklist's waivers: every failure counts (for release branches)")
	addGateFlags(cmd, &opts.GateOptions)
	return cmd
}

func addGateFlags(cmd *cobra.Command, o *GateOptions) {
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: "+strings.Join(report.FormatNames(), ", "))
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "warnings close the gate too")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 0, fmt.Sprintf("checks run at once (0: the default, %d here)", runner.DefaultConcurrency()))
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 0, "overall deadline for the whole run, e.g. 2m (default none)")
	cmd.Flags().BoolVar(&o.FailFast, "fail-fast", false, "stop starting checks after the first blocking failure")
	cmd.Flags().DurationVar(&o.Wait, "wait", 0, "re-run a failing check until it passes or this long has passed, e.g. 2m (checks that only read; retry: on a check overrides it)")
	cmd.Flags().BoolVar(&o.AllowEmpty, "allow-empty", false, "open the gate even when no check reached a verdict (all skipped or filtered out)")
	cmd.Flags().BoolVarP(&o.Verbose, "verbose", "v", false, "show the evidence of passing checks too")
	cmd.Flags().StringArrayVar(&o.Outputs, "output", nil, "also write a report to a file, as FORMAT=PATH (repeatable), e.g. junit=gate.xml")
	cmd.Flags().Var(&o.Now, "now", "judge as if it were this RFC 3339 time, e.g. 2026-12-04T16:00:00+01:00 (a dry run of deploy windows and waivers)")
	addVarFlags(cmd, &o.Vars)
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.FormatNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

func runRun(ctx context.Context, opts *RunOptions) error {
	app := opts.Now.app(opts.App)
	if err := opts.validate(); err != nil {
		return err
	}
	cl, jobs, err := loadPlan(app, opts.File, opts.Vars, opts.Only, opts.Skip)
	if err != nil {
		return err
	}
	return runGate(ctx, app, cl, jobs, opts.GateOptions)
}

// loadPlan loads the checklist and applies --only and --skip, as run and serve both do.
func loadPlan(app *App, file string, v VarOptions, only, skip []string) (*config.Checklist, []runner.Job, error) {
	cl, err := loadChecklist(app, file, v)
	if err != nil {
		return nil, nil, err
	}
	jobs, err := plan(cl, only, skip)
	if err != nil {
		return nil, nil, cannotRun(err)
	}
	return cl, jobs, nil
}

func (o *GateOptions) validate() error {
	if _, ok := report.Lookup(o.Format); !ok {
		return cannotRun(fmt.Errorf("unknown --format %q (choose from %s)", o.Format, strings.Join(report.FormatNames(), ", ")))
	}
	if o.Concurrency < 0 {
		return cannotRun(fmt.Errorf("--concurrency must be at least 1 (or 0 for the default)"))
	}
	if o.Timeout < 0 {
		return cannotRun(fmt.Errorf("--timeout must be positive"))
	}
	if o.Wait < 0 {
		return cannotRun(fmt.Errorf("--wait must be positive"))
	}
	for _, out := range o.Outputs {
		format, path, ok := strings.Cut(out, "=")
		if !ok || path == "" {
			return cannotRun(fmt.Errorf("--output %q: write FORMAT=PATH, e.g. junit=gate.xml", out))
		}
		if _, known := report.Lookup(format); !known {
			return cannotRun(fmt.Errorf("--output %q: unknown format %q (choose from %s)", out, format, strings.Join(report.FormatNames(), ", ")))
		}
	}
	return nil
}

// loadChecklist loads the checklist a command names (or ./launchgate.yaml, or the embedded
// default) with the variables given on its command line. Any error means launchgate cannot
// run (exit 2).
func loadChecklist(app *App, file string, v VarOptions) (*config.Checklist, error) {
	vars, err := v.layered()
	if err != nil {
		return nil, err
	}
	// Includes of a checklist read from standard input resolve against the working directory.
	o := config.Options{Getenv: app.Getenv, Vars: vars, Dir: app.Dir, Stdin: app.IO.In, Now: app.Now}
	var cl *config.Checklist
	switch local := filepath.Join(app.Dir, "launchgate.yaml"); {
	case file != "":
		cl, err = config.LoadFile(file, o)
	case fileExists(local):
		// LoadFile refuses what is not a regular file (a FIFO here would hang a plain read).
		cl, err = config.LoadFile(local, o)
	default:
		cl, err = config.Parse(checklists.DefaultName, checklists.Default(), o)
		if cl != nil {
			cl.Embedded = true
		}
	}
	if err != nil {
		return nil, cannotRun(err)
	}
	return cl, nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// plan applies --only and --skip. A value that matches no check id or tag is a mistake worth
// stopping for: a typo in --only would otherwise skip everything and open the gate.
func plan(cl *config.Checklist, only, skip []string) ([]runner.Job, error) {
	known := map[string]bool{}
	var names []string
	for _, e := range cl.Checks {
		for _, n := range append([]string{e.ID}, e.Tags...) {
			if !known[n] {
				known[n] = true
				names = append(names, n)
			}
		}
	}
	for _, sel := range []struct {
		flag string
		vals []string
	}{{"--only", only}, {"--skip", skip}} {
		for _, v := range sel.vals {
			if known[v] {
				continue
			}
			name := cl.Name
			if name == "" {
				name = cl.File
			}
			hint := ""
			if m := kind.Suggest(v, names); m != "" {
				hint = fmt.Sprintf(" (did you mean %q?)", m)
			}
			return nil, fmt.Errorf("%s %s: no check in %s has this id or tag%s", sel.flag, v, name, hint)
		}
	}
	// --only also runs what the selected checks need: a dependent would otherwise only ever
	// be skipped. --skip is obeyed even then, and the dependent is skipped because of it.
	selected := map[string]bool{}
	for _, e := range cl.Checks {
		selected[e.ID] = len(only) == 0 || matches(e, only)
	}
	because := cl.NeededBy(selected)
	jobs := make([]runner.Job, len(cl.Checks))
	for i, e := range cl.Checks {
		jobs[i] = runner.Job{Entry: e}
		switch {
		case matches(e, skip):
			jobs[i].SkipReason = "skipped by --skip " + strings.Join(skip, ",")
		case !selected[e.ID] && because[e.ID] == "":
			jobs[i].SkipReason = "not selected by --only " + strings.Join(only, ",")
		case !selected[e.ID]:
			jobs[i].Because = "run because " + because[e.ID] + " needs it"
		}
	}
	return jobs, nil
}

func matches(e *config.Entry, sel []string) bool {
	for _, s := range sel {
		if e.ID == s {
			return true
		}
		for _, t := range e.Tags {
			if t == s {
				return true
			}
		}
	}
	return false
}

// runGate runs the jobs, prints the report and turns a closed gate into exit code 1, and an
// interrupted one into 128 plus the signal's number.
func runGate(ctx context.Context, app *App, cl *config.Checklist, jobs []runner.Job, o GateOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	// Signals are caught before the --output files exist: from then on an interrupt still
	// writes every report.
	ctx, intr := catchInterrupts(ctx, app)
	defer intr.stop()
	outs, err := openOutputs(o.Outputs)
	if err != nil {
		return cannotRun(err)
	}
	rep := runChecklist(ctx, app, cl, jobs, o, newProgress(app.IO, cl))

	f, _ := report.Lookup(o.Format)
	style := report.Style{Color: colorEnabled(app), Verbose: o.Verbose, Width: report.TerminalWidth(app.IO.Out, app.IO.OutTTY, app.Getenv)}
	if err := f.New(style).Write(app.IO.Out, rep); err != nil {
		discardOutputs(outs)
		return cannotRun(fmt.Errorf("writing the %s report: %w", o.Format, err))
	}
	if err := writeOutputs(app, rep, outs); err != nil {
		return cannotRun(err)
	}
	switch {
	case intr.caught() != nil:
		return intr.exitError()
	case rep.NothingChecked:
		return &exitError{code: ExitClosed, err: errors.New("nothing was checked: every check was skipped or filtered out; " +
			"set what the skipped checks name, or pass --allow-empty to accept a run that verifies nothing")}
	case rep.Verdict == report.Closed:
		return errGateClosed
	}
	return nil
}

// runChecklist runs the jobs and builds their report: run, check and serve all run a checklist
// through it. prog, when not nil, shows the checks still running.
func runChecklist(ctx context.Context, app *App, cl *config.Checklist, jobs []runner.Job, o GateOptions, prog *progress) *report.Report {
	if ctx == nil {
		ctx = context.Background()
	}
	env := app.Env()
	// Relative paths in a checklist (ca_file, a secrets path, a baseline) are relative to the
	// checklist's own file; for the embedded default, standard input and `check`, to the
	// working directory.
	env.BaseDir = app.Dir
	if cl.Dir != "" {
		env.BaseDir = cl.Dir
	}
	// A load test names the traffic it is about to send, and may show its progress.
	env.Stderr, env.StderrTTY = app.IO.ErrOut, app.IO.ErrTTY
	rd := &redact.Redactor{}
	rd.Add(cl.Secrets...)
	// Checks that learn a secret while running (a token a flow captures) add it here, so that
	// every format masks it, not only the result of the check that captured it.
	ctx = redact.WithRunSet(ctx, rd)
	started := app.Now()
	out := runner.Run(ctx, waived(cl, jobs, started, o.NoWaivers), runner.Options{
		Env: env, Concurrency: o.Concurrency, Timeout: o.Timeout, FailFast: o.FailFast, Wait: o.Wait,
		FailOnMissingEnv: o.FailOnSkip, OnStart: prog.start, OnDone: prog.done,
	})
	prog.finish()
	rep := report.Build(cl, out.Results, report.Options{Strict: o.Strict, Version: version.Version,
		StartedAt: started, Duration: app.Now().Sub(started), Redactor: rd, NoWaivers: o.NoWaivers})
	// A gate that verified nothing is not open: every check skipped, filtered out or
	// interrupted before it started. A closed gate keeps its own banner and reasons.
	if out.Checked == 0 && !o.AllowEmpty && rep.Verdict == report.Open {
		rep.Verdict = report.Closed
		rep.NothingChecked = true
	}
	return rep
}

// waived marks the jobs a waiver covers in a run starting at now, so that the checks needing
// them run even if they fail. The caller's jobs are left as they are: serve runs them again,
// when a waiver may have ended.
func waived(cl *config.Checklist, jobs []runner.Job, now time.Time, noWaivers bool) []runner.Job {
	out := append([]runner.Job(nil), jobs...)
	for i := range out {
		w := cl.WaiverFor(out[i].Entry)
		out[i].Waived = !noWaivers && w != nil && w.ActiveAt(now)
	}
	return out
}

// colorEnabled follows the conventions: colour on a terminal; NO_COLOR turns it off;
// FORCE_COLOR or CLICOLOR_FORCE turn it on anywhere (NO_COLOR wins when both are set).
func colorEnabled(app *App) bool {
	if app.Getenv("NO_COLOR") != "" {
		return false
	}
	for _, v := range []string{"FORCE_COLOR", "CLICOLOR_FORCE"} {
		if s := app.Getenv(v); s != "" && s != "0" && s != "false" {
			return true
		}
	}
	return app.IO.OutTTY && app.Getenv("TERM") != "dumb"
}
