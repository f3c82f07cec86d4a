// Package runner runs the checks of a checklist: bounded concurrency, a deadline per check under
// an overall deadline, panic recovery, and results in checklist order whatever order they finish
// in. The runner owns time: a check that ignores its context still cannot hold the gate past its
// timeout (or an interrupt) plus a short grace.
package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// Job is one check to run. A job with a SkipReason (filtered out) or whose entry misses
// needs_env variables does not run: notRun is the one place that decides what it reports.
type Job struct {
	Entry      *config.Entry
	SkipReason string
	// Because says why a check not selected runs anyway ("run because api-flow needs it"); the
	// result's summary ends with it.
	Because string
}

// Result is a check's result with the entry it belongs to, so that nothing downstream pairs
// them by position.
type Result struct {
	Entry *config.Entry
	kind.Result
}

// Options controls a run.
type Options struct {
	Env *kind.Env
	// Concurrency bounds how many checks run at once; DefaultConcurrency when 0.
	Concurrency int
	// Timeout is the overall deadline of the run; none when 0.
	Timeout time.Duration
	// FailFast stops starting checks after the first blocking failure or error.
	FailFast bool
	// FailOnMissingEnv makes a check whose needs_env variables are unset an error instead of a
	// skip (--fail-on-skip), for pipelines where a missing variable must not pass unnoticed.
	FailOnMissingEnv bool
	// Grace is how long a check may take to return once its context is done (its deadline, the
	// overall timeout, or the caller's cancel) before the runner stops waiting for it;
	// DefaultGrace when 0.
	Grace time.Duration
	// OnStart and OnDone, when set, are called as checks start and finish (from the runner's
	// goroutines, never concurrently with each other).
	OnStart func(i int, e *config.Entry)
	OnDone  func(i int, e *config.Entry, r kind.Result)
}

// Durations are measured with Env.Now, so that a fixed clock gives reproducible reports.

// DefaultGrace is how long the runner waits for a check whose context is done.
const DefaultGrace = 500 * time.Millisecond

// DefaultConcurrency is generous because checks spend their time waiting on the network, not on
// a CPU: 64 per CPU lets a 200-check gate finish in two rounds of its slowest checks.
func DefaultConcurrency() int {
	return 64 * runtime.NumCPU()
}

// Outcome is what a run found.
type Outcome struct {
	// Results are in job order.
	Results []Result
	// Checked counts the checks that looked at their target and reached a verdict. When it is
	// 0, nothing was verified, whatever the individual statuses say.
	Checked int
	// Interrupted says the caller cancelled the run (a signal) while checks were still to run
	// or running; those are reported as interrupted or not started.
	Interrupted bool
}

// Looked reports whether a status can only come from a check that looked at its target: pass,
// warn and fail (a waived status would join them). A skip did not run and an error could not
// decide: neither verified anything.
func Looked(s kind.Status) bool {
	return s == kind.Pass || s == kind.Warn || s == kind.Fail
}

// errFailFast is why the runner itself cancels the checks still running under --fail-fast.
var errFailFast = errors.New("stopped by --fail-fast")

// run is one Run in progress.
type run struct {
	opts Options
	// ctx is the caller's context under the overall timeout; runCtx is ctx, also cancelled by
	// fail-fast.
	ctx, runCtx context.Context
}

// interrupted reports whether the caller cancelled the run: its context is done, and neither
// by the overall timeout nor by a deadline of the caller's own.
func (x *run) interrupted() bool {
	return x.ctx.Err() != nil && !errors.Is(context.Cause(x.ctx), context.DeadlineExceeded)
}

func (x *run) overallTimeoutPassed() bool {
	return x.opts.Timeout > 0 && errors.Is(context.Cause(x.ctx), context.DeadlineExceeded)
}

// Run runs every job and returns their results in job order.
func Run(ctx context.Context, jobs []Job, opts Options) Outcome {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency()
	}
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Env == nil {
		opts.Env = kind.DefaultEnv("")
	}
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	x := &run{opts: opts, ctx: ctx, runCtx: runCtx}

	results := make([]kind.Result, len(jobs))
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
	// done[i] is closed once results[i] is final: checks that need job i wait on it.
	done := make([]chan struct{}, len(jobs))
	index := map[string]int{}
	for i, job := range jobs {
		done[i] = make(chan struct{})
		index[job.Entry.ID] = i
	}
	finish := func(i int, r kind.Result) {
		results[i] = r
		close(done[i])
	}
	// admit waits for a slot; without one (the run is over) it says why the check cannot start.
	admit := func() (string, bool) {
		got := false
		select {
		case sem <- struct{}{}:
			got = true
		case <-runCtx.Done():
		}
		mu.Lock()
		why := stopped
		mu.Unlock()
		if why == "" && runCtx.Err() != nil {
			why = x.notStarted()
		}
		if why != "" && got {
			<-sem
		}
		return why, why == ""
	}
	// runJob runs job i in the slot admit gave it.
	runJob := func(i int) {
		defer func() { <-sem }()
		e := jobs[i].Entry
		if opts.OnStart != nil {
			callback(func() { opts.OnStart(i, e) })
		}
		r := x.runOne(e)
		if b := jobs[i].Because; b != "" {
			r.Summary += " (" + b + ")"
		}
		mu.Lock()
		defer mu.Unlock()
		if stopped != "" && errors.Is(context.Cause(runCtx), errFailFast) && r.Status == kind.Error {
			r = kind.Result{Status: kind.Skip, Summary: stopped, Duration: r.Duration}
		}
		if opts.FailFast && stopped == "" && closes(e.GateStatus(r.Status)) {
			stopped = fmt.Sprintf("not run: --fail-fast stopped the gate after %q %s", e.ID, r.Status)
			stop(errFailFast)
		}
		finish(i, r)
		if opts.OnDone != nil {
			opts.OnDone(i, e, r)
		}
	}
	start := func(i int) {
		if why, ok := admit(); !ok {
			finish(i, x.notStartedResult(why))
			return
		}
		runJob(i)
	}
	for i, job := range jobs {
		if r, skipped := notRun(job, opts.FailOnMissingEnv); skipped {
			finish(i, r)
			continue
		}
		wg.Add(1)
		if len(job.Entry.Needs) == 0 {
			// Independent checks take their slots in checklist order.
			why, ok := admit()
			go func(i int) {
				defer wg.Done()
				if !ok {
					finish(i, x.notStartedResult(why))
					return
				}
				runJob(i)
			}(i)
			continue
		}
		// A dependent starts as soon as its needs are decided, holding no slot while it waits.
		go func(i int) {
			defer wg.Done()
			for _, id := range jobs[i].Entry.Needs {
				if k, ok := index[id]; ok {
					<-done[k]
				}
			}
			if r, blocked := needsVerdict(jobs, results, index, jobs[i].Entry); blocked {
				mu.Lock()
				defer mu.Unlock()
				finish(i, r)
				if opts.OnDone != nil {
					opts.OnDone(i, jobs[i].Entry, r)
				}
				return
			}
			start(i)
		}(i)
	}
	wg.Wait()
	out := Outcome{Results: make([]Result, len(jobs))}
	for i, r := range results {
		out.Results[i] = Result{Entry: jobs[i].Entry, Result: r}
		if Looked(r.Status) {
			out.Checked++
		}
	}
	out.Interrupted = x.interrupted()
	return out
}

// envFor is the environment e runs in: relative paths resolve against the directory of the file
// that declares it, which for a check from an included file is not the checklist's own.
func envFor(env *kind.Env, e *config.Entry) *kind.Env {
	if e.Dir == "" || e.Dir == env.BaseDir {
		return env
	}
	own := *env
	own.BaseDir = e.Dir
	return &own
}

// closes reports whether a gate status stops a --fail-fast run (warnings never do).
func closes(s kind.Status) bool { return s == kind.Fail || s == kind.Error }

// notRun is the result of a job that does not run, and whether it is one: filtered out by
// --only/--skip, or not configured (needs_env variables unset).
func notRun(job Job, failOnMissing bool) (kind.Result, bool) {
	switch {
	case job.SkipReason != "":
		return kind.Result{Status: kind.Skip, Summary: job.SkipReason}, true
	case len(job.Entry.Missing) > 0:
		return missingEnv(job.Entry.Missing, failOnMissing), true
	}
	return kind.Result{}, false
}

func missingEnv(vars []string, fail bool) kind.Result {
	r := kind.Result{
		Status:  kind.Skip,
		Summary: "not configured: set " + strings.Join(vars, ", ") + " to run this check",
		Remedy:  "export " + strings.Join(vars, "=… ") + "=… and run the gate again",
	}
	if fail {
		r.Status = kind.Error
		r.Summary = "not configured: " + strings.Join(vars, ", ") + " unset and --fail-on-skip given"
	}
	return r
}

// notStartedResult is the result of a check that never got to start.
func (x *run) notStartedResult(why string) kind.Result {
	r := kind.Result{Status: kind.Skip, Summary: why}
	if x.overallTimeoutPassed() {
		r.Status = kind.Error
		r.Remedy = "raise --timeout, or run fewer checks at once with --only"
	}
	return r
}

// needsVerdict decides a check whose needs are all decided: blocked when one of them failed,
// errored or was blocked itself (the gate stays closed, by the cause), skipped when one was
// skipped, and otherwise free to run (false).
func needsVerdict(jobs []Job, results []kind.Result, index map[string]int, e *config.Entry) (kind.Result, bool) {
	var failed, skipped []string
	for _, id := range e.Needs {
		k, ok := index[id]
		if !ok {
			continue
		}
		switch st := jobs[k].Entry.GateStatus(results[k].Status); {
		case st == kind.Blocked:
			failed = append(failed, id+" was blocked")
		case st.Closes():
			failed = append(failed, id+" "+map[kind.Status]string{kind.Fail: "failed", kind.Error: "errored"}[st])
		case st == kind.Skip:
			skipped = append(skipped, id)
		}
	}
	switch {
	case len(failed) > 0:
		return kind.Result{Status: kind.Blocked, Summary: "not run: " + strings.Join(failed, ", "),
			Remedy: "fix what " + e.ID + " needs first; its own result follows"}, true
	case len(skipped) > 0:
		return kind.Result{Status: kind.Skip, Summary: "not run: " + strings.Join(skipped, ", ") + " " +
			kind.Plural(len(skipped), "was", "were") + " skipped"}, true
	}
	return kind.Result{}, false
}

func (x *run) notStarted() string {
	switch {
	case x.overallTimeoutPassed():
		return fmt.Sprintf("not started: the overall --timeout of %s passed first", kind.FormatDuration(x.opts.Timeout))
	case x.interrupted():
		return "not started: interrupted"
	}
	return "not run: the gate was cancelled"
}

// runOne runs a check under its own deadline and turns panics, overruns, interrupts and results
// nobody can read into results that say so.
func (x *run) runOne(e *config.Entry) kind.Result {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = config.DefaultTimeout
	}
	ctx, cancel := kind.WithTimeout(x.runCtx, timeout)
	defer cancel()
	now := x.opts.Env.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	done := make(chan kind.Result, 1)
	go func() {
		returned := false
		defer func() {
			if !returned {
				done <- crashed(e, recover())
			}
		}()
		r := e.Check.Run(ctx, envFor(x.opts.Env, e))
		returned = true
		done <- r
	}()
	var r kind.Result
	abandoned := false
	select {
	case r = <-done:
	case <-ctx.Done():
		// A check that honours its context returns at once; one that does not is abandoned
		// after the grace, so that no check holds the gate past its deadline, the overall
		// timeout or an interrupt.
		grace := time.NewTimer(x.opts.Grace)
		select {
		case r = <-done:
		case <-grace.C:
			abandoned = true
		}
		grace.Stop()
	}
	duration := now().Sub(start)
	switch {
	case x.interrupted():
		r = interruptedResult(r, abandoned)
	case abandoned && x.overallTimeoutPassed():
		r = kind.Result{Status: kind.Error,
			Summary: fmt.Sprintf("stopped by the overall --timeout of %s", kind.FormatDuration(x.opts.Timeout)),
			Remedy:  "the target is not answering; if it should, raise this check's timeout"}
	case abandoned:
		r = kind.Result{Status: kind.Error,
			Summary: fmt.Sprintf("no result within the %s timeout: the check did not stop at its deadline", kind.FormatDuration(timeout)),
			Remedy:  "the target is not answering; if it should, raise this check's timeout"}
	default:
		r = readable(r, e.Type)
		if r.Status == kind.Error && ctx.Err() != nil && x.overallTimeoutPassed() && !strings.Contains(r.Summary, "--timeout") {
			r.Summary += fmt.Sprintf(" (the overall --timeout of %s passed)", kind.FormatDuration(x.opts.Timeout))
		}
	}
	r.Duration = duration
	return r
}

// crashed is the result of a check that panicked, or that ended its goroutine without returning
// (runtime.Goexit), which recover reports as no panic at all.
func crashed(e *config.Entry, p any) kind.Result {
	r := kind.Result{
		Status:  kind.Error,
		Summary: fmt.Sprintf("the %s check stopped without returning a result", e.Type),
		Remedy:  "this is a bug in launchgate's " + e.Type + " check: report it with this output",
	}
	if p != nil {
		r.Summary = fmt.Sprintf("the %s check crashed: %v", e.Type, p)
		r.Evidence = []kind.Evidence{{Label: "stack", Observed: firstFrames(debug.Stack()), Status: kind.Error}}
	}
	return r
}

// readable turns results the gate cannot read into errors: a zero result (a check that forgot
// to say anything), a status the gate does not know, or a status without a summary. Counted as
// a pass or a skip, any of them would open a gate that nobody can say was checked.
func readable(r kind.Result, kindName string) kind.Result {
	var what string
	switch {
	case !r.Status.Valid():
		what = fmt.Sprintf("an unknown status (%d)", int(r.Status))
	case !r.Status.FromCheck():
		what = "the status " + r.Status.String() + ", which only the gate gives"
	case strings.TrimSpace(r.Summary) != "":
		return r
	case r.Status == kind.Pass && len(r.Evidence) == 0 && len(r.Findings) == 0 && r.Remedy == "":
		what = "an empty result"
	default:
		what = r.Status.String() + " without a summary"
	}
	r.Status = kind.Error
	r.Summary = fmt.Sprintf("the %s check returned %s", kindName, what)
	r.Remedy = "this is a bug in launchgate's " + kindName + " check: report it with this output"
	return r
}

// interruptedResult reports a check that was running when the caller cancelled the run. What it
// had measured (its evidence, findings, and its own summary) is kept; its status is not, since
// a check cut short cannot vouch for its target.
func interruptedResult(r kind.Result, abandoned bool) kind.Result {
	out := kind.Result{Status: kind.Error, Summary: "interrupted",
		Remedy: "run the gate again and let this check finish"}
	if abandoned {
		return out
	}
	out.Evidence, out.Findings = r.Evidence, r.Findings
	if s := strings.TrimSpace(r.Summary); s != "" {
		out.Evidence = append(out.Evidence, kind.Evidence{Label: "when interrupted", Observed: s, Status: kind.Error})
	}
	return out
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
