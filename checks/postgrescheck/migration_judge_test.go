package postgrescheck

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestMigrationJudge pins the wording of the verdicts on measured effects: what a finding names
// (file, statement, lock, rewrite, size, alternative) and how the findings of one statement and
// of a whole trace add up.
func TestMigrationJudge(t *testing.T) {
	shadowT, err := parseTarget("postgres://ci:pw@shadow.internal:5432/postgres")
	if err != nil {
		t.Fatal(err)
	}
	prodT, err := parseTarget("postgres://ro:pw@db.internal:5432/shop")
	if err != nil {
		t.Fatal(err)
	}
	orders := mgRel{oid: 100, kind: "r", schema: "public", name: "orders"}
	users := mgRel{oid: 101, kind: "r", schema: "public", name: "users"}
	events := mgRel{oid: 102, kind: "r", schema: "public", name: "events"}
	sizes := map[uint32]mgSize{
		100: {found: true, rows: 412_000_000, bytes: 61 << 30, rate: 350, window: 4 * time.Second},
		101: {found: true, rows: 35_000, bytes: 9 << 20, rate: -1},
		102: {found: true, unknownRows: true, bytes: 3 << 30, rate: -1},
	}
	f42 := &mgFile{Name: "db/migrations/0042_orders.up.sql"}
	f43 := &mgFile{Name: "db/migrations/0043_users.up.sql"}
	stmt := func(f *mgFile, line int, text string, lockTimeout time.Duration, touched ...mgTouch) mgEffect {
		w := mgWords(text)
		return mgEffect{file: f, stmt: mgStatement{Text: text, Line: line}, class: mgClassify(w), words: w, lockTimeout: lockTimeout, touched: touched}
	}
	const lt = 5 * time.Second
	plan := &mgPlan{from: "changed since origin/main", applied: make([]*mgFile, 41), pending: []*mgFile{f42, f43}}

	for _, tc := range []struct {
		name    string
		prod    bool
		shMajor int
		out     mgOutcome
		dropErr error
	}{
		{"findings", true, 16, mgOutcome{effects: []mgEffect{
			stmt(f42, 1, "SET lock_timeout = '5s'", 0),
			stmt(f42, 2, "ALTER TABLE orders ALTER COLUMN id TYPE bigint", lt,
				mgTouch{rel: orders, existed: true, lock: mgAccessExclusive, newLock: true, rewritten: true, indexes: 2}),
			stmt(f42, 3, "CREATE INDEX CONCURRENTLY orders_amount ON orders (amount)", lt,
				mgTouch{rel: orders, existed: true, lock: mgShareUpdateExclusive, newLock: true, indexes: 1}),
			stmt(f43, 1, "ALTER TABLE users\n  ADD CONSTRAINT users_email_check CHECK (email <> '')", 0,
				mgTouch{rel: users, existed: true, lock: mgAccessExclusive, newLock: true, scanned: 1}),
			stmt(f43, 3, "ALTER TABLE users DROP COLUMN legacy_name", 0,
				mgTouch{rel: users, existed: true, lock: mgAccessExclusive, droppedCols: []string{"legacy_name"}}),
			stmt(f43, 4, "CREATE INDEX events_at ON events (at)", 0,
				mgTouch{rel: events, existed: true, lock: mgShare, newLock: true, indexes: 1}),
			stmt(f43, 5, "GRANT readers TO app", 0),
			stmt(f43, 6, "ALTER TABLE users RENAME TO accounts", lt,
				mgTouch{rel: users, existed: true, lock: mgAccessExclusive, renamed: "public.accounts"}),
		}, sizes: sizes}, nil},
		{"pass", true, 15, mgOutcome{effects: []mgEffect{
			stmt(f42, 1, "SET lock_timeout = '2s'", 0),
			stmt(f42, 2, "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users NOT VALID", 2*time.Second,
				mgTouch{rel: orders, existed: true, lock: 5, newLock: true}, mgTouch{rel: users, existed: true, lock: 5, newLock: true}),
			stmt(f43, 1, "CREATE TABLE audit (id bigint)", 0),
		}, sizes: sizes}, nil},
		{"statement_error", false, 15, mgOutcome{effects: []mgEffect{
			stmt(f42, 1, "SET lock_timeout = '5s'", 0),
		}, sizes: sizes, err: &mgStmtError{file: f43.Name, line: 7, err: &pgconn.PgError{Message: `syntax error at or near "tex"`, Code: "42601"}}},
			errors.New("dial tcp 10.0.0.5:5432: connection refused")},
		{"applied_error", true, 15, mgOutcome{inApplied: true,
			err: &mgStmtError{file: "db/migrations/0007_roles.up.sql", line: 2, err: &pgconn.PgError{Message: `role "reporting" does not exist`, Code: "42704"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _ := kind.Lookup("postgres.migration")
			c := k.New().(*Migration)
			sh := &mgShadow{t: shadowT, scratch: "launchgate_trace_0123456789ab", version: "16.4", major: tc.shMajor}
			var prod *mgProd
			if tc.prod {
				prod = &mgProd{t: prodT, version: "15.8", major: 15}
			}
			r := c.judge(context.Background(), plan, sh, prod, tc.out, tc.dropErr)
			goldenResult(t, "migration_"+tc.name, golden.Result(r))
		})
	}
}
