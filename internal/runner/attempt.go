package runner

import (
	"context"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// runOne runs a check once under its own deadline and turns panics, overruns and results
// nobody can read into results that say so.
func (x *run) runOne(e *config.Entry) kind.Result {
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = config.DefaultTimeout
	}
	ctx, cancel := kind.WithTimeout(x.runCtx, timeout)
	defer cancel()
	start := x.now()
	r, abandoned := x.call(ctx, e)
	duration := x.now().Sub(start)
	switch {
	case x.interrupted():
		// Left as it is: runRetrying reports the interrupt, once, whether it came during an
		// attempt or between two.
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

// call runs the check in a goroutine of its own, so that a panic becomes a result and a check
// that ignores its context can be abandoned: one that honours it returns at once when ctx is
// done; one that does not is given the grace and then abandoned (a zero result), so that no
// check holds the gate past its deadline, the overall timeout or an interrupt.
func (x *run) call(ctx context.Context, e *config.Entry) (r kind.Result, abandoned bool) {
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
	select {
	case r = <-done:
		return r, false
	case <-ctx.Done():
	}
	grace := time.NewTimer(x.opts.Grace)
	defer grace.Stop()
	select {
	case r = <-done:
		return r, false
	case <-grace.C:
		return kind.Result{}, true
	}
}

// now is the clock durations are measured with: Env.Now, so that a fixed clock gives
// reproducible reports.
func (x *run) now() time.Time {
	if x.opts.Env.Now != nil {
		return x.opts.Env.Now()
	}
	return time.Now()
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
// a check cut short cannot vouch for its target. An abandoned check measured nothing (r is zero).
func interruptedResult(r kind.Result) kind.Result {
	out := kind.Result{Status: kind.Error, Summary: "interrupted",
		Remedy: "run the gate again and let this check finish"}
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
