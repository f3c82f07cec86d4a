package probe

import (
	"context"
	"time"
)

// StopEarly gives ctx a deadline a little before its own (a tenth of what is left, at most
// 500ms), or dflt from now when it has none, so that a server that hangs is reported in words
// before the runner gives up on the check.
func StopEarly(ctx context.Context, dflt time.Duration) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(dflt)
	}
	return context.WithDeadline(ctx, dl.Add(-min(time.Until(dl)/10, 500*time.Millisecond)))
}
