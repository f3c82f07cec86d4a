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
	"github.com/launchgate/launchgate/internal/checklist"
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
	// Outputs are extra reports written to files, as FORMAT=PATH.
	Outputs []string
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

The checklist is FILE, or -f FILE, or ./launchgate.yaml when present, or else the default
checklist embedded in launchgate, which checks what the environment points it at
(LAUNCHGATE_URL, DATABASE_URL, …) and skips the rest.`,
		Example: `  launchgate run
  launchgate run checklists/api.yaml
  launchgate run -f api.yaml --only tls,db --skip slow --format json`,
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
	addGateFlags(cmd, &opts.GateOptions)
	return cmd
}

func addGateFlags(cmd *cobra.Command, o *GateOptions) {
	cmd.Flags().StringVar(&o.Format, "format", "text", "output format: "+strings.Join(report.FormatNames(), ", "))
	cmd.Flags().BoolVar(&o.Strict, "strict", false, "warnings close the gate too")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 0, fmt.Sprintf("checks run at once (0: the default, %d here)", runner.DefaultConcurrency()))
	cmd.Flags().DurationVar(&o.Timeout, "timeout", 0, "overall deadline for the whole run, e.g. 2m (default none)")
	cmd.Flags().BoolVar(&o.FailFast, "fail-fast", false, "stop starting checks after the first blocking failure")
	cmd.Flags().StringArrayVar(&o.Outputs, "output", nil, "also write a report to a file, as FORMAT=PATH (repeatable), e.g. junit=gate.xml")
	_ = cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return report.FormatNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

func runRun(ctx context.Context, opts *RunOptions) error {
	app := opts.App
	if err := opts.validate(); err != nil {
		return err
	}
	cl, err := loadChecklist(app, opts.File)
	if err != nil {
		return cannotRun(err)
	}
	jobs, err := plan(cl, opts.Only, opts.Skip)
	if err != nil {
		return cannotRun(err)
	}
	return runGate(ctx, app, cl, jobs, opts.GateOptions)
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

// loadChecklist finds and loads the checklist: the named file, ./launchgate.yaml, or the
// embedded default.
func loadChecklist(app *App, file string) (*checklist.Checklist, error) {
	o := checklist.Options{Getenv: app.Getenv}
	if file != "" {
		return checklist.LoadFile(file, o)
	}
	local := filepath.Join(app.Dir, "launchgate.yaml")
	if _, err := os.Stat(local); err == nil {
		return checklist.LoadFile(local, o)
	}
	return checklist.Parse(checklists.DefaultName, checklists.Default(), o)
}

// plan applies --only and --skip. A value that matches no check id or tag is a mistake worth
// stopping for: a typo in --only would otherwise skip everything and open the gate.
func plan(cl *checklist.Checklist, only, skip []string) ([]runner.Job, error) {
	known := map[string]bool{}
	for _, e := range cl.Checks {
		known[e.ID] = true
		for _, t := range e.Tags {
			known[t] = true
		}
	}
	for flag, vals := range map[string][]string{"--only": only, "--skip": skip} {
		for _, v := range vals {
			if !known[v] {
				name := cl.Name
				if name == "" {
					name = cl.File
				}
				return nil, fmt.Errorf("%s %s: no check in %s has this id or tag", flag, v, name)
			}
		}
	}
	jobs := make([]runner.Job, len(cl.Checks))
	for i, e := range cl.Checks {
		jobs[i] = runner.Job{Entry: e}
		switch {
		case len(only) > 0 && !matches(e, only):
			jobs[i].SkipReason = "not selected by --only " + strings.Join(only, ",")
		case matches(e, skip):
			jobs[i].SkipReason = "skipped by --skip " + strings.Join(skip, ",")
		}
	}
	return jobs, nil
}

func matches(e *checklist.Entry, sel []string) bool {
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

// runGate runs the jobs, prints the report and turns a closed gate into exit code 1.
func runGate(ctx context.Context, app *App, cl *checklist.Checklist, jobs []runner.Job, o GateOptions) error {
	outs, err := openOutputs(o.Outputs)
	if err != nil {
		return cannotRun(err)
	}
	rep := runChecklist(ctx, app, cl, jobs, o, newProgress(app.IO, cl))

	f, _ := report.Lookup(o.Format)
	if err := f.New(report.Style{Color: colorEnabled(app)}).Write(app.IO.Out, rep); err != nil {
		closeOutputs(outs)
		return cannotRun(fmt.Errorf("writing the %s report: %w", o.Format, err))
	}
	if err := writeOutputs(app, rep, outs); err != nil {
		return cannotRun(err)
	}
	if rep.Verdict == report.Closed {
		return errGateClosed
	}
	return nil
}

// runChecklist runs the jobs and builds their report: run, check and serve all run a checklist
// through it. prog, when not nil, shows the checks still running.
func runChecklist(ctx context.Context, app *App, cl *checklist.Checklist, jobs []runner.Job, o GateOptions, prog *progress) *report.Report {
	if ctx == nil {
		ctx = context.Background()
	}
	env := app.Env()
	// Relative paths in a checklist (ca_file, a secrets path, a baseline) are relative to the
	// checklist's own file; for the embedded default and `check`, to the working directory.
	env.BaseDir = app.Dir
	if cl.File != "" && cl.File != checklists.DefaultName {
		env.BaseDir = filepath.Dir(cl.File)
	}
	rd := &redact.Redactor{}
	rd.Add(cl.Secrets...)
	started := app.Now()
	results := runner.Run(ctx, jobs, runner.Options{
		Env: env, Concurrency: o.Concurrency, Timeout: o.Timeout, FailFast: o.FailFast,
		OnStart: prog.start, OnDone: prog.done,
	})
	prog.finish()
	return report.Build(cl, results, report.Options{Strict: o.Strict, Version: version.Version,
		StartedAt: started, Duration: app.Now().Sub(started), Redactor: rd})
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

// output is a report file named by --output, opened before any check runs so that a path that
// cannot be written stops launchgate (exit 2) before it probes anything.
type output struct {
	format string
	file   *os.File
}

func openOutputs(outputs []string) ([]output, error) {
	var opened []output
	for _, out := range outputs {
		format, path, _ := strings.Cut(out, "=")
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			closeOutputs(opened)
			return nil, fmt.Errorf("--output %s: %w", out, unwrapPath(err))
		}
		opened = append(opened, output{format, f})
	}
	return opened, nil
}

func closeOutputs(outs []output) {
	for _, o := range outs {
		o.file.Close()
	}
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot write %s: %w", pe.Path, pe.Err)
	}
	return err
}

// writeOutputs writes the --output reports, and in GitHub Actions appends the markdown summary
// to $GITHUB_STEP_SUMMARY. A summary that cannot be written is a warning: it must not turn the
// gate's verdict into "could not run".
func writeOutputs(app *App, rep *report.Report, outs []output) error {
	for _, o := range outs {
		f, _ := report.Lookup(o.format)
		err := f.New(report.Style{}).Write(o.file, rep)
		if cerr := o.file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing the %s report to %s: %w", o.format, o.file.Name(), err)
		}
	}
	summary := app.Getenv("GITHUB_STEP_SUMMARY")
	md, ok := report.Lookup("markdown")
	if summary == "" || app.Getenv("GITHUB_ACTIONS") != "true" || !ok {
		return nil
	}
	f, err := os.OpenFile(summary, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		err = md.New(report.Style{}).Write(f, rep)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(app.IO.ErrOut, "launchgate: warning: could not append the summary to $GITHUB_STEP_SUMMARY: %v\n", unwrapPath(err))
	}
	return nil
}
