package kind

import (
	"fmt"
	"slices"
	"strings"
)

// Judgement builds a Result from a list of named rules, the way goss's TestResult gives every
// resource the same shape of verdict. Each rule adds one line of evidence (observed against
// expected, with its own status); a line that did not pass lends its problem to the summary and
// its remedy to the result's remedy. A kind's judge function then reads as a list of rules.
type Judgement struct {
	result   Result
	problems []Line
	notes    []string
	// seen holds a bit per status any line or problem had, for Has.
	seen uint32
}

// Line is one judged observation.
type Line struct {
	Label    string
	Observed string
	Expected string
	Status   Status
	// Problem is what the summary says when the line did not pass; "Label: Observed" when empty.
	Problem string
	// Remedy is what to do about it; the same remedy given by several lines is said once.
	Remedy string
}

// Add records a line of evidence and, when it did not pass, its problem and remedy.
func (j *Judgement) Add(l Line) {
	j.Show(l)
	if !l.Status.Problem() {
		return
	}
	if l.Problem == "" {
		l.Problem = l.Label + ": " + l.Observed
	}
	j.problems = append(j.problems, l)
}

// Show records a line of evidence whose status counts but which names no problem (its Problem
// and Remedy are not read): another rule names it (a total over several lines), or the kind's
// summary speaks of it in its own way.
func (j *Judgement) Show(l Line) {
	j.result.Add(Evidence{Label: l.Label, Observed: l.Observed, Expected: l.Expected, Status: l.Status})
	j.seen |= 1 << l.Status
}

// Observe records a passing line of evidence.
func (j *Judgement) Observe(label, observed, expected string) {
	j.Add(Line{Label: label, Observed: observed, Expected: expected, Status: Pass})
}

// Problem records a problem that has no evidence line of its own (a failure to connect, say).
func (j *Judgement) Problem(status Status, problem, remedy string) {
	j.result.Status = Worst(j.result.Status, status)
	j.seen |= 1 << status
	j.problems = append(j.problems, Line{Status: status, Problem: problem, Remedy: remedy})
}

// Note records what a passing summary says; notes are dropped when there is a problem.
func (j *Judgement) Note(format string, args ...any) {
	j.notes = append(j.notes, fmt.Sprintf(format, args...))
}

// Finding adds a located problem (a secret in a file); its status is judged by the caller.
func (j *Judgement) Finding(f Finding) { j.result.Findings = append(j.result.Findings, f) }

// Status is the worst status recorded so far.
func (j *Judgement) Status() Status { return j.result.Status }

// Failed reports whether any rule so far failed or could not decide.
func (j *Judgement) Failed() bool { return j.result.Status >= Fail }

// Has reports whether any line or problem so far had status s. A kind for which a certain
// failure outranks a part it could not judge asks Has(Fail) when the worst status is Error.
func (j *Judgement) Has(s Status) bool { return j.seen&(1<<s) != 0 }

// Problems are the lines that did not pass and the problems without a line, in the order they
// were recorded, each with its Problem filled in: for a kind whose summary groups or counts
// them.
func (j *Judgement) Problems() []Line { return slices.Clone(j.problems) }

// Result is the verdict: the worst status of every line (pass when nothing was judged worse),
// the problems as the summary, or the notes when nothing went wrong, and the remedies. The
// result is the caller's own: adding to it does not change the judgement, nor the reverse.
func (j *Judgement) Result() Result {
	r := j.result
	r.Evidence = slices.Clone(r.Evidence)
	r.Findings = slices.Clone(r.Findings)
	if len(j.problems) == 0 {
		r.Summary = strings.Join(j.notes, "; ")
		return r
	}
	problems := make([]string, len(j.problems))
	remedies := make([]string, len(j.problems))
	for i, p := range j.problems {
		problems[i], remedies[i] = p.Problem, p.Remedy
	}
	r.Summary = strings.Join(problems, "; ")
	r.Remedy = strings.Join(Unique(remedies), "; ")
	return r
}
