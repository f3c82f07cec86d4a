package runner

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// Attempts is how a check that could be retried reached its result.
type Attempts struct {
	// Count is how many times the check ran: 1 when its first result stood.
	Count int
	// Elapsed is from the start of the first attempt to the end of the last, waits included;
	// the result's Duration is the last attempt's alone.
	Elapsed time.Duration
	// Retry is the window and the pause the check ran under: its own retry:, or --wait's.
	Retry config.Retry
}

// retryPolicy is the retry a check runs under: its own retry:, else --wait's, which covers only
// a check that reads. For a check --wait does not cover, refused names what it does beyond
// reading ("sends traffic").
func (x *run) retryPolicy(e *config.Entry) (policy *config.Retry, refused string) {
	switch {
	case e.Retry != nil:
		return e.Retry, ""
	case x.opts.Wait <= 0:
		return nil, ""
	}
	// Re-running a check that sends traffic or writes sends or writes again, which nobody
	// asked for by waiting for a deploy.
	if eff := kind.EffectsOf(e.Check); eff.Any() {
		return nil, eff.Words()
	}
	return &config.Retry{Within: x.opts.Wait, Every: config.DefaultRetryEvery(x.opts.Wait)}, ""
}

// runRetrying runs a check, and runs it again while it fails or errors and its retry window is
// open. The result is the last attempt's, evidence and all, and says how the attempts went.
func (x *run) runRetrying(e *config.Entry) (kind.Result, Attempts) {
	policy, refused := x.retryPolicy(e)
	if policy != nil {
		r, earlier, a := x.retry(e, *policy)
		return x.explainAttempts(r, earlier, a), a
	}
	r, _ := x.attempt(e)
	switch {
	case x.interrupted():
		r = interruptedResult(r)
	case refused != "" && failing(r.Status):
		r.Summary += " (not retried under --wait: it " + refused + ")"
	}
	return r, Attempts{}
}

// retry runs the check until it passes or the window closes, and returns the last verdict, the
// one before it, and how the attempts went.
func (x *run) retry(e *config.Entry, policy config.Retry) (last, earlier kind.Result, a Attempts) {
	a.Retry = policy
	// The window is kept in real time, which its timers run on; Env.Now (maybe a fixed clock)
	// only measures what the report shows.
	end := time.Now().Add(policy.Within)
	start := x.now()
	defer func() { a.Elapsed = x.now().Sub(start) }()
	for {
		r, verdict := x.attempt(e)
		if !verdict && a.Count > 0 {
			// --fail-fast cut this attempt short: the one before is the last verdict.
			return last, earlier, a
		}
		earlier, last = last, r
		a.Count++
		if !failing(r.Status) || x.runCtx.Err() != nil || !x.pause(end, policy.Every) {
			return last, earlier, a
		}
	}
}

// attempt runs the check once. A check that errors because --fail-fast cancelled it reached no
// verdict (false), and is reported as not run.
func (x *run) attempt(e *config.Entry) (kind.Result, bool) {
	r := x.runOne(e)
	if r.Status != kind.Error || !errors.Is(context.Cause(x.runCtx), errFailFast) {
		return r, true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	return kind.Result{Status: kind.Skip, Summary: x.stopped, Duration: r.Duration}, false
}

// pause waits before the next attempt: every, or what is left of the window when that is less,
// so that the last attempt starts as the window closes. It reports whether an attempt may
// start: not once the window has closed, nor when the run stops meanwhile (an interrupt, the
// overall --timeout, --fail-fast), which ends the wait at once.
func (x *run) pause(end time.Time, every time.Duration) bool {
	left := time.Until(end)
	if left <= 0 {
		return false
	}
	t := time.NewTimer(min(every, left))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-x.runCtx.Done():
		return false
	}
}

// explainAttempts adds to the last attempt's result how the attempts went, once, here, so that
// every format shows it: "passed on attempt 4 after 17s" with the failure before it as
// evidence, or "failed on all 6 attempts over 2m".
func (x *run) explainAttempts(r, earlier kind.Result, a Attempts) kind.Result {
	took := kind.Elapsed(a.Elapsed)
	tries := kind.Count(a.Count, "attempt", "attempts")
	var note string
	switch {
	case x.interrupted():
		r = interruptedResult(r)
		note = fmt.Sprintf("after %s over %s", tries, took)
	case !failing(r.Status) && a.Count == 1:
		return r
	case !failing(r.Status):
		note = fmt.Sprintf("%s on attempt %d after %s", verbs[r.Status], a.Count, took)
		r.Evidence = append(r.Evidence, kind.Evidence{Label: fmt.Sprintf("attempt %d", a.Count-1),
			Observed: earlier.Summary, Status: earlier.Status})
	case x.runCtx.Err() != nil:
		note = fmt.Sprintf("%s on %s over %s; %s", verbs[r.Status], tries, took, x.retriesStoppedBy())
	case a.Count == 1:
		note = fmt.Sprintf("%s on its only attempt: the %s retry window closed while it ran", verbs[r.Status], kind.FormatDuration(a.Retry.Within))
	default:
		note = fmt.Sprintf("%s on all %s over %s", verbs[r.Status], tries, took)
	}
	r.Summary += " (" + note + ")"
	return r
}

var verbs = map[kind.Status]string{kind.Pass: "passed", kind.Warn: "warned", kind.Skip: "skipped",
	kind.Fail: "failed", kind.Error: "errored"}

// retriesStoppedBy names what ended a check's retries before its window closed, when the run
// was not interrupted: the overall --timeout, or else --fail-fast.
func (x *run) retriesStoppedBy() string {
	if x.overallTimeoutPassed() {
		return fmt.Sprintf("the overall --timeout of %s ended the retries", kind.FormatDuration(x.opts.Timeout))
	}
	return "--fail-fast ended the retries"
}
