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
	problems []string
	remedies []string
	notes    []string
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
	j.result.Add(Evidence{Label: l.Label, Observed: l.Observed, Expected: l.Expected, Status: l.Status})
	if !l.Status.Problem() {
		return
	}
	p := l.Problem
	if p == "" {
		p = l.Label + ": " + l.Observed
	}
	j.problems = append(j.problems, p)
	j.remedy(l.Remedy)
}

// Observe records a passing line of evidence.
func (j *Judgement) Observe(label, observed, expected string) {
	j.Add(Line{Label: label, Observed: observed, Expected: expected, Status: Pass})
}

// Problem records a problem that has no evidence line of its own (a failure to connect, say).
func (j *Judgement) Problem(status Status, problem, remedy string) {
	j.result.Status = Worst(j.result.Status, status)
	j.problems = append(j.problems, problem)
	j.remedy(remedy)
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

func (j *Judgement) remedy(r string) {
	if r != "" && !slices.Contains(j.remedies, r) {
		j.remedies = append(j.remedies, r)
	}
}

// Result is the verdict: the worst status of every line (pass when nothing was judged worse),
// the problems as the summary, or the notes when nothing went wrong, and the remedies.
func (j *Judgement) Result() Result {
	r := j.result
	if len(j.problems) > 0 {
		r.Summary = strings.Join(j.problems, "; ")
		r.Remedy = strings.Join(j.remedies, "; ")
	} else {
		r.Summary = strings.Join(j.notes, "; ")
	}
	return r
}
