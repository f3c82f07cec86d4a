package probe

import (
	"context"
	"fmt"
	"strings"
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

// DriverMessage is a driver's complaint about a DSN or URL it could not parse, masked; or
// generic when the complaint quotes any part of what may be the password (the text between the
// first ':' and the last '@' after the scheme), which a driver that cannot parse the DSN cannot
// be trusted to have found.
func DriverMessage(err error, dsn, generic string) string {
	msg := err.Error()
	rest := dsn
	if scheme, after, ok := strings.Cut(dsn, "://"); ok && !strings.ContainsAny(scheme, "@(/:") {
		rest = after
	}
	i, at := strings.Index(rest, ":"), strings.LastIndex(rest, "@")
	if i >= 0 && at > i+1 {
		secret := rest[i+1 : at]
		w := min(4, len(secret))
		for j := 0; j+w <= len(secret); j++ {
			if strings.Contains(msg, secret[j:j+w]) {
				return generic
			}
		}
	}
	return redact.String(msg)
}
