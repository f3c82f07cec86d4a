package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

// Connections checks connection headroom: client sessions against the slots applications can
// really use, roles' and databases' own limits, and sessions left idle in a transaction.
type Connections struct {
	DSN                  string        `yaml:"dsn" required:"true" doc:"The server to inspect, as a URL (postgres://user:pass@host:5432/db) or key=value DSN."`
	MaxUsedPercent       float64       `yaml:"max_used_percent" doc:"Fail when more than this percentage of the connection slots is in use (server-wide, and for any role or database with its own CONNECTION LIMIT)."`
	WarnUsedPercent      float64       `yaml:"warn_used_percent" doc:"Warn when more than this percentage of the connection slots is in use."`
	MaxIdleInTransaction kind.Duration `yaml:"max_idle_in_transaction" doc:"Fail when a session has been idle in a transaction for longer than this (a leaked connection); unset lists such sessions without judging them."`

	mainDSN
}

func init() {
	kind.Register(kind.Kind{
		Name:       "postgres.connections",
		Summary:    "PostgreSQL has connection headroom: client sessions against usable slots, role and database limits, no leaked idle transactions.",
		Title:      "PostgreSQL has connection headroom",
		Positional: "dsn",
		New: func() kind.Check {
			return &Connections{MaxUsedPercent: 80, WarnUsedPercent: 70}
		},
		Example: `dsn: ${DATABASE_URL}
max_used_percent: 80
warn_used_percent: 70
max_idle_in_transaction: 30s`,
	})
}

// Title names the server, without its password.
func (c *Connections) Title() string {
	if t, err := parseTarget(c.DSN); err == nil {
		return "Connection headroom on " + t.address()
	}
	return "PostgreSQL has connection headroom"
}

// Validate parses the DSN and checks the thresholds.
func (c *Connections) Validate() error {
	var errs []error
	if err := c.parse("dsn", c.DSN); err != nil {
		errs = append(errs, err)
	}
	maxOK := c.MaxUsedPercent > 0 && c.MaxUsedPercent <= 100
	if !maxOK {
		errs = append(errs, kind.BadParam("max_used_percent", "must be between 0 and 100, got %g", c.MaxUsedPercent))
	}
	// A bad max_used_percent is reported once, not again as warn_used_percent's bound.
	if c.WarnUsedPercent < 0 || (maxOK && c.WarnUsedPercent > c.MaxUsedPercent) {
		errs = append(errs, kind.BadParam("warn_used_percent", "%g must be between 0 and max_used_percent (%g)", c.WarnUsedPercent, c.MaxUsedPercent))
	}
	if c.MaxIdleInTransaction < 0 {
		errs = append(errs, kind.BadParam("max_idle_in_transaction", "must be positive"))
	}
	return errors.Join(errs...)
}

// serverLimits is what the server says about its connection slots.
type serverLimits struct {
	maxConnections, superuserReserved, reserved int
	version                                     string
	superuser, readAllStats                     bool
	idleTimeout                                 string
}

// limitUse is one role's or database's own limit and its use.
type limitUse struct {
	name        string
	limit, used int
}

// idleSession is a session idle in a transaction.
type idleSession struct {
	pid                    int32
	user, db, app, client  string
	idleFor, inTransaction time.Duration
}

// Run connects once and reads pg_settings, pg_stat_activity, pg_roles and pg_database.
func (c *Connections) Run(ctx context.Context, env *kind.Env) kind.Result {
	conn, tr, res := c.session(ctx, env, "dsn", "connection", c.Validate)
	if res != nil {
		return *res
	}
	defer closeConn(conn)
	t := c.target
	u, err := readConnUse(ctx, conn)
	if err != nil {
		return queryError(t, "reading pg_settings, pg_stat_activity, pg_roles and pg_database", tr.why(err))
	}
	return c.judge(t, u.lim, u.used, u.roles, u.dbs, u.idle)
}

// connUse is what the check reads: the server's slots and the client connections using them,
// the roles' and databases' own limits and their use, and the sessions idle in a transaction.
type connUse struct {
	lim        serverLimits
	used       int
	roles, dbs []limitUse
	idle       []idleSession
}

// readConnUse reads it in one round trip, one implicit transaction: the statistics views give
// one consistent snapshot for all four queries.
func readConnUse(ctx context.Context, conn *pgx.Conn) (connUse, error) {
	var u connUse
	var batch pgx.Batch
	batch.Queue(cnLimitsSQL).QueryRow(func(row pgx.Row) error {
		return row.Scan(&u.lim.maxConnections, &u.lim.superuserReserved, &u.lim.reserved, &u.lim.version,
			&u.lim.superuser, &u.lim.readAllStats, &u.lim.idleTimeout, &u.used)
	})
	batch.Queue(cnRoleLimitsSQL).Query(func(rows pgx.Rows) (err error) {
		u.roles, err = pgx.CollectRows(rows, scanLimit)
		return err
	})
	batch.Queue(cnDatabaseLimitsSQL).Query(func(rows pgx.Rows) (err error) {
		u.dbs, err = pgx.CollectRows(rows, scanLimit)
		return err
	})
	batch.Queue(cnIdleSQL).Query(func(rows pgx.Rows) (err error) {
		u.idle, err = pgx.CollectRows(rows, scanIdle)
		return err
	})
	return u, conn.SendBatch(ctx, &batch).Close()
}

// The queries of readConnUse. Without pg_read_all_stats (part of pg_monitor), pg_stat_activity
// hides the backend_type, database and state of other roles' sessions, so counting client
// backends there would undercount: the count falls back to pg_stat_database, which everybody
// may read but which also counts autovacuum and background workers.
const (
	cnLimitsSQL = `SELECT current_setting('max_connections')::int,
		current_setting('superuser_reserved_connections')::int,
		coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int,
		current_setting('server_version'),
		coalesce((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false),
		pg_has_role(current_user, 'pg_read_all_stats', 'USAGE'),
		current_setting('idle_in_transaction_session_timeout'),
		CASE WHEN pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
		  THEN (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int
		  ELSE (SELECT coalesce(sum(numbackends), 0)::int - 1 FROM pg_stat_database WHERE datid <> 0)
		END`
	cnRoleLimitsSQL = `SELECT r.rolname, r.rolconnlimit,
		  count(a.pid) FILTER (WHERE a.backend_type = 'client backend' OR a.backend_type IS NULL)
		FROM pg_roles r LEFT JOIN pg_stat_activity a ON a.usesysid = r.oid AND a.pid <> pg_backend_pid()
		WHERE r.rolconnlimit > 0 AND r.rolcanlogin AND NOT r.rolsuper
		GROUP BY r.rolname, r.rolconnlimit ORDER BY r.rolname`
	cnDatabaseLimitsSQL = `SELECT d.datname, d.datconnlimit,
		  greatest(coalesce(s.numbackends, 0) - CASE WHEN d.datname = current_database() THEN 1 ELSE 0 END, 0)
		FROM pg_database d LEFT JOIN pg_stat_database s ON s.datid = d.oid
		WHERE d.datconnlimit > 0 AND d.datallowconn
		ORDER BY d.datname`
	cnIdleSQL = `SELECT pid, coalesce(usename, ''), coalesce(datname, ''),
		coalesce(application_name, ''), coalesce(host(client_addr), 'local'),
		extract(epoch FROM clock_timestamp() - state_change)::float8,
		coalesce(extract(epoch FROM clock_timestamp() - xact_start)::float8, 0)
		FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND state LIKE 'idle in transaction%'
		ORDER BY state_change`
)

func scanLimit(r pgx.CollectableRow) (limitUse, error) {
	var l limitUse
	err := r.Scan(&l.name, &l.limit, &l.used)
	return l, err
}

func scanIdle(r pgx.CollectableRow) (idleSession, error) {
	var s idleSession
	var idleFor, inTx float64
	err := r.Scan(&s.pid, &s.user, &s.db, &s.app, &s.client, &idleFor, &inTx)
	s.idleFor, s.inTransaction = seconds(idleFor), seconds(inTx)
	return s, err
}

func seconds(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }

// judge turns the observations into a result. Thresholds are "more than": at exactly
// max_used_percent the check still passes.
func (c *Connections) judge(t *target, lim serverLimits, used int, roles, dbs []limitUse, idle []idleSession) kind.Result {
	var j kind.Judgement
	slots := lim.maxConnections - lim.superuserReserved - lim.reserved
	slotWhy := fmt.Sprintf("max_connections %d − superuser_reserved_connections %d", lim.maxConnections, lim.superuserReserved)
	if lim.reserved > 0 {
		slotWhy += fmt.Sprintf(" − reserved_connections %d", lim.reserved)
	}
	j.Observe("slots for applications", fmt.Sprintf("%d (%s)", slots, slotWhy), "")
	main := c.judgeClients(&j, t, lim, used, slots)
	for _, l := range roles {
		c.judgeLimit(&j, "role", l, fmt.Sprintf("shrink the pools that log in as %s, or raise its limit: ALTER ROLE %s CONNECTION LIMIT n", l.name, quoteIdent(l.name)))
	}
	for _, l := range dbs {
		c.judgeLimit(&j, "database", l, fmt.Sprintf("shrink the pools that use database %s, or raise its limit: ALTER DATABASE %s CONNECTION LIMIT n", l.name, quoteIdent(l.name)))
	}
	if st, p, rem := c.judgeIdle(&j, t, lim, idle); st != kind.Pass {
		j.Problem(st, p, rem)
	}
	j.Note("%s", main)
	r := j.Result()
	decidedWins(&r)
	return r
}

// judgeClients judges the client connections in use against the slots applications may take,
// and returns the usage as a passing summary says it.
func (c *Connections) judgeClients(j *kind.Judgement, t *target, lim serverLimits, used, slots int) string {
	pct := percent(used, slots)
	st := c.grade(pct)
	main := fmt.Sprintf("%d of %d client connection slots in use (%s)", used, slots, fmtPct(pct))
	obs := fmt.Sprintf("%d of %d (%s)", used, slots, fmtPct(pct))
	if !lim.readAllStats {
		obs += fmt.Sprintf(" — approximate: %s lacks pg_monitor, so this counts every backend in pg_stat_database, autovacuum and background workers included (GRANT pg_monitor TO %s for an exact count)",
			t.cfg.User, quoteIdent(t.cfg.User))
	}
	limit := c.WarnUsedPercent
	if st == kind.Fail {
		limit = c.MaxUsedPercent
	}
	j.Add(kind.Line{Label: "client connections", Observed: obs, Expected: c.expected(), Status: st,
		Problem: fmt.Sprintf("%s, over the %s %s", main, fmtPct(limit), map[kind.Status]string{kind.Warn: "warning level", kind.Fail: "limit"}[st]),
		Remedy: fmt.Sprintf("find who holds the connections (SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1,2,3,4 ORDER BY 5 DESC); "+
			"size the applications' pools so that together they stay well below %d, or put PgBouncer in front; raise max_connections only with the memory to match", slots)})
	return main
}

func (c *Connections) grade(pct float64) kind.Status {
	switch {
	case pct > c.MaxUsedPercent:
		return kind.Fail
	case c.WarnUsedPercent > 0 && pct > c.WarnUsedPercent:
		return kind.Warn
	}
	return kind.Pass
}

func (c *Connections) expected() string {
	s := "≤ " + fmtPct(c.MaxUsedPercent)
	if c.WarnUsedPercent > 0 && c.WarnUsedPercent < c.MaxUsedPercent {
		s += fmt.Sprintf(" (warn above %s)", fmtPct(c.WarnUsedPercent))
	}
	return s
}

// judgeLimit judges one role's or database's use of its own CONNECTION LIMIT.
func (c *Connections) judgeLimit(j *kind.Judgement, what string, l limitUse, remedy string) {
	pct := percent(l.used, l.limit)
	j.Add(kind.Line{Label: what + " " + l.name, Observed: fmt.Sprintf("%d of its CONNECTION LIMIT %d (%s)", l.used, l.limit, fmtPct(pct)),
		Expected: c.expected(), Status: c.grade(pct),
		Problem: fmt.Sprintf("%s %s uses %d of its %d connections (%s)", what, l.name, l.used, l.limit, fmtPct(pct)), Remedy: remedy})
}

// judgeIdle reports sessions idle in a transaction: they hold a slot and their locks while
// doing nothing, which is how a leaking pool starves a server.
func (c *Connections) judgeIdle(j *kind.Judgement, t *target, lim serverLimits, idle []idleSession) (kind.Status, string, string) {
	expected := "reported, not judged (set max_idle_in_transaction)"
	if c.MaxIdleInTransaction > 0 {
		expected = "none idle longer than " + c.MaxIdleInTransaction.String()
	}
	if lim.idleTimeout != "0" && lim.idleTimeout != "" {
		j.Show(kind.Line{Label: "idle_in_transaction_session_timeout", Observed: lim.idleTimeout, Status: kind.Pass})
	}
	if !lim.readAllStats && c.idleHidden(j, t, expected) {
		return kind.Error, fmt.Sprintf("cannot see whether other roles' sessions are idle in transaction: %s lacks pg_monitor", t.cfg.User),
			fmt.Sprintf("GRANT pg_monitor TO %s; (or run the check as a role that has it)", quoteIdent(t.cfg.User))
	}
	if len(idle) == 0 {
		label := "idle in transaction"
		if !lim.readAllStats {
			label += " (own role)"
		}
		j.Show(kind.Line{Label: label, Observed: "no sessions", Expected: expected, Status: kind.Pass})
		return kind.Pass, "", ""
	}
	var over []idleSession
	for _, s := range idle {
		if c.MaxIdleInTransaction > 0 && s.idleFor > c.MaxIdleInTransaction.D() {
			over = append(over, s)
		}
	}
	st := kind.Pass
	if len(over) > 0 {
		st = kind.Fail
	}
	j.Show(kind.Line{Label: "idle in transaction", Observed: fmt.Sprintf("%d %s, oldest: %s", len(idle), kind.Plural(len(idle), "session", "sessions"), describeIdle(idle[0])),
		Expected: expected, Status: st})
	if st == kind.Pass {
		return st, "", ""
	}
	c.showIdleOver(j, over)
	return st, fmt.Sprintf("%d %s idle in transaction longer than %s (oldest %s, pid %d, role %s)",
			len(over), kind.Plural(len(over), "session", "sessions"), c.MaxIdleInTransaction, age(over[0].idleFor), over[0].pid, over[0].user),
		"a session idle in transaction holds its connection and its locks: find the code path that begins a transaction and neither commits nor rolls back (the application and client in the evidence); " +
			"set idle_in_transaction_session_timeout to cap the damage; SELECT pg_terminate_backend(pid) ends one now"
}

// idleHidden shows that other roles' sessions show no state without pg_read_all_stats, and says
// whether that keeps the check from deciding (it does when max_idle_in_transaction is set).
func (c *Connections) idleHidden(j *kind.Judgement, t *target, expected string) bool {
	st := kind.Pass
	if c.MaxIdleInTransaction > 0 {
		st = kind.Error
	}
	j.Show(kind.Line{Label: "idle in transaction (other roles)", Observed: fmt.Sprintf("hidden: %s lacks pg_monitor", t.cfg.User), Expected: expected, Status: st})
	return st == kind.Error
}

// showIdleOver lists the sessions idle too long, the first five of them.
func (c *Connections) showIdleOver(j *kind.Judgement, over []idleSession) {
	for i, s := range over {
		if i == 5 {
			j.Show(kind.Line{Label: "idle in transaction", Observed: fmt.Sprintf("… and %d more", len(over)-i), Status: kind.Fail})
			return
		}
		j.Show(kind.Line{Label: fmt.Sprintf("idle session pid %d", s.pid), Observed: describeIdle(s), Expected: "≤ " + c.MaxIdleInTransaction.String(), Status: kind.Fail})
	}
}

// describeIdle says who holds an idle session and for how long.
func describeIdle(s idleSession) string {
	app := ""
	if s.app != "" {
		app = fmt.Sprintf(", application %q", s.app)
	}
	return fmt.Sprintf("pid %d, role %s, database %s%s, from %s, idle %s, transaction open %s",
		s.pid, s.user, s.db, app, s.client, age(s.idleFor), age(s.inTransaction))
}

// age formats how long a session has waited: milliseconds below a second, then whole seconds
// ("4m12s").
func age(d time.Duration) string {
	if d < time.Second {
		return kind.Elapsed(d)
	}
	return kind.FormatDuration(d.Round(time.Second))
}

func percent(used, of int) float64 {
	if of <= 0 {
		if used > 0 {
			return 100 * float64(used)
		}
		return 100
	}
	return 100 * float64(used) / float64(of)
}

func fmtPct(p float64) string {
	if p == float64(int(p)) {
		return fmt.Sprintf("%d%%", int(p))
	}
	return fmt.Sprintf("%.1f%%", p)
}
