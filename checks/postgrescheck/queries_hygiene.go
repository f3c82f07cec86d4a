package postgrescheck

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

// Hygiene thresholds, as the issue that introduced them sets them: a table this big that is
// only ever scanned sequentially, an index this big never used over this long.
const (
	qyBigTableRows    = 100_000
	qyManySeqScans    = 1_000
	qyBigIndexBytes   = 100 << 20
	qyUnusedIndexDays = 7
	qyShownNames      = 10
)

// qyHygieneFacts is what the catalogue and the statistics say about the schema.
type qyHygieneFacts struct {
	invalid         []qyInvalidIndex
	seqOnly         []qySeqOnlyTable
	unused          []qyUnusedIndex
	statsSince      string
	statsDays       float64 // how many days the scan counters cover, at least
	roles           []qyRoleTimeouts
	serverStatement string // server-wide value, "" when this session cannot tell
	serverIdle      string
}

type qyInvalidIndex struct {
	schema, index, table string
	building             bool
}

type qySeqOnlyTable struct {
	schema, table string
	rows          float64
	seqScans      int64
}

type qyUnusedIndex struct {
	schema, table, index string
	bytes                int64
}

type qyRoleTimeouts struct {
	name                string
	statement, idleInTx *string // the role's own (or its database's) setting
}

// qyHygiene reads the catalogue and statistics in one round trip and judges them.
func qyHygiene(ctx context.Context, j *kind.Judgement, conn *pgx.Conn, t *target, srv qyServer) {
	f, err := qyReadHygiene(ctx, conn, srv)
	if err != nil {
		qyErrorLine(j, "schema hygiene", t, "reading pg_index, pg_stat_user_tables, pg_stat_user_indexes and pg_db_role_setting", err)
		return
	}
	qyJudgeInvalid(j, f.invalid)
	qyJudgeSeqOnly(j, f)
	qyJudgeUnused(j, f)
	qyJudgeTimeouts(j, f, "statement_timeout", f.serverStatement, func(r qyRoleTimeouts) *string { return r.statement }, "30s")
	qyJudgeTimeouts(j, f, "idle_in_transaction_session_timeout", f.serverIdle, func(r qyRoleTimeouts) *string { return r.idleInTx }, "60s")
}

func qyReadHygiene(ctx context.Context, conn *pgx.Conn, srv qyServer) (qyHygieneFacts, error) {
	var f qyHygieneFacts
	var batch pgx.Batch
	f.queueIndexes(&batch, srv)
	f.queueStats(&batch)
	f.queueRoles(&batch)
	return f, conn.SendBatch(ctx, &batch).Close()
}

// queueIndexes asks for invalid indexes (and whether each is being built right now), and for
// big tables only ever scanned sequentially.
func (f *qyHygieneFacts) queueIndexes(batch *pgx.Batch, srv qyServer) {
	// pg_stat_progress_create_index came with PostgreSQL 12.
	building := "false"
	if srv.version >= 120000 {
		building = "i.indexrelid IN (SELECT index_relid FROM pg_stat_progress_create_index)"
	}
	batch.Queue(`SELECT n.nspname, ic.relname, tc.relname, ` + building + `
		FROM pg_index i
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_class tc ON tc.oid = i.indrelid
		JOIN pg_namespace n ON n.oid = ic.relnamespace
		WHERE NOT i.indisvalid ORDER BY 1, 2`).Query(func(rows pgx.Rows) (err error) {
		f.invalid, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qyInvalidIndex, error) {
			var x qyInvalidIndex
			return x, r.Scan(&x.schema, &x.index, &x.table, &x.building)
		})
		return err
	})
	batch.Queue(`SELECT s.schemaname, s.relname, c.reltuples::float8, s.seq_scan
		FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE c.reltuples > $1 AND s.seq_scan > $2 AND coalesce(s.idx_scan, 0) = 0
		ORDER BY s.seq_scan DESC LIMIT $3`, qyBigTableRows, qyManySeqScans, qyShownNames+1).Query(func(rows pgx.Rows) (err error) {
		f.seqOnly, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qySeqOnlyTable, error) {
			var x qySeqOnlyTable
			return x, r.Scan(&x.schema, &x.table, &x.rows, &x.seqScans)
		})
		return err
	})
}

// queueStats asks for big indexes never used, and how long the counters have been counting.
func (f *qyHygieneFacts) queueStats(batch *pgx.Batch) {
	// Unique, primary key and exclusion indexes enforce constraints however rarely a query
	// uses them.
	batch.Queue(`SELECT s.schemaname, s.relname, s.indexrelname, pg_relation_size(s.indexrelid)
		FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
		WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND NOT i.indisexclusion
		  AND pg_relation_size(s.indexrelid) > $1
		ORDER BY 4 DESC LIMIT $2`, qyBigIndexBytes, qyShownNames+1).Query(func(rows pgx.Rows) (err error) {
		f.unused, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qyUnusedIndex, error) {
			var x qyUnusedIndex
			return x, r.Scan(&x.schema, &x.table, &x.index, &x.bytes)
		})
		return err
	})
	// Counters were never reset when stats_reset is NULL: they then cover at least the time
	// since the server started (PostgreSQL 15 keeps them over a clean restart, not a crash).
	batch.Queue(`SELECT d.stats_reset, pg_postmaster_start_time(), now() FROM pg_stat_database d WHERE d.datname = current_database()`).QueryRow(func(r pgx.Row) error {
		var reset *time.Time
		var started, now time.Time
		if err := r.Scan(&reset, &started, &now); err != nil {
			return err
		}
		if reset != nil {
			f.statsSince = "stats_reset " + bkWhen(*reset, now)
			f.statsDays = now.Sub(*reset).Hours() / 24
		} else {
			f.statsSince = "their start (never reset; server up " + bkAge(now.Sub(started)) + ")"
			f.statsDays = now.Sub(started).Hours() / 24
		}
		return nil
	})
}

// queueRoles asks for the login roles' own timeouts and the server's.
func (f *qyHygieneFacts) queueRoles(batch *pgx.Batch) {
	// The most specific setting wins: the role in this database, the role, then the database.
	batch.Queue(`WITH cfg AS (
		  SELECT s.setrole, s.setdatabase, split_part(x, '=', 1) AS name, substr(x, strpos(x, '=') + 1) AS value
		  FROM pg_db_role_setting s, unnest(s.setconfig) x
		  WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())))
		SELECT r.rolname,
		  (SELECT value FROM cfg WHERE name = 'statement_timeout' AND setrole IN (0, r.oid) ORDER BY setrole = r.oid DESC, setdatabase <> 0 DESC LIMIT 1),
		  (SELECT value FROM cfg WHERE name = 'idle_in_transaction_session_timeout' AND setrole IN (0, r.oid) ORDER BY setrole = r.oid DESC, setdatabase <> 0 DESC LIMIT 1)
		FROM pg_roles r
		WHERE r.rolcanlogin AND NOT r.rolsuper AND NOT r.rolreplication AND r.rolname !~ '^pg_'
		ORDER BY 1`).Query(func(rows pgx.Rows) (err error) {
		f.roles, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qyRoleTimeouts, error) {
			var x qyRoleTimeouts
			return x, r.Scan(&x.name, &x.statement, &x.idleInTx)
		})
		return err
	})
	// This session's value is the server's unless it came from this role's or database's own
	// settings, which hide the server's.
	batch.Queue(`SELECT
		  max(setting) FILTER (WHERE name = 'statement_timeout' AND source NOT IN ('user', 'database', 'database user', 'client', 'session')),
		  max(setting) FILTER (WHERE name = 'idle_in_transaction_session_timeout' AND source NOT IN ('user', 'database', 'database user', 'client', 'session'))
		FROM pg_settings WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout')`).QueryRow(func(r pgx.Row) error {
		var st, idle *string
		err := r.Scan(&st, &idle)
		f.serverStatement, f.serverIdle = deref(st, ""), deref(idle, "")
		return err
	})
}

func qyJudgeInvalid(j *kind.Judgement, invalid []qyInvalidIndex) {
	var broken, building []string
	for _, x := range invalid {
		name := qyRelName(x.schema, x.index) + " on " + x.table
		if x.building {
			building = append(building, name)
		} else {
			broken = append(broken, name)
		}
	}
	if len(building) > 0 {
		j.Observe("indexes being built", qyNames(building), "")
	}
	if len(broken) == 0 {
		j.Observe("invalid indexes", "none", "none")
		j.Note("no invalid indexes")
		return
	}
	first := invalid[0]
	for _, x := range invalid {
		if !x.building {
			first = x
			break
		}
	}
	j.Add(kind.Line{Label: "invalid indexes", Observed: qyNames(broken), Expected: "none", Status: kind.Fail,
		Problem: fmt.Sprintf("%d invalid %s (left by a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY): %s; queries cannot use them, yet every write still updates them",
			len(broken), kind.Plural(len(broken), "index", "indexes"), qyNames(broken)),
		Remedy: fmt.Sprintf("drop and rebuild each: DROP INDEX CONCURRENTLY %s; then run its CREATE INDEX CONCURRENTLY again (or REINDEX INDEX CONCURRENTLY %s)",
			qyIdent(first.schema)+"."+qyIdent(first.index), qyIdent(first.schema)+"."+qyIdent(first.index))})
}

func qyJudgeSeqOnly(j *kind.Judgement, f qyHygieneFacts) {
	label := "big tables never read by index"
	expected := fmt.Sprintf("no table over %s rows with more than %s sequential scans and no index scan", qyNum(qyBigTableRows), qyNum(qyManySeqScans))
	if len(f.seqOnly) == 0 {
		j.Observe(label, "none, by counters since "+f.statsSince, expected)
		return
	}
	var names []string
	for _, x := range f.seqOnly {
		names = append(names, fmt.Sprintf("%s (~%s rows, %s seq scans)", qyRelName(x.schema, x.table), qyNum(x.rows), qyNum(float64(x.seqScans))))
	}
	j.Add(kind.Line{Label: label, Observed: qyNames(names) + "; counters since " + f.statsSince, Expected: expected, Status: kind.Warn,
		Problem: fmt.Sprintf("%s is scanned sequentially again and again and never through an index", qyNames(names)),
		Remedy:  "find the queries that scan these tables (pg_stat_statements, or the slow query log) and add the indexes their WHERE clauses need; list them under explain:"})
}

func qyJudgeUnused(j *kind.Judgement, f qyHygieneFacts) {
	label := "big indexes never used"
	expected := fmt.Sprintf("every index over %s used since statistics were reset", kind.ByteSize(qyBigIndexBytes))
	if f.statsDays < qyUnusedIndexDays {
		j.Observe(label, fmt.Sprintf("not judged: the scan counters cover less than %d days (%s)", qyUnusedIndexDays, f.statsSince), expected)
		return
	}
	if len(f.unused) == 0 {
		j.Observe(label, "none, by counters since "+f.statsSince, expected)
		return
	}
	var names []string
	for _, x := range f.unused {
		names = append(names, fmt.Sprintf("%s on %s (%s)", qyRelName(x.schema, x.index), x.table, kind.ByteSize(x.bytes)))
	}
	j.Add(kind.Line{Label: label, Observed: qyNames(names) + "; counters since " + f.statsSince, Expected: expected, Status: kind.Warn,
		Problem: fmt.Sprintf("%s never scanned since %s: each slows every write and takes disk and cache", qyNames(names), f.statsSince),
		Remedy:  "check the replicas' statistics too (an index may serve only their queries), then DROP INDEX CONCURRENTLY the ones nothing uses"})
}

// qyJudgeTimeouts warns about login roles that run without a timeout, where one runaway query
// or leaked transaction holds its connection and locks for as long as it likes.
func qyJudgeTimeouts(j *kind.Judgement, f qyHygieneFacts, setting, server string, own func(qyRoleTimeouts) *string, suggest string) {
	label := "roles without " + setting
	if server != "" && !qyZeroSetting(server) {
		j.Observe(label, fmt.Sprintf("none: %s is %s server-wide", setting, qyWithUnit(setting, server)), "every login role has one")
		return
	}
	var without []string
	for _, r := range f.roles {
		if v := own(r); v == nil || qyZeroSetting(*v) {
			without = append(without, r.name)
		}
	}
	if len(f.roles) == 0 {
		j.Observe(label, "no login roles besides superusers and replication roles", "every login role has one")
		return
	}
	if len(without) == 0 {
		j.Observe(label, "none: each login role or its database sets one", "every login role has one")
		return
	}
	obs := qyNames(without)
	if server == "" {
		obs += " (unless postgresql.conf sets one, which this role cannot see)"
	}
	j.Add(kind.Line{Label: label, Observed: obs, Expected: "every login role has one", Status: kind.Warn,
		Problem: fmt.Sprintf("%s %s no %s", qyNames(without), kind.Plural(len(without), "has", "have"), setting),
		Remedy:  fmt.Sprintf("give application roles a limit, e.g. ALTER ROLE %s SET %s = '%s'", quoteIdent(without[0]), setting, suggest)})
}

// qyZeroSetting reports whether a timeout setting ("0", "0ms", '0') turns the timeout off.
func qyZeroSetting(v string) bool {
	v = strings.Trim(strings.TrimSpace(v), `'"`)
	v = strings.TrimRight(v, "abcdefghijklmnopqrstuvwxyz ")
	n, err := strconv.ParseFloat(v, 64)
	return err == nil && n == 0
}

// qyWithUnit adds pg_settings' unit (milliseconds) to a bare number.
func qyWithUnit(setting, v string) string {
	if _, err := strconv.Atoi(v); err == nil {
		return v + "ms"
	}
	return v
}

// qyNames lists names, the first ten and how many more.
func qyNames(names []string) string {
	if len(names) > qyShownNames {
		return strings.Join(names[:qyShownNames], ", ") + fmt.Sprintf(" and %d more", len(names)-qyShownNames)
	}
	return strings.Join(names, ", ")
}
