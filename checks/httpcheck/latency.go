package httpcheck

import (
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// heldTo holds a latency line to its limit: it fails when got is over, and a limit of 0 only
// reports. expect comes before the limit in the evidence ("≤ ", "p95 ≤ ").
func heldTo(l kind.Line, got time.Duration, expect string, limit kind.Duration) kind.Line {
	if limit > 0 {
		l.Expected = expect + limit.String()
		if got > limit.D() {
			l.Status = kind.Fail
		}
	}
	return l
}
