package kind

import (
	"fmt"
	"time"
)

// Result is what a check says about its target. A result always says why: the summary is one
// line a person can act on, the evidence shows observed against expected, and the remedy says
// what to do when the check did not pass.
type Result struct {
	Status   Status
	Summary  string
	Evidence []Evidence
	Remedy   string
	// Findings locate problems in files (secrets in a repository); live checks leave it empty.
	Findings []Finding
	// Series are measurements over time (a load test's latency per second); most checks have
	// none.
	Series []Series
	// Duration is filled in by the runner.
	Duration time.Duration
}

// Evidence is one observation behind a result.
type Evidence struct {
	Label    string `json:"label"`
	Observed string `json:"observed"`
	Expected string `json:"expected,omitempty"`
	Status   Status `json:"status"`
}

// Finding is a problem at a place in a file, such as a secret on a line of a commit.
type Finding struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Commit  string `json:"commit,omitempty"`
	Message string `json:"message"`
	// Preview is already redacted by the check; the full secret never leaves it.
	Preview string `json:"preview,omitempty"`
	// Fingerprint identifies the finding across runs without naming the secret.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Add appends evidence and raises the result's status to the evidence's if it is worse. A
// skipped line (a sub-check that did not apply) does not make the whole result a skip.
func (r *Result) Add(e Evidence) {
	r.Evidence = append(r.Evidence, e)
	if e.Status != Skip {
		r.Status = Worst(r.Status, e.Status)
	}
}

// Passf builds a passing result.
func Passf(format string, args ...any) Result {
	return Result{Status: Pass, Summary: fmt.Sprintf(format, args...)}
}

// Errorf builds a result for a check that could not decide, with the remedy to try.
func Errorf(remedy, format string, args ...any) Result {
	return Result{Status: Error, Summary: fmt.Sprintf(format, args...), Remedy: remedy}
}

// Failf builds a failing result with its remedy.
func Failf(remedy, format string, args ...any) Result {
	return Result{Status: Fail, Summary: fmt.Sprintf(format, args...), Remedy: remedy}
}
