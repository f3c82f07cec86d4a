package postgrescheck

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
)

// mgMaxTables caps the write counters sampled from dsn: far beyond a real schema, small enough
// that a catalog of partitions cannot fill memory.
const mgMaxTables = 200000

// mgProd is the database whose sizes weigh the result. Only catalog and statistics views are
// read, in a read-only session.
type mgProd struct {
	t       *target
	conn    *pgx.Conn
	version string
	major   int
	sysid   string
	// writes are n_tup_ins + n_tup_upd + n_tup_del by table when the check started, to tell
	// the write rate during the trace.
	writes  map[uint32]int64
	sampled time.Time
}

// mgNewProd reads dsn's version and identity, and samples its write counters.
func mgNewProd(ctx context.Context, conn *pgx.Conn, t *target) (*mgProd, error) {
	p := &mgProd{t: t, conn: conn, writes: map[uint32]int64{}}
	var num int
	err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int`).Scan(&p.version, &num)
	if err != nil {
		return nil, err
	}
	p.version, _, _ = strings.Cut(p.version, " ")
	// Unreadable, the identifier stays empty, and the same-server test says it cannot tell.
	_ = conn.QueryRow(ctx, `SELECT system_identifier::text FROM pg_control_system()`).Scan(&p.sysid)
	p.major = num / 10000
	return p, p.sampleWrites(ctx)
}

func (p *mgProd) sampleWrites(ctx context.Context) error {
	rows, err := p.conn.Query(ctx, fmt.Sprintf(`SELECT relid::int8, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables LIMIT %d`, mgMaxTables))
	if err != nil {
		return err
	}
	var oid, n int64
	_, err = pgx.ForEachRow(rows, []any{&oid, &n}, func() error { p.writes[uint32(oid)] = n; return nil })
	p.sampled = time.Now()
	return err
}

// mgSize is how big a table is where it is weighed.
type mgSize struct {
	found bool
	rows  int64
	// unknownRows: the table has pages but was never analyzed, so reltuples says nothing.
	unknownRows bool
	bytes       int64
	// rate is writes per second during the trace, when it could be measured (-1 when not).
	rate   float64
	window time.Duration
}

// mgSizeQuery reads the size of the named tables: a partitioned table counts its leaf
// partitions. Its parameters are the schemas and the names.
const mgSizeQuery = `WITH wanted AS (SELECT * FROM unnest($1::text[], $2::text[]) AS w(nsp, rel))
SELECT n.nspname, c.relname,
  coalesce(sum(greatest(p.reltuples, 0)), 0)::int8,
  coalesce(bool_or(p.reltuples < 0 AND p.relpages > 0), false),
  coalesce(sum(pg_total_relation_size(p.oid)), 0)::int8,
  coalesce(sum(s.n_tup_ins + s.n_tup_upd + s.n_tup_del), 0)::int8,
  coalesce(array_agg(p.oid::int8) FILTER (WHERE p.oid IS NOT NULL), '{}')
FROM wanted w
JOIN pg_namespace n ON n.nspname = w.nsp
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.rel
LEFT JOIN pg_class p ON (p.oid = c.oid AND c.relkind IN ('r', 'm'))
  OR (c.relkind = 'p' AND p.oid IN (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf))
LEFT JOIN pg_stat_user_tables s ON s.relid = p.oid
GROUP BY 1, 2`

// mgReadSizes reads the sizes of tables (by schema-qualified name) on conn. With writes (a
// sample taken at since), it also tells each table's write rate since then.
func mgReadSizes(ctx context.Context, conn *pgx.Conn, tables []mgRel, writes map[uint32]int64, since time.Time) (map[string]mgSize, error) {
	out := map[string]mgSize{}
	if len(tables) == 0 {
		return out, nil
	}
	var nsps, names []string
	for _, r := range tables {
		nsps, names = append(nsps, r.schema), append(names, r.name)
	}
	rows, err := conn.Query(ctx, mgSizeQuery, nsps, names)
	if err != nil {
		return nil, err
	}
	window := time.Since(since)
	var nsp, name string
	var s mgSize
	var w int64
	var leaves []int64
	_, err = pgx.ForEachRow(rows, []any{&nsp, &name, &s.rows, &s.unknownRows, &s.bytes, &w, &leaves}, func() error {
		s.found, s.rate, s.window = true, -1, window
		// Statistics reach the views up to a second late: a shorter window says nothing.
		if writes != nil && window >= time.Second {
			before := int64(0)
			for _, l := range leaves {
				before += writes[uint32(l)]
			}
			s.rate = float64(max(w-before, 0)) / window.Seconds()
		}
		out[nsp+"."+name] = s
		return nil
	})
	return out, err
}

// describe says how big a table is, for a finding: "2.0M rows, 180 MiB, ~35 writes/s".
func (s mgSize) describe() string {
	if !s.found {
		return "not found where sizes were read"
	}
	rows := mgCount(s.rows) + " rows"
	if s.unknownRows {
		rows = "rows unknown (never analyzed)"
	}
	out := rows + ", " + mgBytes(s.bytes)
	if s.rate > 0 {
		out += fmt.Sprintf(", ~%s writes/s over %s", mgRate(s.rate), kind.Elapsed(s.window.Round(100*time.Millisecond)))
	}
	return out
}

// mgBytes writes a size the way people say it: 61 GiB, 180 MiB, 8.0 KiB.
func mgBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f, u = f/1024, u+1
	}
	if u > 0 && f < 10 {
		return fmt.Sprintf("%.1f %s", f, units[u])
	}
	return fmt.Sprintf("%.0f %s", f, units[u])
}

// mgCount writes a row count the way people say it: 412M, 2.0M, 35k, 120.
func mgCount(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func mgRate(r float64) string {
	if r >= 10 || r == 0 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}
