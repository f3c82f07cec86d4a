package queuejudge

import (
	"context"
	"fmt"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// NoTimeError says that the check's deadline leaves no room to wait between the two samples.
type NoTimeError struct {
	Gap, Left time.Duration
}

func (e *NoTimeError) Error() string {
	return fmt.Sprintf("the check's deadline leaves %s, not enough to wait sample %s and read again",
		kind.Elapsed(e.Left), kind.FormatDuration(e.Gap))
}

// Result is the error result for a check that had no time for its second sample.
func (e *NoTimeError) Result() kind.Result {
	return kind.Errorf(fmt.Sprintf("raise the check's timeout (timeout: in the checklist) to at least twice sample, or lower sample below %s", kind.FormatDuration(e.Gap)),
		"%v", e)
}

// Sample reads twice, gap apart, and returns both readings and the time between them. A read
// that fails ends the sampling with its error; a deadline too close for the second read returns
// a *NoTimeError before waiting for nothing.
func Sample[T any](ctx context.Context, gap time.Duration, read func(context.Context) (T, error)) (first, second T, elapsed time.Duration, err error) {
	start := time.Now()
	first, err = read(ctx)
	if err != nil {
		return first, second, 0, err
	}
	took := time.Since(start)
	if dl, ok := ctx.Deadline(); ok {
		// The second read takes about as long as the first; leave it that, plus a margin for
		// judging and reporting.
		if left := time.Until(dl); left < gap+took+100*time.Millisecond {
			return first, second, 0, &NoTimeError{Gap: gap, Left: left}
		}
	}
	t := time.NewTimer(gap - min(took, gap))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return first, second, 0, ctx.Err()
	case <-t.C:
	}
	mid := time.Now()
	second, err = read(ctx)
	// Each reading is dated at the middle of the read that took it.
	elapsed = mid.Sub(start) + (time.Since(mid)-took)/2
	return first, second, elapsed, err
}
