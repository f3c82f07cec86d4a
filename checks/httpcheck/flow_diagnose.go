package httpcheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// lagDiagnosis recognises read-after-write lag in a repeated read: the read uses a value an
// earlier writing step captured (the new user's id), every failure is a 404 or an empty answer,
// and the read passed after it had failed: the write arrived late, as on a replica behind its
// primary. It looks only at the requests the flow sent anyway.
func (r *flowRun) lagDiagnosis(o *stepOutcome) (string, bool) {
	if o.step.readsOf == "" || len(o.attempts) < 2 || len(o.replays) > 0 {
		return "", false
	}
	var failed []int
	recovered := -1
	for i, a := range o.attempts {
		switch {
		case a.verdict == kind.Pass:
			if len(failed) > 0 && recovered < 0 {
				recovered = i
			}
		case a.transport || !a.notFound:
			return "", false
		default:
			failed = append(failed, a.n)
		}
	}
	if len(failed) == 0 || recovered < 0 {
		return "", false
	}
	first := o.attempts[failed[0]-1]
	pass := o.attempts[recovered]
	r.mu.Lock()
	wrote, ok := r.wroteAt[o.step.readsOf]
	r.mu.Unlock()
	when := ""
	if ok {
		when = fmt.Sprintf(", %s after %s's write", kind.Elapsed(pass.started.Sub(wrote)), o.step.readsOf)
	}
	return fmt.Sprintf("%s on %s, then %s on attempt %d%s: the write was not there yet, then it was (read-after-write lag)",
		emptyOrStatus(first), attemptList(failed), pass.statusLine(), pass.n, when), true
}

func emptyOrStatus(a *flowAttempt) string {
	if a.code == 404 || a.code == 410 {
		return a.statusLine()
	}
	return fmt.Sprintf("%s without the data", a.statusLine())
}

// attemptList writes 1, 2, 3, 5 as "attempts 1–3, 5".
func attemptList(ns []int) string {
	var parts []string
	for i := 0; i < len(ns); {
		j := i
		for j+1 < len(ns) && ns[j+1] == ns[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, strconv.Itoa(ns[i])+"–"+strconv.Itoa(ns[j]))
		} else {
			parts = append(parts, strconv.Itoa(ns[i]))
		}
		i = j + 1
	}
	word := "attempts "
	if len(ns) == 1 {
		word = "attempt "
	}
	return word + strings.Join(parts, ", ")
}
