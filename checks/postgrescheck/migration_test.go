package postgrescheck

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// mgBase are the migrations production already ran: the schema the pending ones change.
var mgBase = map[string]string{
	"0001_customers.up.sql": "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);\n",
	// Excluded by its name: running it would undo 0001.
	"0001_customers.down.sql": "DROP TABLE customers;\n",
	"0002_orders.up.sql": "BEGIN;\n" +
		"CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, amount int NOT NULL);\n" +
		"COMMIT;\n",
}

// mgFixture is a production database with a 2,000,000-row orders table, and a shadow server of
// its own (initdb'd afresh, so its system identifier differs).
type mgFixture struct {
	prod, shadow *pgtest.Cluster
	// dsn reads production as a role with no privilege on any table.
	dsn, shadowDSN string
}

func mgStartFixture(t *testing.T) *mgFixture {
	t.Helper()
	f := &mgFixture{prod: pgtest.Start(t, pgtest.Options{}), shadow: pgtest.Start(t, pgtest.Options{Fresh: true})}
	f.prod.Exec(t, "CREATE DATABASE shop", "CREATE ROLE readonly LOGIN")
	conn := f.prod.Connect(t, "", "shop")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	// Unlogged and without its primary key: the table only has to be as big as production's,
	// and building 2M rows of WAL and an index would cost this loaded test machine a minute.
	for _, s := range []string{
		"CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL)",
		"INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 1000) g",
		"CREATE UNLOGGED TABLE orders (id int NOT NULL, customer_id int NOT NULL, amount int NOT NULL)",
		"INSERT INTO orders SELECT g, g % 1000 + 1, g % 97 FROM generate_series(1, 2000000) g",
		"ANALYZE customers, orders",
	} {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	t.Logf("production: 2,000,000 orders in %s", time.Since(start).Round(time.Millisecond))
	f.dsn, f.shadowDSN = f.prod.DSN("readonly", "shop"), f.shadow.DSN("", "")
	return f
}

// mgWriteMigrations writes the base migrations plus extra into a new directory.
func mgWriteMigrations(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, files := range []map[string]string{mgBase, extra} {
		for name, body := range files {
			p := filepath.Join(dir, "db", "migrations", name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// mgRunIn runs c with dir as the checklist's directory.
func mgRunIn(t *testing.T, ctx context.Context, c *Migration, dir string) kind.Result {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	env := kind.DefaultEnv("test")
	env.BaseDir = dir
	r := c.Run(ctx, env)
	t.Logf("%s: %s\n  remedy: %s", r.Status, r.Summary, r.Remedy)
	for _, e := range r.Evidence {
		t.Logf("  [%s] %s: %s", e.Status, e.Label, e.Observed)
	}
	return r
}

func (f *mgFixture) check(pending ...string) *Migration {
	k, _ := kind.Lookup("postgres.migration")
	m := k.New().(*Migration)
	m.Migrations = "db/migrations/*.sql"
	m.ShadowDSN, m.DSN = f.shadowDSN, f.dsn
	for _, p := range pending {
		m.Pending.Files = append(m.Pending.Files, "db/migrations/"+p)
	}
	return m
}

// scratchDatabases lists the scratch databases left on the shadow server.
func (f *mgFixture) scratchDatabases(t *testing.T) []string {
	t.Helper()
	conn := f.shadow.Connect(t, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'launchgate\_trace\_%' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func (f *mgFixture) wantNoScratch(t *testing.T) {
	t.Helper()
	if left := f.scratchDatabases(t); len(left) > 0 {
		t.Errorf("scratch databases left on the shadow server: %v", left)
	}
}

// TestMigration traces real migrations against a production database with 2,000,000 orders.
func TestMigration(t *testing.T) {
	f := mgStartFixture(t)
	const lt = "SET lock_timeout = '5s';\n"
	cases := []struct {
		name, file, body string
		status           kind.Status
		contains         []string
	}{
		{"rewrite under ACCESS EXCLUSIVE fails", "0003_orders_bigint.up.sql",
			lt + "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n", kind.Fail,
			[]string{`0003_orders_bigint.up.sql:2 (ALTER TABLE orders ALTER COLUMN id TYPE bigint) rewrites public.orders (2.0M rows, `,
				"under ACCESS EXCLUSIVE: every read and write of it waits", "add a column of the new type",
				"ACCESS EXCLUSIVE on public.orders (2.0M rows", "rewrite: yes", "lock_timeout 5s"}},
		{"CREATE INDEX fails", "0003_orders_amount.up.sql",
			lt + "CREATE INDEX orders_amount ON orders (amount);\n", kind.Fail,
			[]string{"builds an index on public.orders (2.0M rows", "under SHARE, rewrite: no: writes to it wait until it is built",
				"CREATE INDEX CONCURRENTLY, in a migration of its own"}},
		{"CREATE INDEX CONCURRENTLY passes", "0003_orders_amount.up.sql",
			"-- Concurrently: writes go on while it builds.\nCREATE INDEX CONCURRENTLY orders_amount ON orders (amount);\n", kind.Pass,
			[]string{"ran alone, outside a transaction: SHARE UPDATE EXCLUSIVE on public.orders (2.0M rows", "1 index built"}},
		{"ADD COLUMN DEFAULT 0 without lock_timeout fails", "0003_discount.up.sql",
			"ALTER TABLE orders ADD COLUMN discount int NOT NULL DEFAULT 0;\n", kind.Fail,
			[]string{"takes ACCESS EXCLUSIVE on public.orders (rewrite: no) without a lock_timeout", "SET lock_timeout = '5s'", "no lock_timeout set"}},
		{"ADD COLUMN DEFAULT 0 with lock_timeout passes", "0003_discount.up.sql",
			"BEGIN;\n" + lt + "ALTER TABLE orders ADD COLUMN discount int NOT NULL DEFAULT 0;\nCOMMIT;\n", kind.Pass,
			[]string{"ACCESS EXCLUSIVE on public.orders (2.0M rows", "rewrite: no; lock_timeout 5s"}},
		{"lock_timeout above max_lock_wait fails", "0003_discount.up.sql",
			"SET lock_timeout = '1min';\nALTER TABLE orders ADD COLUMN discount int DEFAULT 0;\n", kind.Fail,
			[]string{"with lock_timeout 1m, above max_lock_wait 5s"}},
		{"ADD FOREIGN KEY scans orders", "0003_orders_customer_fk.up.sql",
			lt + "ALTER TABLE orders\n  ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n", kind.Fail,
			[]string{"0003_orders_customer_fk.up.sql:2 (ALTER TABLE orders …) scans all of public.orders (2.0M rows",
				"under SHARE ROW EXCLUSIVE, rewrite: no: writes to it wait until the scan is done", "NOT VALID", "VALIDATE CONSTRAINT"}},
		{"ADD FOREIGN KEY NOT VALID passes", "0003_orders_customer_fk.up.sql",
			lt + "ALTER TABLE orders\n  ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;\n", kind.Pass,
			[]string{"SHARE ROW EXCLUSIVE on public.orders (2.0M rows", "SHARE ROW EXCLUSIVE on public.customers (1000 rows"}},
		{"DROP COLUMN warns", "0003_drop_amount.up.sql",
			lt + "ALTER TABLE orders DROP COLUMN amount;\n", kind.Warn,
			[]string{"drops column amount of public.orders, which the running application may still use", "deploy the code that stops using it first"}},
		{"a NOT NULL column without a default fails in production", "0003_region.up.sql",
			lt + "ALTER TABLE orders ADD COLUMN region text NOT NULL;\n", kind.Fail,
			[]string{"adds NOT NULL column region to public.orders (2.0M rows", "it fails in production"}},
		{"a syntax error is an error with the server's message and line", "0003_note.up.sql",
			"BEGIN;\n" + lt + "ALTER TABLE orders\n  ADD COLUMN note tex t;\nCOMMIT;\n", kind.Error,
			[]string{`0003_note.up.sql:4: syntax error at or near "t" (SQLSTATE 42601)`, "fix the statement"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := mgWriteMigrations(t, map[string]string{tc.file: tc.body})
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			r := mgRunIn(t, ctx, f.check(tc.file), dir)
			want(t, r, tc.status, append(tc.contains, "scratch database")...)
			if r.Status != kind.Error {
				line(t, r, "table sizes from", kind.Pass)
			}
			f.wantNoScratch(t)
		})
	}

	t.Run("pending since a git ref", func(t *testing.T) { testPendingSince(t, f) })
	t.Run("the scratch database is dropped after SIGINT to launchgate", func(t *testing.T) { testSIGINT(t, f) })

	t.Run("without dsn the shadow's empty tables weigh nothing", func(t *testing.T) {
		dir := mgWriteMigrations(t, map[string]string{"0003_orders_bigint.up.sql": lt + "ALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"})
		c := f.check("0003_orders_bigint.up.sql")
		c.DSN = ""
		r := mgRunIn(t, context.Background(), c, dir)
		want(t, r, kind.Pass, "the scratch database (no dsn)", "ACCESS EXCLUSIVE on public.orders (0 rows", "rewrite: yes")
	})

	t.Run("a shadow with production's system identifier is refused", func(t *testing.T) {
		// Copied from the same template as production, the twin shares its system
		// identifier: to the check it is production under another port.
		twin := pgtest.Start(t, pgtest.Options{})
		dir := mgWriteMigrations(t, map[string]string{"0003_x.up.sql": "SELECT 1;\n"})
		c := f.check("0003_x.up.sql")
		c.ShadowDSN = twin.DSN("", "")
		r := mgRunIn(t, context.Background(), c, dir)
		want(t, r, kind.Error, "is the same server as dsn", "system identifier", "shadow_on_same_server: true")
		c.ShadowOnSameServer = true
		r = mgRunIn(t, context.Background(), c, dir)
		want(t, r, kind.Pass, "traced 1 statement of 1 pending migration")
	})

	t.Run("the scratch database is dropped when the deadline passes", func(t *testing.T) {
		dir := mgWriteMigrations(t, map[string]string{"0003_slow.up.sql": "SELECT pg_sleep(600);\n"})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		r := mgRunIn(t, ctx, f.check("0003_slow.up.sql"), dir)
		want(t, r, kind.Error, "the trace did not finish within the check's timeout", "timeout: 5m")
		f.wantNoScratch(t)
	})

	t.Run("the scratch database is dropped when the run is cancelled", func(t *testing.T) {
		dir := mgWriteMigrations(t, map[string]string{"0003_slow.up.sql": "SELECT pg_sleep(600);\n"})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		done := make(chan kind.Result, 1)
		c := f.check("0003_slow.up.sql")
		go func() { done <- mgRunIn(t, ctx, c, dir) }()
		f.waitForQuery(t, "SELECT pg_sleep(600)")
		cancelled := time.Now()
		cancel()
		var r kind.Result
		select {
		case r = <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return within 30s of the cancel")
		}
		t.Logf("returned %s after the cancel", time.Since(cancelled).Round(time.Millisecond))
		want(t, r, kind.Error, "the trace was interrupted (at db/migrations/0003_slow.up.sql:1)")
		line(t, r, "scratch database", kind.Pass)
		f.wantNoScratch(t)
	})
}

// waitForQuery waits until a scratch database's session runs query.
func (f *mgFixture) waitForQuery(t *testing.T, query string) {
	t.Helper()
	conn := f.shadow.Connect(t, "", "")
	deadline := time.Now().Add(testsvc.WaitLimit)
	for time.Now().Before(deadline) {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'launchgate\_trace\_%' AND query = $1 AND state = 'active'`, query).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no scratch session ran %q within %s", query, testsvc.WaitLimit)
}

// testPendingSince selects the pending migrations with git, in a real repository.
func testPendingSince(t *testing.T, f *mgFixture) {
	if _, err := exec.LookPath("git"); err != nil {
		testsvc.Unavailable(t, "git", "apt-get install git", err)
	}
	dir := mgWriteMigrations(t, nil)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-qm", "schema")
	git("checkout", "-qb", "widen-ids")
	mg := filepath.Join(dir, "db", "migrations")
	if err := os.WriteFile(filepath.Join(mg, "0003_orders_bigint.up.sql"), []byte("SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN id TYPE bigint;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mg, "0003_orders_bigint.down.sql"), []byte("ALTER TABLE orders ALTER COLUMN id TYPE int;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", ".")
	git("commit", "-qm", "orders.id becomes bigint")

	c := f.check()
	for _, tc := range []struct {
		since    string
		status   kind.Status
		contains []string
	}{
		{"main", kind.Fail, []string{"1 file, changed since main: db/migrations/0003_orders_bigint.up.sql", "2 earlier migrations",
			"rewrites public.orders (2.0M rows"}},
		{"", kind.Error, []string{"origin/main does not exist in this clone", "git fetch --no-tags origin main:refs/remotes/origin/main"}},
		{"HEAD", kind.Skip, []string{"no pending migrations: none of the 3 files in db/migrations/*.sql changed since HEAD"}},
	} {
		t.Run("since "+tc.since, func(t *testing.T) {
			c.Pending.Since = tc.since
			r := mgRunIn(t, context.Background(), c, dir)
			want(t, r, tc.status, tc.contains...)
			f.wantNoScratch(t)
		})
	}
}

// testSIGINT interrupts the real launchgate binary while a migration runs on the scratch
// database: it must exit as interrupted, and the database must be gone.
func testSIGINT(t *testing.T, f *mgFixture) {
	if testing.Short() {
		t.Skip("builds the launchgate binary")
	}
	dir := mgWriteMigrations(t, map[string]string{"0003_slow.up.sql": "SELECT pg_sleep(600);\n"})
	bin := filepath.Join(dir, "launchgate")
	build := exec.Command("go", "build", "-o", bin, "github.com/launchgate/launchgate/cmd/launchgate")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	list := filepath.Join(dir, "gate.yaml")
	gate := "version: 1\nchecks:\n  - id: migrations\n    type: postgres.migration\n    timeout: 5m\n    with:\n" +
		"      migrations: db/migrations/*.sql\n      pending: {files: [db/migrations/0003_slow.up.sql]}\n" +
		"      shadow_dsn: " + f.shadowDSN + "\n      dsn: " + f.dsn + "\n"
	if err := os.WriteFile(list, []byte(gate), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	cmd := exec.Command(bin, "run", list)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	f.waitForQuery(t, "SELECT pg_sleep(600)")
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(30 * time.Second):
		t.Fatal("launchgate did not exit within 30s of SIGINT")
	}
	t.Logf("exited %s after SIGINT: %v", time.Since(sent).Round(time.Millisecond), err)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130\n%s%s", err, stdout.String(), stderr.String())
	}
	f.wantNoScratch(t)
}
