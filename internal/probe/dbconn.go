package probe

import (
	"context"
	"fmt"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// GivenTimeout is the check's timeout as the checklist gave it (kind.Timeout: the one the runner
// recorded, or what is left of ctx's deadline rounded up to how people write durations), or
// dflt when ctx has no deadline.
func GivenTimeout(ctx context.Context, dflt time.Duration) time.Duration {
	if d := kind.Timeout(ctx); d > 0 {
		return d
	}
	if _, ok := ctx.Deadline(); ok {
		return 0
	}
	return dflt
}

// UnencodedPassword is the error for a database URL whose password holds a character that ends
// the user information early ('@', or '#', '/', '?'): its tail would be taken for the host, and
// printing that host would print part of the password. The URL is shown masked as a whole.
func UnencodedPassword(kind, raw string) error {
	return fmt.Errorf("%s URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password (%%40 for '@')",
		kind, redact.Unparsed(raw))
}
