package postgrescheck

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// TestUnencodedAtInPassword: pgx ends the user information at the first '@', so the rest of
// such a password would become the host and appear in titles and summaries. Every kind refuses
// the DSN instead, shows it masked as a whole, and says to percent-encode.
func TestUnencodedAtInPassword(t *testing.T) {
	const dsn = "postgres://app:Tr0ub4dor@Horse99@db.internal:5432/shop"
	const masked = "postgres://app:***@db.internal:5432/shop"
	fragments := []string{"Tr0ub4dor", "Horse99"}
	tests := []struct {
		name  string
		check interface {
			kind.Check
			kind.Validator
			Title() string
		}
		param string
	}{
		{"connections", newConnections(dsn), "dsn"},
		{"replica_lag primary", newReplicaLag(dsn, time.Second), "primary_dsn"},
		{"replica_lag replica", newReplicaLag("postgres://mon@primary/app", time.Second, "postgres://mon@replica-a/app", dsn), "replica_dsns: entry 2"},
		{"multi-host URL", newConnections("postgres://app:Tr0ub4dor@Horse99@h1:5432,h2:5433/shop"), "dsn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check.Validate()
			if err == nil {
				t.Fatal("Validate accepted the DSN")
			}
			msg := err.Error()
			for _, want := range []string{tt.param + ": PostgreSQL URL postgres://app:***@", "percent-encode '#', '/', '?' and '@' in the password"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not say %q", msg, want)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			r := tt.check.Run(ctx, kind.DefaultEnv("test"))
			if r.Status != kind.Error {
				t.Errorf("Run: %s %q, want an error", r.Status, r.Summary)
			}
			all := msg + "\n" + tt.check.Title() + "\n" + text(r)
			for _, f := range fragments {
				if strings.Contains(all, f) {
					t.Errorf("a fragment of the password (%q) is shown:\n%s", f, all)
				}
			}
		})
	}
	if err := newConnections(dsn).Validate(); err == nil || !strings.Contains(err.Error(), masked) {
		t.Errorf("the DSN is not shown masked as a whole (%s): %v", masked, err)
	}
}
