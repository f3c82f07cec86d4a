package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/runner"
	"github.com/launchgate/launchgate/internal/serve"
)

// ServeOptions are the options of `launchgate serve`.
type ServeOptions struct {
	App          *App
	File         string
	Only         []string
	Skip         []string
	Listen       string
	Interval     time.Duration
	SlowInterval time.Duration
	LogFormat    string
	Strict       bool
	Concurrency  int
	Timeout      time.Duration
	Vars         VarOptions
}

// slowKinds are the kinds serve runs at most every --slow-interval: they read a repository's
// whole history rather than a live target, and their answer changes with commits, not minutes.
var slowKinds = map[string]bool{"secrets": true}

func newCmdServe(app *App) *cobra.Command {
	opts := &ServeOptions{App: app}
	cmd := &cobra.Command{
		Use:   "serve [FILE]",
		Short: "Run a checklist continuously and serve its gate, metrics and report over HTTP",
		Long: `Run the checklist now and then every --interval (jittered, never two runs at once), and
serve what the last run found:

  /metrics  Prometheus metrics: launchgate_check_status, launchgate_gate_open, …
  /gate     200 when the last run opened the gate; 503 when it closed it or before the first run
  /healthz  200 while the process serves (liveness only: never the gate)
  /report   the last run's JSON report
  /         the last run's report as a web page

Checks that send traffic or write run only when their entry sets serve: true; load tests never
do. Secrets scans run at most every --slow-interval. SIGTERM stops it gracefully.`,
		Example: `  launchgate serve launchgate.yaml --interval 1m
  launchgate serve --listen :9469 --log-format json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if opts.File != "" && opts.File != args[0] {
					return cannotRun(fmt.Errorf("give the checklist either as an argument or with -f, not both"))
				}
				opts.File = args[0]
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return runServe(ctx, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.File, "file", "f", "", "checklist file (default ./launchgate.yaml, else the embedded default)")
	f.StringSliceVar(&opts.Only, "only", nil, "run only the checks with these ids or tags (comma-separated)")
	f.StringSliceVar(&opts.Skip, "skip", nil, "skip the checks with these ids or tags (comma-separated)")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:9469", "address to serve on (:9469 for every interface)")
	f.DurationVar(&opts.Interval, "interval", time.Minute, "time from the end of one run to the start of the next (±10% jitter)")
	f.DurationVar(&opts.SlowInterval, "slow-interval", time.Hour, "run secrets scans at most this often")
	f.StringVar(&opts.LogFormat, "log-format", "text", "log format on stderr: text or json")
	f.BoolVar(&opts.Strict, "strict", false, "warnings close the gate too")
	f.IntVar(&opts.Concurrency, "concurrency", 0, fmt.Sprintf("checks run at once (0: the default, %d here)", runner.DefaultConcurrency()))
	f.DurationVar(&opts.Timeout, "timeout", 0, "deadline for each run, e.g. 2m (default none)")
	addVarFlags(cmd, &opts.Vars)
	return cmd
}

func (o *ServeOptions) validate() error {
	switch {
	case o.Interval <= 0:
		return cannotRun(fmt.Errorf("--interval must be positive"))
	case o.SlowInterval <= 0:
		return cannotRun(fmt.Errorf("--slow-interval must be positive"))
	case o.LogFormat != "text" && o.LogFormat != "json":
		return cannotRun(fmt.Errorf("unknown --log-format %q (choose from text, json)", o.LogFormat))
	case o.Concurrency < 0:
		return cannotRun(fmt.Errorf("--concurrency must be at least 1 (or 0 for the default)"))
	case o.Timeout < 0:
		return cannotRun(fmt.Errorf("--timeout must be positive"))
	}
	return nil
}

func runServe(ctx context.Context, opts *ServeOptions) error {
	app := opts.App
	if err := opts.validate(); err != nil {
		return err
	}
	cl, jobs, err := loadPlan(app, opts.File, opts.Vars, opts.Only, opts.Skip)
	if err != nil {
		return err
	}
	if err := refuseEffects(cl, jobs, opts.Interval); err != nil {
		return cannotRun(err)
	}
	slow := throttleSlow(jobs, opts.SlowInterval)
	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return cannotRun(fmt.Errorf("--listen %s: %w", opts.Listen, err))
	}
	logger := newLogger(app.IO.ErrOut, opts.LogFormat)
	logger.Info("loaded checklist", "checklist", checklistName(cl), "checks", len(cl.Checks), "slow", slow)
	gate := GateOptions{Strict: opts.Strict, Concurrency: opts.Concurrency, Timeout: opts.Timeout}
	srv := serve.New(serve.Options{
		Run:      func(ctx context.Context) *report.Report { return runChecklist(ctx, app, cl, jobs, gate, nil) },
		Interval: opts.Interval,
		Logger:   logger,
		Now:      app.Now,
	})
	if err := srv.Serve(ctx, ln); err != nil {
		return cannotRun(err)
	}
	return nil
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

func checklistName(cl *config.Checklist) string {
	if cl.Name != "" {
		return cl.Name
	}
	return cl.File
}

// refuseEffects names every check serve will not run each interval: load tests always, and
// checks that send traffic or write unless their entry says serve: true. A check that will not
// run anyway (--only, --skip, an unset needs_env variable) is not held against the checklist.
func refuseEffects(cl *config.Checklist, jobs []runner.Job, interval time.Duration) error {
	var refused []string
	for _, j := range jobs {
		e := j.Entry
		if j.SkipReason != "" || len(e.Missing) > 0 {
			continue
		}
		eff := kind.EffectsOf(e.Check)
		where := fmt.Sprintf("check %q (%s)", e.ID, e.Type)
		if e.Line > 0 {
			where = fmt.Sprintf("%s:%d: %s", cl.File, e.Line, where)
		}
		switch {
		case eff.Load:
			refused = append(refused, fmt.Sprintf("%s is a load test: serve never runs one, serve: true or not; leave it out with --skip %s", where, e.ID))
		case eff.Any() && !e.Serve:
			refused = append(refused, fmt.Sprintf("%s %s, and serve would do that every %s: set `serve: true` on it to allow that, or leave it out with --skip %s",
				where, eff.Words(), kind.FormatDuration(interval), e.ID))
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return errors.New("serve refuses checks that do more than read:\n" + strings.Join(refused, "\n"))
}

// throttleSlow makes the slow checks run at most once every period, and returns their ids.
func throttleSlow(jobs []runner.Job, period time.Duration) []string {
	var ids []string
	for _, j := range jobs {
		if e := j.Entry; slowKinds[e.Type] && j.SkipReason == "" && e.Check != nil {
			e.Check = serve.Throttle(e.Check, period)
			ids = append(ids, e.ID)
		}
	}
	return ids
}
