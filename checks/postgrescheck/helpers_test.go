package postgrescheck

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// run validates and runs c under a deadline, as the runner would.
func run(t *testing.T, c kind.Check, timeout time.Duration) kind.Result {
	t.Helper()
	if v, ok := c.(kind.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	ctx, cancel := kind.WithTimeout(context.Background(), timeout)
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
//
// A backend that a client has just closed leaves pg_stat_activity before it gives its
// connection slot back, so a slot can still be taken for a moment after settle saw it free:
// a connection refused for want of slots (SQLSTATE 53300) is tried again until one is free.
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
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	for i := 0; i < n; i++ {
		for {
			c, err := pgx.Connect(ctx, dsn)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == sqlTooManyConnections && ctx.Err() == nil {
				time.Sleep(10 * time.Millisecond) // polling for a free slot
				continue
			}
			if err != nil {
				t.Fatalf("holding connection %d of %d: %v", i+1, n, err)
			}
			conns = append(conns, c)
			break
		}
	}
	return release
}

// settle waits until the server has exactly n client sessions besides mon's own: a connection
// a client closed (the last check's own, a released hold) leaves pg_stat_activity a moment
// later, and what a check counts next must not include it.
func settle(t *testing.T, mon *pgx.Conn, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	var got int
	for {
		err := mon.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`).Scan(&got)
		if err != nil {
			t.Fatalf("waiting for %d client sessions (%d now): %v", n, got, err)
		}
		if got == n {
			return
		}
		time.Sleep(10 * time.Millisecond) // polling pg_stat_activity
	}
}
