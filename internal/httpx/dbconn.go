package httpx

import (
	"context"
	"fmt"
	"time"

	"github.com/launchgate/launchgate/internal/redact"
)

type timeoutKey struct{}

// WithTimeout is context.WithTimeout that also records d, so that GivenTimeout returns it exactly.
func WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithValue(parent, timeoutKey{}, d), d)
}

// GivenTimeout is the check's timeout as the checklist gave it: the one WithTimeout recorded or,
// without one, what is left of ctx's deadline at the start of a run. The deadline was set a
// moment earlier, so what is left is a little less than what was given: rounding it up (to 100ms
// from 900ms on, to 10ms below) says "within 3s", not "within 2.955s". Without a deadline it is
// dflt.
func GivenTimeout(ctx context.Context, dflt time.Duration) time.Duration {
	if d, ok := ctx.Value(timeoutKey{}).(time.Duration); ok {
		return d
	}
	dl, ok := ctx.Deadline()
	if !ok {
		return dflt
	}
	return roundUp(time.Until(dl))
}

// roundUp rounds what is left of a deadline up to the precision timeouts are written in.
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

// UnencodedPassword is the error for a database URL whose password holds a character that ends
// the user information early ('@', or '#', '/', '?'): its tail would be taken for the host, and
// printing that host would print part of the password. The URL is shown masked as a whole.
func UnencodedPassword(kind, raw string) error {
	return fmt.Errorf("%s URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password (%%40 for '@')",
		kind, redact.Unparsed(raw))
}
