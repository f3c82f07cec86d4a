package probe

import (
	"context"
	"time"
)

// Remaining is the time left before ctx's deadline, or dflt when ctx has none: what one step of
// a check (a dial, a query) may take.
func Remaining(ctx context.Context, dflt time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		return time.Until(dl)
	}
	return dflt
}

// Budget is Remaining less a margin (a tenth, at most 500ms, and never below 10ms left), for a
// driver's own timeouts: the driver gives up a moment before the deadline, so the check still
// has time to say why instead of being cut off by the runner.
func Budget(ctx context.Context, dflt time.Duration) time.Duration {
	d := Remaining(ctx, dflt)
	margin := min(d/10, 500*time.Millisecond)
	return max(d-margin, 10*time.Millisecond)
}
