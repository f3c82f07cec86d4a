package postgrescheck

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

// run validates and runs c under a deadline, as the runner would.
func run(t *testing.T, c kind.Check, timeout time.Duration) kind.Result {
	t.Helper()
	if v, ok := c.(kind.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := c.Run(ctx, kind.DefaultEnv("test"))
	t.Logf("%s: %s\n  remedy: %s", r.Status, r.Summary, r.Remedy)
	for _, e := range r.Evidence {
		t.Logf("  [%s] %s: %s (expected %s)", e.Status, e.Label, e.Observed, e.Expected)
	}
	return r
}

// text is everything a result would print.
func text(r kind.Result) string {
	var b strings.Builder
	b.WriteString(r.Summary + "\n" + r.Remedy + "\n")
	for _, e := range r.Evidence {
		b.WriteString(e.Label + " " + e.Observed + " " + e.Expected + "\n")
	}
	return b.String()
}

func want(t *testing.T, r kind.Result, status kind.Status, contains ...string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %s, want %s (summary %q)", r.Status, status, r.Summary)
	}
	all := text(r)
	for _, s := range contains {
		if !strings.Contains(all, s) {
			t.Errorf("result does not mention %q:\n%s", s, all)
		}
	}
}

// line asserts the status of the evidence line labelled label.
func line(t *testing.T, r kind.Result, label string, status kind.Status) {
	t.Helper()
	for _, e := range r.Evidence {
		if e.Label == label {
			if e.Status != status {
				t.Errorf("evidence %q is %s, want %s (%s)", label, e.Status, status, e.Observed)
			}
			return
		}
	}
	t.Errorf("no evidence labelled %q:\n%s", label, text(r))
}

// hold opens n connections as user that stay open until release is called (or the test ends).
func hold(t *testing.T, dsn string, n int) (release func()) {
	t.Helper()
	var conns []*pgx.Conn
	release = func() {
		for _, c := range conns {
			c.Close(context.Background())
		}
		conns = nil
	}
	t.Cleanup(release)
	for i := 0; i < n; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		c, err := pgx.Connect(ctx, dsn)
		cancel()
		if err != nil {
			t.Fatalf("holding connection %d of %d: %v", i+1, n, err)
		}
		conns = append(conns, c)
	}
	return release
}
