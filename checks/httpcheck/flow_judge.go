package httpcheck

import (
	"fmt"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

const (
	lagRemedy     = "read your own writes: after a write, send that user's reads to the primary (or wait until the replica has the write); the postgres.replica_lag check measures the lag"
	cleanupRemedy = "the journey's test data may be left behind: remove it by hand, and fix the cleanup step"
)

// judge turns the run into a result: one line per step, the failing step's details, the steps
// not run, and the finally steps, whose failures never hide the journey's own.
func (r *flowRun) judge(elapsed time.Duration) kind.Result {
	var j kind.Judgement
	for _, o := range r.steps {
		j.Add(r.stepLine(o))
	}
	journeyFailed := j.Failed()
	var details []kind.Evidence
	if journeyFailed {
		details = r.details(r.steps[len(r.steps)-1])
	} else {
		for _, o := range r.finally {
			j.Add(r.stepLine(o))
			if o.status().Problem() && details == nil {
				details = r.details(o)
			}
		}
		j.Note("%s passed: %s in %s", count(len(r.steps), "step"), count(r.sent, "request"), kind.Elapsed(elapsed))
		if len(r.finally) > 0 && !j.Failed() {
			j.Note("cleanup passed")
		}
	}
	res := j.Result()
	res.Evidence = append(res.Evidence, details...)
	if r.notRun > 0 {
		res.Evidence = append(res.Evidence, kind.Evidence{Label: "not run", Observed: count(r.notRun, "later step"), Status: kind.Skip})
	}
	if journeyFailed {
		r.appendCleanup(&res)
	}
	return r.masked(res)
}

// masked passes the whole result through the flow's redactor once more: a secret captured late
// in the run is masked in what was written before it was known, too.
func (r *flowRun) masked(res kind.Result) kind.Result {
	res.Summary, res.Remedy = r.red.String(res.Summary), r.red.String(res.Remedy)
	for i := range res.Evidence {
		res.Evidence[i].Observed = r.red.String(res.Evidence[i].Observed)
		res.Evidence[i].Expected = r.red.String(res.Evidence[i].Expected)
	}
	return res
}

// appendCleanup reports the finally steps after a failed journey without letting them change
// its status: the original failure is the news.
func (r *flowRun) appendCleanup(res *kind.Result) {
	var problems []string
	for _, o := range r.finally {
		l := r.stepLine(o)
		res.Evidence = append(res.Evidence, kind.Evidence{Label: l.Label, Observed: l.Observed, Expected: l.Expected, Status: l.Status})
		if l.Status.Problem() {
			problems = append(problems, l.Problem)
		}
	}
	if len(problems) > 0 {
		res.Summary += "; cleanup also failed: " + strings.Join(problems, "; ")
		res.Remedy += "; " + cleanupRemedy
	}
}

func (r *flowRun) stepLine(o *stepOutcome) kind.Line {
	label := "step " + o.step.Name
	if o.finally {
		label = "finally " + o.step.Name
	}
	l := kind.Line{Label: label, Status: o.status(), Expected: expectedOf(o.step)}
	if o.skipped != "" {
		l.Observed = o.skipped
		return l
	}
	l.Observed = r.observed(o)
	if l.Status.Problem() {
		l.Problem, l.Remedy = r.problem(o)
		if o.finally && l.Remedy != "" {
			l.Remedy += "; " + cleanupRemedy
		}
	}
	return l
}

func expectedOf(s *FlowStep) string {
	if len(s.Parallel) > 0 {
		return "each call as expected"
	}
	want := s.Expect.Status
	if len(want) == 0 {
		want = defaultFlowStatus
	}
	out := want.String()
	if s.Replay != nil {
		out += "; replay: " + replayExpected(s.Replay.Expect)
	}
	return out
}

func replayExpected(e ReplayExpect) string {
	if e.same {
		return "same"
	}
	return fmt.Sprintf("%s, same %s", e.status, strings.Join(e.pathTexts, ", "))
}

// observed sums a step up: its request line and what came back.
func (r *flowRun) observed(o *stepOutcome) string {
	if len(o.step.Parallel) > 0 {
		failed := failedAttempts(o.attempts)
		if len(failed) == 0 {
			return fmt.Sprintf("%d calls together, each as expected, slowest %s", len(o.attempts), kind.Elapsed(slowest(o.attempts)))
		}
		return fmt.Sprintf("%d calls together, %d failed", len(o.attempts), len(failed))
	}
	first := o.attempts[0]
	var out string
	switch failed := failedAttempts(o.attempts); {
	case len(o.attempts) == 1:
		out = first.req.line + " → " + answer(first)
	case len(failed) == 0:
		out = fmt.Sprintf("%s ×%d → %s each, slowest %s", first.req.line, len(o.attempts), first.statusLine(), kind.Elapsed(slowest(o.attempts)))
	default:
		out = fmt.Sprintf("%s ×%d → %d failed (%s), %d passed", first.req.line, len(o.attempts), len(failed), answer(failed[0]), len(o.attempts)-len(failed))
	}
	if len(o.replays) > 0 {
		last := o.replays[len(o.replays)-1]
		verdict := "the same result"
		if last.verdict.Problem() {
			verdict = "a different result"
		}
		out += fmt.Sprintf("; replayed ×%d → %s, %s", len(o.replays), answer(last), verdict)
	}
	return out
}

// count is "1 step" or "3 steps".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func answer(a *flowAttempt) string {
	if a.transport || a.code == 0 {
		return "no response"
	}
	return fmt.Sprintf("%s in %s", a.statusLine(), kind.Elapsed(a.latency))
}

func failedAttempts(as []*flowAttempt) []*flowAttempt {
	var out []*flowAttempt
	for _, a := range as {
		if a.verdict.Problem() {
			out = append(out, a)
		}
	}
	return out
}

func slowest(as []*flowAttempt) time.Duration {
	var d time.Duration
	for _, a := range as {
		d = max(d, a.latency)
	}
	return d
}

// problem is the summary of a failed step, and its remedy.
func (r *flowRun) problem(o *stepOutcome) (string, string) {
	what := fmt.Sprintf("step %q", o.step.Name)
	if o.finally {
		what = fmt.Sprintf("finally %q", o.step.Name)
	}
	if o.cut && len(failedAttempts(o.all())) == 0 {
		return fmt.Sprintf("%s: the deadline came after %d of %d repeats", what, len(o.attempts), o.step.Repeat),
			"raise the check's timeout, or lower repeat or interval"
	}
	if f := failedAttempts(o.replays); len(f) > 0 {
		return what + ": " + f[0].problem, f[0].remedy
	}
	failed := failedAttempts(o.attempts)
	first := failed[0]
	switch {
	case len(o.step.Parallel) > 0:
		return fmt.Sprintf("%s: %d of %d calls failed; %s: %s", what, len(failed), len(o.attempts), first.call.Name, first.problem), first.remedy
	case len(o.attempts) == 1:
		return what + ": " + first.problem, first.remedy
	}
	if _, lag := r.lagDiagnosis(o); lag {
		return fmt.Sprintf("%s failed %d of %d right after %s: the read may hit a replica that lags the primary",
			what, len(failed), len(o.attempts), o.step.readsOf), lagRemedy
	}
	return fmt.Sprintf("%s failed %d of %d: %s", what, len(failed), len(o.attempts), first.problem), first.remedy
}

// details are the evidence of a failed step: the request that failed, the first mismatch,
// the diagnosis, and the values captured so far (secrets masked).
func (r *flowRun) details(o *stepOutcome) []kind.Evidence {
	failed := failedAttempts(o.all())
	if len(failed) == 0 {
		return nil
	}
	st := o.status()
	a := failed[0]
	label := "mismatch"
	switch {
	case isReplay(o, a):
		label = fmt.Sprintf("mismatch (replay %d)", a.n)
	case len(o.step.Parallel) > 0:
		label = "mismatch (" + a.call.Name + ")"
	case len(o.attempts) > 1:
		label = fmt.Sprintf("mismatch (attempt %d of %d)", a.n, len(o.attempts))
	}
	out := []kind.Evidence{
		{Label: "request", Observed: a.req.line, Status: st},
		{Label: label, Observed: a.problem, Status: st},
	}
	if d, ok := r.lagDiagnosis(o); ok {
		out = append(out, kind.Evidence{Label: "diagnosis", Observed: d, Status: st})
	}
	if c := r.capturedSoFar(); c != "" {
		out = append(out, kind.Evidence{Label: "captured", Observed: c, Status: kind.Pass})
	}
	return out
}

func isReplay(o *stepOutcome, a *flowAttempt) bool {
	for _, x := range o.replays {
		if x == a {
			return true
		}
	}
	return false
}

// capturedSoFar lists the captured values in the order they were captured, secrets masked.
func (r *flowRun) capturedSoFar() string {
	var parts []string
	seen := map[string]bool{}
	for _, o := range append(append([]*stepOutcome(nil), r.steps...), r.finally...) {
		for _, a := range o.attempts {
			for _, c := range a.captured {
				if seen[c.name] {
					continue
				}
				seen[c.name] = true
				v := redact.Mask
				if !c.secret {
					latest, _ := r.vars.get(c.name)
					v = r.safe(latest)
				}
				parts = append(parts, c.name+"="+v)
			}
		}
	}
	return strings.Join(parts, ", ")
}
