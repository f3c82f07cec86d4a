package serve

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/check"
)

// Throttle returns a check that runs c at most once every period and, in between, answers with
// c's last result, saying when it was found. A secrets scan reads a repository's whole history:
// serve runs it far less often than the live checks around it.
//
// A result that could not decide (error) is not kept: the next run tries again rather than
// holding the gate closed for a whole period over a timeout.
func Throttle(c check.Check, period time.Duration) check.Check {
	return &throttled{c: c, period: period}
}

type throttled struct {
	c      check.Check
	period time.Duration

	mu   sync.Mutex
	last check.Result
	at   time.Time
	kept bool
}

func (t *throttled) Run(ctx context.Context, env *check.Env) check.Result {
	now := env.Now()
	t.mu.Lock()
	if t.kept && now.Sub(t.at) < t.period {
		r := t.last
		r.Evidence = append(slices.Clone(r.Evidence), check.Evidence{Label: "found",
			Observed: fmt.Sprintf("at %s UTC, reused: serve runs this check at most every %s (--slow-interval)",
				t.at.UTC().Format(time.TimeOnly), check.FormatDuration(t.period)),
			Status: check.Skip})
		t.mu.Unlock()
		return r
	}
	t.mu.Unlock()
	r := t.c.Run(ctx, env)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.kept = r.Status != check.Error
	t.last, t.at = r, now
	return r
}
