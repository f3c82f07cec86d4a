package serve

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Throttle returns a check that runs c at most once every period and, in between, answers with
// c's last result, saying when it was found. A secrets scan reads a repository's whole history:
// serve runs it far less often than the live checks around it.
//
// A result that could not decide (error) is not kept: the next run tries again rather than
// holding the gate closed for a whole period over a timeout.
func Throttle(c kind.Check, period time.Duration) kind.Check {
	return &throttled{c: c, period: period}
}

type throttled struct {
	c      kind.Check
	period time.Duration

	mu   sync.Mutex
	last kind.Result
	at   time.Time
	kept bool
}

func (t *throttled) Run(ctx context.Context, env *kind.Env) kind.Result {
	now := env.Now()
	t.mu.Lock()
	if t.kept && now.Sub(t.at) < t.period {
		r := t.last
		r.Evidence = append(slices.Clone(r.Evidence), kind.Evidence{Label: "found",
			Observed: fmt.Sprintf("at %s UTC, reused: serve runs this check at most every %s (--slow-interval)",
				t.at.UTC().Format(time.TimeOnly), kind.FormatDuration(t.period)),
			Status: kind.Skip})
		t.mu.Unlock()
		return r
	}
	t.mu.Unlock()
	r := t.c.Run(ctx, env)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.kept = r.Status != kind.Error
	t.last, t.at = r, now
	return r
}
