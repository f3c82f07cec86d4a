package postgrescheck

import (
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
)

// BenchmarkQueries is one default run without analyze: two explained queries, long-running
// queries, pg_stat_statements and the hygiene look, on one connection.
func BenchmarkQueries(b *testing.B) {
	pg := pgtest.Start(b, pgtest.Options{Conf: []string{"shared_preload_libraries = 'pg_stat_statements'"}})
	pg.Exec(b, "CREATE EXTENSION pg_stat_statements",
		"CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL)",
		"INSERT INTO users SELECT i, 'user' || i || '@example.com' FROM generate_series(1, 10000) i",
		"VACUUM ANALYZE users")
	c := newQueries(pg.DSN("", ""), func(c *Queries) {
		c.Explain = []ExplainQuery{
			{Name: "by id", SQL: "SELECT email FROM users WHERE id = $1", Params: []string{"42"}},
			{Name: "search", SQL: "SELECT id FROM users WHERE email LIKE '%' || $1 || '%'", Params: []string{"example"}},
		}
	})
	benchRun(b, c, func(r kind.Result) bool { return r.Status == kind.Pass })
}
