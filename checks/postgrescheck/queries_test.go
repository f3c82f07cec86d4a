package postgrescheck

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
)

// newQueries is a postgres.queries check with its defaults, then only what set turns on.
func newQueries(dsn string, set func(*Queries)) *Queries {
	k, _ := kind.Lookup("postgres.queries")
	c := k.New().(*Queries)
	c.DSN = dsn
	set(c)
	return c
}

// only keeps one part of the check, so that a test judges just that.
func only(part string) func(*Queries) {
	return func(c *Queries) {
		c.LongRunning = 0
		if part == "long_running" {
			c.LongRunning = kind.Duration(time.Second)
		}
		c.Statements = part == "statements"
		c.Hygiene = part == "hygiene"
	}
}

// TestQueriesExplain is the incident: a leading-wildcard LIKE, fine on a developer's thousand
// rows, on a table of 300,000.
func TestQueriesExplain(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	// Autovacuum stays off the table, so that it is analysed exactly when the test says.
	pg.Exec(t, `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, name text NOT NULL) WITH (autovacuum_enabled = false)`,
		`INSERT INTO users SELECT i, 'user' || i || '@example.com', 'name ' || (i % 1000) FROM generate_series(1, 300000) i`)
	explain := func(analyze bool, qs ...ExplainQuery) *Queries {
		return newQueries(pg.DSN("", ""), func(c *Queries) {
			only("explain")(c)
			c.Explain, c.Analyze = qs, analyze
		})
	}
	like := ExplainQuery{Name: "search by email", SQL: "SELECT id FROM users WHERE email LIKE '%' || $1 || '%'", Params: []string{"example"}}
	byID := ExplainQuery{Name: "user by id", SQL: "SELECT email FROM users WHERE id = $1", Params: []string{"4242"}}

	t.Run("never analysed", func(t *testing.T) {
		r := run(t, explain(false, like), 30*time.Second)
		want(t, r, kind.Fail, "Seq Scan on users", "never analysed", "pages × ~", "leading-wildcard LIKE", "pg_trgm GIN", "email LIKE '%example%'")
	})
	// VACUUM reads every page of the new table, so reltuples is exact.
	pg.Exec(t, "VACUUM ANALYZE users")
	t.Run("leading wildcard fails, primary key passes", func(t *testing.T) {
		r := run(t, explain(false, like, byID), 30*time.Second)
		want(t, r, kind.Fail, "Seq Scan on users (~300,000 rows)", "leading-wildcard LIKE cannot use a btree index", "est. ", "cost ")
		line(t, r, "explain search by email: seq scan on users", kind.Fail)
		line(t, r, "explain user by id", kind.Pass)
		if strings.Contains(r.Summary, "user by id") {
			t.Errorf("the primary key lookup is blamed: %s", r.Summary)
		}
		r = run(t, explain(false, byID), 30*time.Second)
		want(t, r, kind.Pass, "Index Scan using users_pkey on users", "est. 1 row")
	})
	t.Run("max_cost", func(t *testing.T) {
		c := explain(false, byID)
		c.MaxCost = 1
		want(t, run(t, c, 30*time.Second), kind.Fail, "estimated cost of", "above max_cost 1")
	})
	t.Run("analyze spills a sort to disk", func(t *testing.T) {
		// work_mem as a startup parameter: the smallest, so sorting 300,000 rows spills.
		c := newQueries(pg.DSN("", "")+"&work_mem=64", func(c *Queries) {
			only("explain")(c)
			c.Analyze = true
			c.Explain = []ExplainQuery{{Name: "sorted names", SQL: "SELECT name FROM users WHERE id <= 100000 ORDER BY name"}}
		})
		r := run(t, c, 60*time.Second)
		want(t, r, kind.Warn, "spilled", "to disk", "work_mem", "actual 100,000 rows")
	})
	t.Run("analyze refuses writes, nothing runs", func(t *testing.T) {
		for _, sql := range []string{"DELETE FROM users", "WITH d AS (DELETE FROM users RETURNING id) SELECT count(*) FROM d", "SELECT 1; DELETE FROM users"} {
			c := explain(true, ExplainQuery{Name: "bad", SQL: sql})
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "explain:") {
				t.Errorf("%q: Validate = %v, want it refused", sql, err)
			}
		}
		// Without analyze a second statement is still refused, and the server would refuse it too.
		if err := explain(false, ExplainQuery{Name: "two", SQL: "SELECT 1; DELETE FROM users"}).Validate(); err == nil {
			t.Error("two statements accepted")
		}
		var n int
		if err := pg.Connect(t, "", "").QueryRow(context.Background(), "SELECT count(*) FROM users").Scan(&n); err != nil || n != 300000 {
			t.Fatalf("users has %d rows (%v)", n, err)
		}
	})
	t.Run("a query that cannot be planned", func(t *testing.T) {
		r := run(t, explain(false, ExplainQuery{Name: "typo", SQL: "SELECT id FROM userz"}), 30*time.Second)
		want(t, r, kind.Error, `relation "userz" does not exist`, "42P01")
	})
}

// TestQueriesLongRunning: an analyst's query on the standby that serves reads, and a session
// left idle in a transaction right after changing a password.
func TestQueriesLongRunning(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	sb := pg.Standby(t, pgtest.StandbyOptions{Name: "reads", Conf: []string{"max_standby_streaming_delay = -1"}})
	pg.WaitStreaming(t, 1)
	pg.Exec(t, "CREATE ROLE victim LOGIN")

	// The analyst's query: it runs until the test ends.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sleeper := sb.Connect(t, "", "")
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, _ = sleeper.Exec(ctx, "SELECT count(*), pg_sleep(120) FROM pg_class WHERE relname <> 'reports-2024'")
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })

	idle := pg.Connect(t, "", "")
	tx, err := idle.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(context.Background(), "ALTER ROLE victim PASSWORD 'hunter2-do-not-print'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.Background()) })

	bkPoll(t, sb.Connect(t, "", ""), `SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND state = 'active' AND query_start < now() - interval '1100 milliseconds'`)
	bkPoll(t, pg.Connect(t, "", ""), `SELECT count(*) > 0 FROM pg_stat_activity WHERE state = 'idle in transaction' AND xact_start < now() - interval '1100 milliseconds'`)

	c := newQueries(pg.DSN("", ""), only("long_running"))
	c.ReplicaDSNs = DSNList{sb.DSN("", "")}
	r := run(t, c, 30*time.Second)
	want(t, r, kind.Fail,
		"ALTER ROLE victim PASSWORD ?", "idle in transaction",
		"SELECT count(*), pg_sleep(?) FROM pg_class WHERE relname <> ?", "running for",
		"long-running on "+sb.Host, "max_standby_streaming_delay is -1")
	line(t, r, "max_standby_streaming_delay on "+c.replicas[0].address(), kind.Warn)
	if all := text(r); strings.Contains(all, "hunter2") || strings.Contains(all, "reports-2024") {
		t.Errorf("a literal shows:\n%s", all)
	}

	t.Run("none when the threshold is above their age", func(t *testing.T) {
		c := newQueries(sb.DSN("", ""), only("long_running"))
		c.LongRunning = kind.Duration(time.Hour)
		want(t, run(t, c, 30*time.Second), kind.Pass, "no active query or open transaction older than 1h")
	})
}

// TestQueriesStatements: pg_stat_statements loaded, an N+1 loop and one slow statement.
func TestQueriesStatements(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{Conf: []string{"shared_preload_libraries = 'pg_stat_statements'"}})
	pg.Exec(t, "CREATE DATABASE app")
	app := pg.Connect(t, "", "app")
	ctx := context.Background()
	for _, s := range []string{
		"CREATE EXTENSION pg_stat_statements",
		"CREATE TABLE orders (id int PRIMARY KEY)",
		"CREATE TABLE items (id int PRIMARY KEY, order_id int NOT NULL)",
		"INSERT INTO orders SELECT generate_series(1, 400)",
		"INSERT INTO items SELECT i, i % 400 + 1 FROM generate_series(1, 2000) i",
		"CREATE INDEX ON items (order_id)",
		"SELECT pg_stat_statements_reset()",
	} {
		if _, err := app.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	// The N+1 shape: one query for the orders, then one per order for its items.
	rows, err := app.Query(ctx, "SELECT id FROM orders")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, err := app.Exec(ctx, "SELECT id FROM items WHERE order_id = $1", id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := app.Exec(ctx, "SELECT pg_sleep(0.15)"); err != nil {
		t.Fatal(err)
	}

	c := newQueries(pg.DSN("", "app"), only("statements"))
	c.MaxMeanTime = kind.Duration(100 * time.Millisecond)
	c.MaxCalls = 100
	r := run(t, c, 30*time.Second)
	want(t, r, kind.Fail, "since stats_reset", "a statement averages", "SELECT pg_sleep($1)",
		"400 calls", "SELECT id FROM items WHERE order_id = $1", "the N+1 shape", "ANY($1)")
	line(t, r, "slow statement", kind.Fail)

	t.Run("N+1 alone warns", func(t *testing.T) {
		c := newQueries(pg.DSN("", "app"), only("statements"))
		c.MaxCalls = 100
		want(t, run(t, c, 30*time.Second), kind.Warn, "a cheap statement ran 400 times (max_calls 100)")
	})
	t.Run("listed without max_calls", func(t *testing.T) {
		c := newQueries(pg.DSN("", "app"), only("statements"))
		r := run(t, c, 30*time.Second)
		want(t, r, kind.Pass, "most total time", "listed, not judged")
	})
	t.Run("extension missing is a skipped line", func(t *testing.T) {
		c := newQueries(pg.DSN("", ""), only("statements"))
		r := run(t, c, 30*time.Second)
		want(t, r, kind.Skip, "not installed in database postgres", "shared_preload_libraries", "CREATE EXTENSION pg_stat_statements")
		line(t, r, "pg_stat_statements", kind.Skip)
	})
}

// TestQueriesHygiene: the invalid index a failed CREATE INDEX CONCURRENTLY leaves, and an
// application role without timeouts.
func TestQueriesHygiene(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	pg.Exec(t, "CREATE TABLE clean (id int PRIMARY KEY)")
	r := run(t, newQueries(pg.DSN("", ""), only("hygiene")), 30*time.Second)
	want(t, r, kind.Pass, "no login roles besides superusers", "never reset; server up")
	line(t, r, "invalid indexes", kind.Pass)

	pg.Exec(t, "CREATE TABLE accounts (email text)", "INSERT INTO accounts VALUES ('a@example.com'), ('a@example.com')",
		"CREATE ROLE app LOGIN", "CREATE ROLE careful LOGIN", "ALTER ROLE careful SET statement_timeout = '30s'",
		"ALTER ROLE careful SET idle_in_transaction_session_timeout = '1min'")
	// CREATE INDEX CONCURRENTLY cannot run in a transaction block, and this one fails on the
	// duplicate, leaving its index behind, invalid.
	conn := pg.Connect(t, "", "")
	if _, err := conn.Exec(context.Background(), "CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email)"); err == nil {
		t.Fatal("the unique index was built over a duplicate")
	}
	r = run(t, newQueries(pg.DSN("", ""), only("hygiene")), 30*time.Second)
	want(t, r, kind.Fail, "1 invalid index", "accounts_email on accounts", `DROP INDEX CONCURRENTLY "public"."accounts_email"`,
		"app has no statement_timeout", "app has no idle_in_transaction_session_timeout", "ALTER ROLE app SET statement_timeout")
	line(t, r, "invalid indexes", kind.Fail)
	line(t, r, "roles without statement_timeout", kind.Warn)
	if strings.Contains(r.Summary, "careful") {
		t.Errorf("a role with its own timeouts is blamed: %s", r.Summary)
	}

	t.Run("server-wide timeouts cover every role", func(t *testing.T) {
		pg.Exec(t, "ALTER DATABASE postgres SET statement_timeout = '1min'")
		// The database's setting covers every role in it; the server default still does not
		// cover idle transactions.
		r := run(t, newQueries(pg.DSN("", ""), only("hygiene")), 30*time.Second)
		line(t, r, "roles without statement_timeout", kind.Pass)
		line(t, r, "roles without idle_in_transaction_session_timeout", kind.Warn)
	})
}

func TestQueriesValidate(t *testing.T) {
	tests := []struct {
		set  func(*Queries)
		want string
	}{
		{func(c *Queries) { c.DSN = "" }, "dsn: empty DSN"},
		{func(c *Queries) { c.MaxSeqScanRows = -1 }, "max_seq_scan_rows: must be 0 or more"},
		{func(c *Queries) { c.MaxMeanTime = 0 }, "max_mean_time: must be positive"},
		{func(c *Queries) { c.LongRunning, c.Statements, c.Hygiene = 0, false, false }, "explain: nothing to judge"},
		{func(c *Queries) {
			c.Explain = []ExplainQuery{{Name: "a", SQL: "SELECT 1"}, {Name: "a", SQL: "SELECT 2"}}
		}, `the name "a" is used twice`},
		{func(c *Queries) { c.Explain = []ExplainQuery{{Name: "a", SQL: " -- nothing"}} }, "sql is empty"},
		{func(c *Queries) { c.ReplicaDSNs = DSNList{"mysql://x"} }, "replica_dsns: entry 1"},
	}
	for _, tt := range tests {
		c := newQueries("postgres://u:secretpw@db:5432/app", tt.set)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %q", err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("the password shows: %v", err)
		}
	}
	if r := newQueries("mysql://u@db/app", only("hygiene")).Run(context.Background(), kind.DefaultEnv("test")); r.Status != kind.Skip {
		t.Errorf("a mysql:// DSN: %s, want skip", r.Status)
	}
	if e := kind.EffectsOf(newQueries("postgres://db/app", func(c *Queries) {
		c.Analyze, c.Explain = true, []ExplainQuery{{Name: "a", SQL: "SELECT 1"}}
	})); !e.SendsTraffic {
		t.Error("analyze runs the queries: it must say it sends traffic")
	}
	if e := kind.EffectsOf(newQueries("postgres://db/app", func(*Queries) {})); e.Any() {
		t.Errorf("without analyze the check only reads, yet says %+v", e)
	}
}
