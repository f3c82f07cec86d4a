package kind

import "strings"

// WorstFirst is the summary with the problems that close the gate (Status.Closes) ahead of the
// warnings, each group in the order its rules ran, or "" when nothing went wrong: for a kind
// whose rules run in the order of the evidence, not of importance.
func (j *Judgement) WorstFirst() string {
	var closing, rest []string
	for _, p := range j.problems {
		if p.Status.Closes() {
			closing = append(closing, p.Problem)
		} else {
			rest = append(rest, p.Problem)
		}
	}
	return strings.Join(append(closing, rest...), "; ")
}
