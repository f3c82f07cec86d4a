// Package runner runs the checks of a checklist: bounded concurrency, a deadline per check under
// an overall deadline, panic recovery, and results in checklist order whatever order they finish
// in. The runner owns time: a check that ignores its context still cannot hold the gate past its
// timeout plus a short grace.
package runner

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/checklist"
)

// Job is one check to run. A job with a SkipReason is reported as skipped without running.
type Job struct {
	Entry      *checklist.Entry
	SkipReason string
}

// Options controls a run.
type Options struct {
	Env *check.Env
	// Concurrency bounds how many checks run at once; DefaultConcurrency when 0.
	Concurrency int
	// Timeout is the overall deadline of the run; none when 0.
	Timeout time.Duration
	// FailFast stops starting checks after the first blocking failure or error.
	FailFast bool
	// Grace is how long past its deadline a check may take to return before the runner stops
	// waiting for it; DefaultGrace when 0.
	Grace time.Duration
	// OnStart and OnDone, when set, are called as checks start and finish (from the runner's
	// goroutines, never concurrently with each other).
	OnStart func(i int, e *checklist.Entry)
	OnDone  func(i int, e *checklist.Entry, r check.Result)
}

// Durations are measured with Env.Now, so that a fixed clock gives reproducible reports.

// DefaultGrace is how long the runner waits for a check that overran its deadline.
const DefaultGrace = 500 * time.Millisecond

// DefaultConcurrency is generous because checks spend their time waiting on the network, not on
// a CPU: 64 per CPU lets a 200-check gate finish in two rounds of its slowest checks.
func DefaultConcurrency() int {
	return 64 * runtime.NumCPU()
}

// Run runs every job and returns their results in job order.
func Run(ctx context.Context, jobs []Job, opts Options) []check.Result {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency()
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Env == nil {
		opts.Env = check.DefaultEnv("")
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()

	results := make([]check.Result, len(jobs))
	var (
		mu       sync.Mutex // serialises callbacks and the fail-fast state
		stopped  string     // why no further checks start (fail-fast)
		wg       sync.WaitGroup
		sem      = make(chan struct{}, opts.Concurrency)
		callback = func(f func()) {
			mu.Lock()
			defer mu.Unlock()
			f()
		}
	)
	for i, job := range jobs {
		if job.SkipReason != "" {
			results[i] = check.Result{Status: check.Skip, Summary: job.SkipReason}
			continue
		}
		if len(job.Entry.Missing) > 0 {
			results[i] = missingEnv(job.Entry.Missing)
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-runCtx.Done():
		}
		mu.Lock()
		why := stopped
		mu.Unlock()
		if why == "" && runCtx.Err() != nil {
			why = notStarted(ctx, opts.Timeout)
		}
		if why != "" {
			results[i] = check.Result{Status: check.Skip, Summary: why}
			if ctx.Err() != nil && opts.Timeout > 0 {
				results[i].Status = check.Error
				results[i].Remedy = "raise --timeout, or run fewer checks at once with --only"
			}
			continue
		}
		wg.Add(1)
		go func(i int, e *checklist.Entry) {
			defer wg.Done()
			defer func() { <-sem }()
			if opts.OnStart != nil {
				callback(func() { opts.OnStart(i, e) })
			}
			r := runOne(runCtx, e, opts)
			mu.Lock()
			if stopped != "" && runCtx.Err() != nil && r.Status == check.Error {
				r = check.Result{Status: check.Skip, Summary: stopped, Duration: r.Duration}
			}
			if opts.FailFast && stopped == "" && e.Severity == checklist.Block && (r.Status == check.Fail || r.Status == check.Error) {
				stopped = fmt.Sprintf("not run: --fail-fast stopped the gate after %q %s", e.ID, r.Status)
				stop()
			}
			results[i] = r
			if opts.OnDone != nil {
				opts.OnDone(i, e, r)
			}
			mu.Unlock()
		}(i, job.Entry)
	}
	wg.Wait()
	return results
}

func missingEnv(vars []string) check.Result {
	return check.Result{
		Status:  check.Skip,
		Summary: "not configured: set " + strings.Join(vars, ", ") + " to run this check",
		Remedy:  "export " + strings.Join(vars, "=… ") + "=… and run the gate again",
	}
}

func notStarted(ctx context.Context, overall time.Duration) string {
	if ctx.Err() != nil && overall > 0 {
		return fmt.Sprintf("not started: the overall --timeout of %s passed first", check.FormatDuration(overall))
	}
	return "not run: the gate was cancelled"
}

// runOne runs a check under its own deadline and converts panics and overruns into results.
func runOne(parent context.Context, e *checklist.Entry, opts Options) check.Result {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = checklist.DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	now := opts.Env.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	done := make(chan check.Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- check.Result{
					Status:  check.Error,
					Summary: fmt.Sprintf("the %s check crashed: %v", e.Type, p),
					Evidence: []check.Evidence{{Label: "stack", Observed: firstFrames(debug.Stack()),
						Status: check.Error}},
					Remedy: "this is a bug in launchgate's " + e.Type + " check: report it with this output",
				}
			}
		}()
		done <- e.Check.Run(ctx, opts.Env)
	}()
	// The hard stop: a check that ignores ctx is abandoned after its deadline plus grace.
	hard := time.NewTimer(time.Until(deadlineOf(ctx)) + opts.Grace)
	defer hard.Stop()
	var r check.Result
	select {
	case r = <-done:
	case <-hard.C:
		r = check.Result{
			Status:  check.Error,
			Summary: fmt.Sprintf("no result within the %s timeout: the check did not stop at its deadline", check.FormatDuration(timeout)),
			Remedy:  "the target is not answering; if it should, raise this check's timeout",
		}
		if parent.Err() != nil && opts.Timeout > 0 {
			r.Summary = fmt.Sprintf("stopped by the overall --timeout of %s", check.FormatDuration(opts.Timeout))
		}
	}
	r.Duration = now().Sub(start)
	if r.Status == check.Skip && r.Summary == "" {
		r.Summary = "skipped by the check"
	}
	if r.Summary == "" {
		r.Summary = r.Status.String()
	}
	if ctx.Err() != nil && r.Status == check.Error && parent.Err() != nil && opts.Timeout > 0 && !strings.Contains(r.Summary, "--timeout") {
		r.Summary += fmt.Sprintf(" (the overall --timeout of %s passed)", check.FormatDuration(opts.Timeout))
	}
	return r
}

func deadlineOf(ctx context.Context) time.Time {
	dl, _ := ctx.Deadline()
	return dl
}

// firstFrames keeps the panic's own frames, the part worth reporting.
func firstFrames(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	var keep []string
	for i := 0; i < len(lines); i++ {
		if strings.Contains(lines[i], "panic(") {
			keep = lines[i:]
			break
		}
	}
	if len(keep) > 9 {
		keep = keep[:9]
	}
	return strings.Join(keep, "\n")
}
