package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

// Queries judges whether the application's queries will hold at production size: the plans of
// its hot queries, what runs for too long right now, what pg_stat_statements has seen, and the
// schema's hygiene. Everything it does only reads.
type Queries struct {
	DSN            string         `yaml:"dsn" required:"true" doc:"The server whose plans and statistics are judged, as a URL (postgres://user:pass@host:5432/db) or key=value DSN; a replica is fine. Its user needs pg_monitor to see other roles' sessions and statements."`
	ReplicaDSNs    DSNList        `yaml:"replica_dsns" doc:"Further servers (standbys serving reads) whose long-running queries are reported too: a YAML list, or one string of comma-separated DSNs."`
	Explain        []ExplainQuery `yaml:"explain" doc:"The application's hot queries, each {name, sql, params}: their plans must not scan a big table sequentially (nor cost more than max_cost)."`
	Analyze        bool           `yaml:"analyze" doc:"Run the explain queries (EXPLAIN ANALYZE) inside BEGIN READ ONLY, to see real row counts and sorts or hashes spilling to disk; only SELECT and WITH … SELECT are allowed. This runs them on the server."`
	MaxSeqScanRows int64          `yaml:"max_seq_scan_rows" doc:"Fail when a plan scans sequentially a relation of more than this many rows (the relation's size, not the plan's estimate of what the filter keeps)."`
	MaxCost        float64        `yaml:"max_cost" doc:"Fail when a plan's estimated total cost is above this; unset does not judge cost."`
	LongRunning    kind.Duration  `yaml:"long_running" doc:"Fail on active queries and idle-in-transaction sessions older than this, on dsn and every replica; 0s turns the look off."`
	Statements     bool           `yaml:"statements" doc:"Read pg_stat_statements (when the extension is installed) for the slowest statements and the most time-consuming ones."`
	MaxMeanTime    kind.Duration  `yaml:"max_mean_time" doc:"Fail on statements in pg_stat_statements whose mean execution time is above this."`
	MaxCalls       int64          `yaml:"max_calls" doc:"Warn when one of the 5 statements taking the most time in total ran more often than this since its statistics were reset: the N+1 shape, one cheap query run once per row of another; unset lists them without judging."`
	Hygiene        bool           `yaml:"hygiene" doc:"Look for invalid indexes (fail), big tables only ever scanned sequentially, big indexes never used, and login roles without statement_timeout or idle_in_transaction_session_timeout (warnings)."`

	mainDSN
	replicas []*target
}

// ExplainQuery is one of the application's hot queries.
type ExplainQuery struct {
	Name   string   `yaml:"name" required:"true" doc:"What the query is, for the result."`
	SQL    string   `yaml:"sql" required:"true" doc:"One statement, with $1, $2 … for params."`
	Params []string `yaml:"params" doc:"Values for $1, $2 …, as text; PostgreSQL converts each to the type its place needs."`

	parsed qyStatement
}

func init() {
	kind.Register(kind.Kind{
		Name:       "postgres.queries",
		Summary:    "PostgreSQL queries hold at production size: hot queries' plans, long-running queries, pg_stat_statements, invalid indexes and timeouts.",
		Title:      "PostgreSQL queries hold at production size",
		Positional: "dsn",
		New: func() kind.Check {
			return &Queries{MaxSeqScanRows: 100_000, LongRunning: kind.Duration(5 * time.Minute),
				Statements: true, MaxMeanTime: kind.Duration(500 * time.Millisecond), Hygiene: true}
		},
		Example: `dsn: ${DATABASE_REPLICA_URL}
replica_dsns: ${DATABASE_REPLICA_URLS}
explain:
  - name: user by email
    sql: SELECT id FROM users WHERE email = $1
    params: [someone@example.com]
  - name: search
    sql: SELECT id FROM products WHERE name ILIKE '%' || $1 || '%' LIMIT 20
    params: [lamp]
max_seq_scan_rows: 100000
long_running: 5m
max_mean_time: 500ms`,
	})
}

// Title names the server, without its password.
func (c *Queries) Title() string {
	if t, err := parseTarget(c.DSN); err == nil {
		return "Queries on " + t.address() + " hold at production size"
	}
	return "PostgreSQL queries hold at production size"
}

// Effects: with analyze the explain queries really run on the server.
func (c *Queries) Effects() kind.Effects {
	return kind.Effects{SendsTraffic: c.Analyze && len(c.Explain) > 0}
}

// Validate parses the DSNs and the explain statements and checks the thresholds.
func (c *Queries) Validate() error {
	var errs []error
	if err := c.parse("dsn", c.DSN); err != nil {
		errs = append(errs, err)
	}
	replicas, bad := parseReplicas(c.ReplicaDSNs)
	c.replicas, errs = replicas, append(errs, bad...)
	names := map[string]bool{}
	for i := range c.Explain {
		q := &c.Explain[i]
		q.parsed = qyParse(q.SQL)
		switch {
		case names[q.Name]:
			errs = append(errs, kind.BadParam("explain", "entry %d: the name %q is used twice", i+1, q.Name))
		case q.parsed.first == "":
			errs = append(errs, kind.BadParam("explain", "entry %d (%s): sql is empty", i+1, q.Name))
		case q.parsed.multiple:
			errs = append(errs, kind.BadParam("explain", "entry %d (%s): sql holds more than one statement; give one per entry", i+1, q.Name))
		case c.Analyze && qyReadOnlyReason(q.parsed) != "":
			errs = append(errs, kind.BadParam("explain", "entry %d (%s): %s", i+1, q.Name, qyReadOnlyReason(q.parsed)))
		}
		names[q.Name] = true
	}
	if c.MaxSeqScanRows < 0 {
		errs = append(errs, kind.BadParam("max_seq_scan_rows", "must be 0 or more, got %d", c.MaxSeqScanRows))
	}
	if c.MaxCost < 0 {
		errs = append(errs, kind.BadParam("max_cost", "must be positive, got %g", c.MaxCost))
	}
	if c.LongRunning < 0 {
		errs = append(errs, kind.BadParam("long_running", "must be positive, or 0s to turn the look off"))
	}
	if c.MaxMeanTime <= 0 {
		errs = append(errs, kind.BadParam("max_mean_time", "must be positive, e.g. 500ms"))
	}
	if c.MaxCalls < 0 {
		errs = append(errs, kind.BadParam("max_calls", "must be positive, got %d", c.MaxCalls))
	}
	if len(c.Explain) == 0 && c.LongRunning == 0 && !c.Statements && !c.Hygiene {
		errs = append(errs, kind.BadParam("explain", "nothing to judge: give explain queries, or leave long_running, statements or hygiene on"))
	}
	return errors.Join(errs...)
}

// qyServer is what the check learns about a server before judging it.
type qyServer struct {
	version    int // server_version_num
	inRecovery bool
	monitor    bool // may read other roles' sessions and statements (pg_read_all_stats)
	database   string
	statements string // schema of pg_stat_statements in this database, "" when not installed
}

// Run connects to dsn for everything, and to each replica for its long-running queries.
func (c *Queries) Run(ctx context.Context, env *kind.Env) kind.Result {
	conn, _, res := c.session(ctx, env, "dsn", "connection", c.Validate)
	if res != nil {
		return *res
	}
	defer closeConn(conn)
	t := c.target
	srv, err := qyReadServer(ctx, conn)
	if err != nil {
		return queryError(t, "reading the server's version and role", err)
	}

	j := &kind.Judgement{}
	for i := range c.Explain {
		c.explain(ctx, j, conn, t, &c.Explain[i])
	}
	if n := len(c.Explain); n > 0 {
		j.Note("%d hot %s planned without a sequential scan over a big table", n, kind.Plural(n, "query", "queries"))
	}
	if c.LongRunning > 0 {
		c.longRunning(ctx, j, t, conn, srv)
		for _, rt := range c.replicas {
			c.replicaLongRunning(ctx, env, j, rt)
		}
		n := 1 + len(c.replicas)
		j.Note("no query or transaction older than %s on %d %s", c.LongRunning, n, kind.Plural(n, "server", "servers"))
	}
	if c.Statements {
		c.statements(ctx, j, conn, t, srv)
	}
	if c.Hygiene {
		qyHygiene(ctx, j, conn, t, srv)
	}
	r := j.Result()
	decidedWins(&r)
	qySkipWhenNothingJudged(&r)
	return r
}

// qySkipWhenNothingJudged makes a result whose every line was skipped (pg_stat_statements
// missing, and nothing else asked for) a skip that says why, rather than a pass.
func qySkipWhenNothingJudged(r *kind.Result) {
	if len(r.Evidence) == 0 {
		return
	}
	for _, e := range r.Evidence {
		if e.Status != kind.Skip {
			return
		}
	}
	r.Status = kind.Skip
	r.Summary = r.Evidence[0].Label + ": " + r.Evidence[0].Observed
	r.Remedy = r.Evidence[0].Expected
}

func qyReadServer(ctx context.Context, conn *pgx.Conn) (qyServer, error) {
	var s qyServer
	err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int, pg_is_in_recovery(),
		pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'), current_database(),
		coalesce((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_stat_statements'), '')`).Scan(
		&s.version, &s.inRecovery, &s.monitor, &s.database, &s.statements)
	return s, err
}

// qyGrant is the remedy for a role that cannot see other roles' sessions or statements.
func qyGrant(t *target) string {
	return fmt.Sprintf("GRANT pg_monitor TO %s; (or run the check as a role that has it)", quoteIdent(t.cfg.User))
}

// qyErrorLine records a query that failed as a line that could not decide.
func qyErrorLine(j *kind.Judgement, label string, t *target, what string, err error) {
	r := queryError(t, what, err)
	j.Add(kind.Line{Label: label, Observed: r.Summary, Status: kind.Error, Problem: r.Summary, Remedy: r.Remedy})
}
