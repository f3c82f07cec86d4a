package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
)

// qyTopStatements is how many statements each ranking lists.
const qyTopStatements = 5

// sqlNotInPrerequisiteState is what pg_stat_statements raises when its library was not loaded
// with shared_preload_libraries, though the extension exists in the database.
const sqlNotInPrerequisiteState = "55000"

const qyInstallStatements = "add pg_stat_statements to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements; in this database"

// qyStatement is one row of pg_stat_statements.
type qyStat struct {
	query       string
	role        string
	calls       int64
	mean, total float64 // milliseconds
	share       float64 // of all execution time in the database
}

// statements reads the slowest statements and those taking the most time in total.
func (c *Queries) statements(ctx context.Context, j *kind.Judgement, conn *pgx.Conn, t *target, srv qyServer) {
	label := "pg_stat_statements"
	schema, db := srv.statements, srv.database
	if schema == "" {
		j.Add(kind.Line{Label: label, Observed: "not installed in database " + db + ": statements not judged", Expected: qyInstallStatements, Status: kind.Skip})
		return
	}
	mean, total := "mean_exec_time", "total_exec_time"
	if srv.version < 130000 {
		mean, total = "mean_time", "total_time"
	}
	view := qyIdent(schema) + ".pg_stat_statements"
	sel := fmt.Sprintf(`SELECT s.query, coalesce(r.rolname, s.userid::text), s.calls, s.%[1]s, s.%[2]s,
		  s.%[2]s / nullif(sum(s.%[2]s) OVER (), 0)
		FROM %[3]s s LEFT JOIN pg_roles r ON r.oid = s.userid
		WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`, mean, total, view)
	var slowest, busiest []qyStat
	var batch pgx.Batch
	batch.Queue(sel+" ORDER BY s."+mean+" DESC LIMIT $1", qyTopStatements).Query(qyCollectStats(&slowest))
	batch.Queue(sel+" ORDER BY s."+total+" DESC LIMIT $1", qyTopStatements).Query(qyCollectStats(&busiest))
	var reset *time.Time
	var now time.Time
	if srv.version >= 140000 {
		batch.Queue(`SELECT stats_reset, now() FROM ` + qyIdent(schema) + `.pg_stat_statements_info`).QueryRow(func(r pgx.Row) error {
			return r.Scan(&reset, &now)
		})
	}
	if err := conn.SendBatch(ctx, &batch).Close(); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == sqlNotInPrerequisiteState {
			j.Add(kind.Line{Label: label, Observed: "installed but not loaded: " + t.clean(pgErr.Message), Expected: qyInstallStatements, Status: kind.Skip})
			return
		}
		qyErrorLine(j, label, t, "reading pg_stat_statements", err)
		return
	}
	obs := "statistics of database " + db
	switch {
	case reset != nil:
		obs += " since stats_reset " + bkWhen(*reset, now)
	case srv.version >= 140000:
		obs += " since the extension was created (never reset)"
	default:
		obs += " since they were last reset (PostgreSQL 13 and older do not record when)"
	}
	if !srv.monitor {
		obs += fmt.Sprintf("; other roles' query texts are hidden: %s lacks pg_monitor", t.cfg.User)
	}
	j.Observe(label, obs, "")
	c.judgeSlowest(j, slowest)
	c.judgeBusiest(j, busiest)
}

func qyCollectStats(into *[]qyStat) func(pgx.Rows) error {
	return func(rows pgx.Rows) (err error) {
		*into, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qyStat, error) {
			var s qyStat
			var share *float64
			err := r.Scan(&s.query, &s.role, &s.calls, &s.mean, &s.total, &share)
			if share != nil {
				s.share = *share
			}
			return s, err
		})
		return err
	}
}

func qyCalls(n int64) string {
	return qyNum(float64(n)) + " " + kind.Plural(int(min(n, 2)), "call", "calls")
}

func qyMillis(ms float64) string { return kind.Elapsed(time.Duration(ms * float64(time.Millisecond))) }

// judgeSlowest fails on statements whose mean time is above max_mean_time.
func (c *Queries) judgeSlowest(j *kind.Judgement, slowest []qyStat) {
	limit := float64(c.MaxMeanTime.D()) / float64(time.Millisecond)
	expected := "mean ≤ " + c.MaxMeanTime.String()
	over := 0
	for _, s := range slowest {
		if s.mean <= limit {
			break
		}
		over++
		j.Add(kind.Line{Label: "slow statement", Observed: fmt.Sprintf("mean %s over %s (role %s): %s", qyMillis(s.mean), qyCalls(s.calls), s.role, qyMaskQuery(s.query)),
			Expected: expected, Status: kind.Fail,
			Problem: fmt.Sprintf("a statement averages %s (max %s): %s", qyMillis(s.mean), c.MaxMeanTime, qyMaskQuery(s.query)),
			Remedy:  "EXPLAIN (ANALYZE, BUFFERS) the slow statements with typical parameters and add the index they lack; list them under explain: so the gate keeps watching their plans"})
	}
	if over > 0 {
		return
	}
	obs := "no statements recorded yet"
	if len(slowest) > 0 {
		obs = fmt.Sprintf("slowest mean %s: %s", qyMillis(slowest[0].mean), qyMaskQuery(slowest[0].query))
		j.Note("no statement averages above %s (slowest %s)", c.MaxMeanTime, qyMillis(slowest[0].mean))
	}
	j.Observe("slowest statement", obs, expected)
}

// judgeBusiest lists the statements taking the most time in total (calls × mean), where the
// N+1 shape shows: one cheap statement run once per row of another.
func (c *Queries) judgeBusiest(j *kind.Judgement, busiest []qyStat) {
	limit := float64(c.MaxMeanTime.D()) / float64(time.Millisecond)
	expected := "listed, not judged (set max_calls)"
	if c.MaxCalls > 0 {
		expected = "≤ " + qyNum(float64(c.MaxCalls)) + " calls"
	}
	for i, s := range busiest {
		st := kind.Pass
		if c.MaxCalls > 0 && s.calls > c.MaxCalls && s.mean <= limit {
			st = kind.Warn
		}
		j.Add(kind.Line{Label: fmt.Sprintf("most total time #%d", i+1),
			Observed: fmt.Sprintf("%s × %s = %s (%.0f%% of all; role %s): %s", qyCalls(s.calls), qyMillis(s.mean), qyMillis(s.total), 100*s.share, s.role, qyMaskQuery(s.query)),
			Expected: expected, Status: st,
			Problem: fmt.Sprintf("a cheap statement ran %s times (max_calls %s), the N+1 shape: %s", qyNum(float64(s.calls)), qyNum(float64(c.MaxCalls)), qyMaskQuery(s.query)),
			Remedy:  "when a statement runs once per row of another query (N+1), load those rows in one query (WHERE id = ANY($1), or a JOIN) or cache them; an ORM's eager loading (includes, select_related, JOIN FETCH) does this"})
	}
}
