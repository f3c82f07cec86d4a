// Package runner runs the checks of a checklist: bounded concurrency, a deadline per check under
// an overall deadline, retries for checks that may still become ready, panic recovery, and
// results in checklist order whatever order they finish in. The runner owns time: a check that
// ignores its context still cannot hold the gate past its timeout (after the last attempt its
// retry window allows) or an interrupt, plus a short grace.
package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
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
	// Waived says a waiver covers the check in this run: when it fails or errors, the checks
	// that need it run all the same, as they do after a warning.
	Waived bool
}

// Result is a check's result with the entry it belongs to, so that nothing downstream pairs
// them by position.
type Result struct {
	Entry *config.Entry
	kind.Result
	// Attempts says how a check that could be retried (retry:, --wait) reached its result;
	// zero for a check that ran without one.
	Attempts Attempts
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
	// Wait retries, for this long after their first attempt, the checks that have no retry:
	// of their own and only read (--wait): a check that sends traffic or writes is never
	// retried but by its own retry:. None when 0.
	Wait time.Duration
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
	jobs []Job
	// ctx is the caller's context under the overall timeout; runCtx is ctx, also cancelled by
	// fail-fast (stop).
	ctx, runCtx context.Context
	stop        context.CancelCauseFunc
	// results[i] is final once done[i] is closed: checks that need job i wait on it.
	results []Result
	done    []chan struct{}
	index   map[string]int
	sem     chan struct{}
	wg      sync.WaitGroup
	// mu serialises the callbacks and the fail-fast state.
	mu sync.Mutex
	// stopped says why no further checks start (fail-fast).
	stopped string
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
	opts = opts.withDefaults()
	if opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, opts.Timeout)
		defer cancel()
	}
	x := newRun(ctx, jobs, opts)
	defer x.stop(nil)
	x.schedule()
	x.wg.Wait()
	return x.outcome()
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency()
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Env == nil {
		o.Env = kind.DefaultEnv("")
	}
	return o
}

func newRun(ctx context.Context, jobs []Job, opts Options) *run {
	runCtx, stop := context.WithCancelCause(ctx)
	x := &run{opts: opts, jobs: jobs, ctx: ctx, runCtx: runCtx, stop: stop,
		results: make([]Result, len(jobs)), done: make([]chan struct{}, len(jobs)),
		index: map[string]int{}, sem: make(chan struct{}, opts.Concurrency)}
	for i, job := range jobs {
		x.done[i] = make(chan struct{})
		x.index[job.Entry.ID] = i
		x.results[i].Entry = job.Entry
	}
	return x
}

// schedule starts every job. Independent checks take their slots in checklist order; a
// dependent starts as soon as its needs are decided, holding no slot while it waits.
func (x *run) schedule() {
	for i, job := range x.jobs {
		if r, skipped := notRun(job, x.opts.FailOnMissingEnv); skipped {
			x.finish(i, r, Attempts{})
			continue
		}
		x.wg.Add(1)
		if len(job.Entry.Needs) == 0 {
			why, ok := x.admit()
			go func() {
				defer x.wg.Done()
				x.start(i, why, ok)
			}()
			continue
		}
		go func() {
			defer x.wg.Done()
			x.afterNeeds(i)
		}()
	}
}

// admit waits for a slot; without one (the run is over) it says why the check cannot start.
func (x *run) admit() (string, bool) {
	got := false
	select {
	case x.sem <- struct{}{}:
		got = true
	case <-x.runCtx.Done():
	}
	x.mu.Lock()
	why := x.stopped
	x.mu.Unlock()
	if why == "" && x.runCtx.Err() != nil {
		why = x.notStarted()
	}
	if why != "" && got {
		<-x.sem
	}
	return why, why == ""
}

// start runs job i in the slot admit gave it, or reports why it could not start.
func (x *run) start(i int, why string, admitted bool) {
	if !admitted {
		x.finish(i, x.notStartedResult(why), Attempts{})
		return
	}
	x.runJob(i)
}

// afterNeeds waits until every check job i needs is decided, then blocks, skips or starts it.
func (x *run) afterNeeds(i int) {
	for _, id := range x.jobs[i].Entry.Needs {
		if k, ok := x.index[id]; ok {
			<-x.done[k]
		}
	}
	if r, blocked := x.needsVerdict(x.jobs[i].Entry); blocked {
		x.mu.Lock()
		defer x.mu.Unlock()
		x.finish(i, r, Attempts{})
		x.onDone(i, r)
		return
	}
	why, ok := x.admit()
	x.start(i, why, ok)
}

// runJob runs job i, with its retries, in the slot it holds, and decides --fail-fast on its
// final result: an attempt that failed but may still pass on the next does not stop the gate.
func (x *run) runJob(i int) {
	defer func() { <-x.sem }()
	e := x.jobs[i].Entry
	if x.opts.OnStart != nil {
		x.mu.Lock()
		x.opts.OnStart(i, e)
		x.mu.Unlock()
	}
	r, a := x.runRetrying(e)
	if b := x.jobs[i].Because; b != "" {
		r.Summary += " (" + b + ")"
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.opts.FailFast && x.stopped == "" && failing(e.GateStatus(r.Status)) {
		x.stopped = fmt.Sprintf("not run: --fail-fast stopped the gate after %q %s", e.ID, r.Status)
		x.stop(errFailFast)
	}
	x.finish(i, r, a)
	x.onDone(i, r)
}

// finish records job i's final result and lets the checks that need it go on.
func (x *run) finish(i int, r kind.Result, a Attempts) {
	x.results[i].Result, x.results[i].Attempts = r, a
	close(x.done[i])
}

// onDone reports a finished check to the caller; x.mu is held.
func (x *run) onDone(i int, r kind.Result) {
	if x.opts.OnDone != nil {
		x.opts.OnDone(i, x.jobs[i].Entry, r)
	}
}

func (x *run) outcome() Outcome {
	out := Outcome{Results: x.results, Interrupted: x.interrupted()}
	for _, r := range x.results {
		if Looked(r.Status) {
			out.Checked++
		}
	}
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

// failing reports whether a check's status is a failure or an error: what stops a --fail-fast
// run (warnings never do), what a waiver covers, and what a retry runs again.
func failing(s kind.Status) bool { return s == kind.Fail || s == kind.Error }

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
// skipped, and otherwise free to run (false). A waived failure lets it run: the gate accepted
// that risk, and what depends on it still deserves a look.
func (x *run) needsVerdict(e *config.Entry) (kind.Result, bool) {
	var failed, skipped []string
	for _, id := range e.Needs {
		k, ok := x.index[id]
		if !ok {
			continue
		}
		st := x.jobs[k].Entry.GateStatus(x.results[k].Status)
		if x.jobs[k].Waived && failing(x.results[k].Status) {
			continue
		}
		switch {
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
