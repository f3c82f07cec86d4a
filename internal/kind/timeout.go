package kind

import (
	"context"
	"time"
)

type timeoutKey struct{}

// WithTimeout is context.WithTimeout that also records d, so that a check can say "within 3s" as
// the checklist configured it, rather than whatever time happened to be left when it looked.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(parent, timeoutKey{}, d), d)
}

// Timeout is the timeout ctx runs under, for messages: the one WithTimeout recorded or, without
// one, the time left on ctx rounded up to the precision people write durations in (a deadline set
// just before the call leaves a hair less than was configured: 2.9997s is "3s"). Call it when
// the check starts, before the time left shrinks. It is 0 when ctx has no deadline.
func Timeout(ctx context.Context) time.Duration {
	if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok {
		return d
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	return roundUp(time.Until(dl))
}

// roundUp rounds what is left of a deadline up to the precision timeouts are written in: to
// 100ms from 900ms on, to 10ms below (2.955s left of 3s is "3s"; 246ms of 250ms is "250ms").
func roundUp(left time.Duration) time.Duration {
	if left <= 0 {
		return 0
	}
	step := 10 * time.Millisecond
	if left >= 900*time.Millisecond {
		step = 100 * time.Millisecond
	}
	return (left + step - 1).Truncate(step)
}
