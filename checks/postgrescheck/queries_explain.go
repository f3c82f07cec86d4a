package postgrescheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// qyPlan is one node of EXPLAIN (FORMAT JSON) output, with the fields the judgement reads.
type qyPlan struct {
	NodeType   string   `json:"Node Type"`
	Relation   string   `json:"Relation Name"`
	Schema     string   `json:"Schema"`
	Alias      string   `json:"Alias"`
	IndexName  string   `json:"Index Name"`
	TotalCost  float64  `json:"Total Cost"`
	PlanRows   float64  `json:"Plan Rows"`
	Filter     string   `json:"Filter"`
	ActualRows *float64 `json:"Actual Rows"`
	// With ANALYZE: a sort that did not fit in work_mem says Disk; a hash join or hash
	// aggregate that did not fit splits into batches.
	SortSpaceType  string   `json:"Sort Space Type"`
	SortSpaceUsed  int64    `json:"Sort Space Used"`
	SortMethod     string   `json:"Sort Method"`
	HashBatches    int      `json:"Hash Batches"`
	HashAggBatches int      `json:"HashAgg Batches"`
	DiskUsage      int64    `json:"Disk Usage"`
	Plans          []qyPlan `json:"Plans"`
}

// qyExplainDoc is the EXPLAIN (FORMAT JSON) document of one statement.
type qyExplainDoc struct {
	Plan          qyPlan   `json:"Plan"`
	ExecutionTime *float64 `json:"Execution Time"`
}

// qyMaxPlanBytes bounds the plan a check reads: a plan is a few kilobytes unless a query
// touches thousands of partitions.
const qyMaxPlanBytes = 8 << 20

// explain plans one hot query and judges its plan.
func (c *Queries) explain(ctx context.Context, j *kind.Judgement, conn *pgx.Conn, t *target, q *ExplainQuery) {
	label := "explain " + q.Name
	plan, err := c.runExplain(ctx, conn, q)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code != sqlInsufficientPriv {
			msg := t.clean(pgErr.Message)
			j.Add(kind.Line{Label: label, Observed: fmt.Sprintf("%s (SQLSTATE %s)", msg, pgErr.Code), Expected: "a plan", Status: kind.Error,
				Problem: fmt.Sprintf("%q could not be planned: %s", q.Name, msg),
				Remedy:  "fix the explain entry's sql or params, or apply the migration that creates what it refers to"})
			return
		}
		qyErrorLine(j, label, t, "explaining "+q.Name, err)
		return
	}
	sizes, err := qyScanSizes(ctx, conn, plan)
	if err != nil {
		qyErrorLine(j, label, t, "reading the sizes of the relations "+q.Name+" scans", err)
		return
	}
	// The plan's line stands alone when nothing is wrong with it; otherwise each problem's
	// line carries it.
	summary := qyPlanSummary(plan)
	var lines []kind.Line
	qyWalk(&plan.Plan, func(n *qyPlan) {
		if s, ok := sizes[qyRelKey(n)]; ok && qyIsSeqScan(n) && s.rows > float64(c.MaxSeqScanRows) {
			lines = append(lines, qySeqScanLine(q.Name, n, s, c.MaxSeqScanRows))
		}
		if l, ok := qySpillLine(q.Name, n); ok && c.Analyze {
			l.Observed += "; plan: " + summary
			lines = append(lines, l)
		}
	})
	if c.MaxCost > 0 && plan.Plan.TotalCost > c.MaxCost {
		lines = append(lines, kind.Line{Label: label + ": cost", Observed: fmt.Sprintf("estimated total %s; plan: %s", qyNum(plan.Plan.TotalCost), summary),
			Expected: "≤ " + qyNum(c.MaxCost), Status: kind.Fail,
			Problem: fmt.Sprintf("%q has an estimated cost of %s, above max_cost %s", q.Name, qyNum(plan.Plan.TotalCost), qyNum(c.MaxCost)),
			Remedy:  "look at the plan (EXPLAIN the query yourself) for the expensive node: a missing index, a join on unindexed columns, or a query that reads far more rows than it returns"})
	}
	if len(lines) == 0 {
		j.Observe(label, summary, c.planExpectation())
	}
	for _, l := range lines {
		j.Add(l)
	}
}

func (c *Queries) planExpectation() string {
	s := fmt.Sprintf("no sequential scan over a relation of > %s rows", qyNum(float64(c.MaxSeqScanRows)))
	if c.MaxCost > 0 {
		s += ", cost ≤ " + qyNum(c.MaxCost)
	}
	return s
}

// runExplain plans the query in one round trip: BEGIN READ ONLY, EXPLAIN, ROLLBACK. The
// extended protocol is used on purpose: the server refuses more than one statement in it, and it
// infers each parameter's type from where it is used, as it would for the application. Planning
// runs nothing (short of a function wrongly marked immutable, which the read-only transaction
// stops from writing); with analyze the statement runs, read-only, under a statement_timeout
// that ends before the check does.
func (c *Queries) runExplain(ctx context.Context, conn *pgx.Conn, q *ExplainQuery) (*qyExplainDoc, error) {
	var batch pgconn.Batch
	batch.ExecParams("BEGIN READ ONLY", nil, nil, nil, nil)
	opts := "FORMAT JSON, VERBOSE"
	if c.Analyze {
		opts += ", ANALYZE"
		ms := max((probe.Remaining(ctx, defaultTimeout) - reportMargin).Milliseconds(), 1)
		batch.ExecParams(fmt.Sprintf("SET LOCAL statement_timeout = %d", ms), nil, nil, nil, nil)
	}
	params := make([][]byte, len(q.Params))
	for i, p := range q.Params {
		params[i] = []byte(p)
	}
	batch.ExecParams("EXPLAIN ("+opts+") "+q.SQL, params, nil, nil, nil)
	batch.ExecParams("ROLLBACK", nil, nil, nil, nil)
	results, err := conn.PgConn().ExecBatch(ctx, &batch).ReadAll()
	if conn.PgConn().TxStatus() != 'I' && !conn.PgConn().IsClosed() {
		// A failed EXPLAIN skipped the ROLLBACK: end the aborted transaction.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_, _ = conn.Exec(rctx, "ROLLBACK")
	}
	if err != nil {
		return nil, err
	}
	res := results[len(results)-2]
	if len(res.Rows) != 1 || len(res.Rows[0]) != 1 {
		return nil, fmt.Errorf("EXPLAIN returned %d rows, expected one JSON document", len(res.Rows))
	}
	doc := res.Rows[0][0]
	if len(doc) > qyMaxPlanBytes {
		return nil, fmt.Errorf("the plan is %d bytes, more than the %d this check reads", len(doc), qyMaxPlanBytes)
	}
	return qyReadPlan(doc)
}

// qyReadPlan reads EXPLAIN (FORMAT JSON) output: a list holding one document.
func qyReadPlan(doc []byte) (*qyExplainDoc, error) {
	var out []qyExplainDoc
	if err := json.Unmarshal(doc, &out); err != nil {
		return nil, fmt.Errorf("reading the EXPLAIN output: %w", err)
	}
	if len(out) != 1 {
		return nil, fmt.Errorf("reading the EXPLAIN output: %d plans, expected one", len(out))
	}
	return &out[0], nil
}

func qyWalk(n *qyPlan, f func(*qyPlan)) {
	f(n)
	for i := range n.Plans {
		qyWalk(&n.Plans[i], f)
	}
}

func qyIsSeqScan(n *qyPlan) bool { return n.NodeType == "Seq Scan" && n.Relation != "" }

// qyRelKey names a scanned relation; VERBOSE makes EXPLAIN give its schema.
func qyRelKey(n *qyPlan) string { return n.Schema + "." + n.Relation }

// qyRelName is how a result names a relation: without the schema when it is public.
func qyRelName(schema, rel string) string {
	if schema == "public" || schema == "" {
		return rel
	}
	return schema + "." + rel
}

// qyPlanSummary describes a plan in one line: its top node, the scans below it and its
// estimates (and, with ANALYZE, what really happened).
func qyPlanSummary(p *qyExplainDoc) string {
	root := &p.Plan
	var scans []string
	qyWalk(root, func(n *qyPlan) {
		if n.Relation == "" {
			return
		}
		s := n.NodeType
		if n.IndexName != "" {
			s += " using " + n.IndexName
		}
		scans = append(scans, s+" on "+qyRelName(n.Schema, n.Relation))
	})
	head := root.NodeType
	if len(scans) > 0 && (len(scans) > 1 || root.Relation == "") {
		head += ": " + strings.Join(scans, ", ")
	} else if len(scans) == 1 {
		head = scans[0]
	}
	s := fmt.Sprintf("%s; est. %s %s, cost %s", probe.Clip(head), qyNum(root.PlanRows), kind.Plural(int(root.PlanRows), "row", "rows"), qyNum(root.TotalCost))
	if root.ActualRows != nil {
		s += fmt.Sprintf("; actual %s %s", qyNum(*root.ActualRows), kind.Plural(int(*root.ActualRows), "row", "rows"))
	}
	if et := p.ExecutionTime; et != nil {
		s += " in " + kind.Elapsed(time.Duration(*et*float64(time.Millisecond)))
	}
	return s
}

// qyRelSize is the size of a relation a plan scans sequentially.
type qyRelSize struct {
	rows        float64
	pages       int64
	neverStats  bool    // never analysed: rows is pages × the planner's rows per page
	rowsPerPage float64 // when neverStats
}

func (s qyRelSize) String() string {
	if !s.neverStats {
		return "~" + qyNum(s.rows) + " rows"
	}
	return fmt.Sprintf("~%s rows; never analysed, so %s pages × ~%s rows per page as the planner estimates",
		qyNum(s.rows), qyNum(float64(s.pages)), qyNum(s.rowsPerPage))
}

// qyScanSizes reads the size of every relation the plan scans sequentially, from pg_class:
// the relation's size, not the plan's estimate of the rows its filter keeps, which a selective
// filter makes tiny however big the table is.
func qyScanSizes(ctx context.Context, conn *pgx.Conn, p *qyExplainDoc) (map[string]qyRelSize, error) {
	var schemas, rels []string
	seen := map[string]bool{}
	qyWalk(&p.Plan, func(n *qyPlan) {
		if qyIsSeqScan(n) && !seen[qyRelKey(n)] {
			seen[qyRelKey(n)] = true
			schemas, rels = append(schemas, n.Schema), append(rels, n.Relation)
		}
	})
	sizes := map[string]qyRelSize{}
	if len(rels) == 0 {
		return sizes, nil
	}
	rows, err := conn.Query(ctx, `SELECT n.nspname, c.relname, c.reltuples::float8, c.relpages::bigint,
		  (pg_relation_size(c.oid) / current_setting('block_size')::bigint)::bigint
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		JOIN unnest($1::text[], $2::text[]) AS w(nsp, rel) ON w.nsp = n.nspname AND w.rel = c.relname`, schemas, rels)
	if err != nil {
		return nil, err
	}
	type stat struct {
		schema, rel        string
		reltuples          float64
		relpages, curPages int64
	}
	stats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (stat, error) {
		var s stat
		err := r.Scan(&s.schema, &s.rel, &s.reltuples, &s.relpages, &s.curPages)
		return s, err
	})
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		size := qyRelSize{rows: s.reltuples, pages: s.curPages}
		// reltuples is -1 for a relation never analysed (0 with no pages before PostgreSQL 14).
		if s.reltuples < 0 || s.reltuples == 0 && s.relpages == 0 && s.curPages > 0 {
			est, err := qyPlannerRows(ctx, conn, s.schema, s.rel)
			if err != nil {
				return nil, err
			}
			size = qyRelSize{rows: est, pages: s.curPages, neverStats: true}
			if s.curPages > 0 {
				size.rowsPerPage = est / float64(s.curPages)
			}
		}
		sizes[s.schema+"."+s.rel] = size
	}
	return sizes, nil
}

// qyPlannerRows is the planner's estimate of a relation's rows without statistics: its current
// pages times the rows per page its column widths allow.
func qyPlannerRows(ctx context.Context, conn *pgx.Conn, schema, rel string) (float64, error) {
	var doc []byte
	if err := conn.QueryRow(ctx, "EXPLAIN (FORMAT JSON) SELECT 1 FROM ONLY "+qyIdent(schema)+"."+qyIdent(rel)).Scan(&doc); err != nil {
		return 0, err
	}
	p, err := qyReadPlan(doc)
	if err != nil {
		return 0, err
	}
	return p.Plan.PlanRows, nil
}

// qyIdent always quotes an identifier, for SQL the check builds.
func qyIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

var (
	qyLeadingWildcard = regexp.MustCompile(`~~\*? '[%_]`)
	qyILike           = regexp.MustCompile(`~~\*`)
	qyParenIdent      = regexp.MustCompile(`(^|[^A-Za-z0-9_])\(([A-Za-z_][A-Za-z0-9_."]*)\)`)
	qyCast            = regexp.MustCompile(`::("[^"]*"|[a-z_][a-z0-9_]*(\s(varying|precision|with(out)?\stime\szone))?)(\[\])?`)
)

// qySeqScanLine is the failure of one sequential scan over a big relation, with the most likely
// reason the planner chose it.
func qySeqScanLine(name string, n *qyPlan, size qyRelSize, limit int64) kind.Line {
	rel := qyRelName(n.Schema, n.Relation)
	what := fmt.Sprintf("Seq Scan on %s (%s)", rel, size)
	why, remedy := "it reads every row", fmt.Sprintf("add a WHERE clause that an index on %s serves, or a LIMIT", rel)
	if n.Filter != "" {
		what += " for `" + qyFilterText(n.Filter, n.Alias) + "`"
		switch {
		case qyLeadingWildcard.MatchString(n.Filter):
			why = "a leading-wildcard LIKE cannot use a btree index"
			remedy = fmt.Sprintf("consider pg_trgm GIN: CREATE EXTENSION pg_trgm; CREATE INDEX CONCURRENTLY ON %s USING gin (column gin_trgm_ops); or full-text search", rel)
		case qyILike.MatchString(n.Filter):
			why = "ILIKE cannot use a plain btree index"
			remedy = fmt.Sprintf("index lower(column) on %s and compare lower(column) = lower($1), or use a pg_trgm GIN index", rel)
		default:
			why = "no index serves this filter"
			remedy = fmt.Sprintf("index the filtered columns of %s (CREATE INDEX CONCURRENTLY …), comparing the column itself rather than an expression of it, or an expression index matching the query", rel)
		}
	}
	return kind.Line{Label: fmt.Sprintf("explain %s: seq scan on %s", name, rel),
		Observed: fmt.Sprintf("%s: %s; plan: est. %s rows, cost %s", what, why, qyNum(n.PlanRows), qyNum(n.TotalCost)),
		Expected: fmt.Sprintf("no sequential scan over > %s rows", qyNum(float64(limit))),
		Status:   kind.Fail,
		Problem:  fmt.Sprintf("%q: %s: %s", name, what, why),
		Remedy:   remedy}
}

// qyFilterText shows a plan's filter the way the query wrote it: LIKE rather than ~~, without
// the casts the planner adds and without the scanned relation's alias before its columns.
func qyFilterText(f, alias string) string {
	f = strings.NewReplacer("!~~*", "NOT ILIKE", "!~~", "NOT LIKE", "~~*", "ILIKE", "~~", "LIKE").Replace(f)
	if alias != "" {
		f = regexp.MustCompile(`(^|[^A-Za-z0-9_."])`+regexp.QuoteMeta(alias)+`\.`).ReplaceAllString(f, "$1")
	}
	f = qyCast.ReplaceAllString(f, "")
	for strings.HasPrefix(f, "(") && strings.HasSuffix(f, ")") && qyBalanced(f[1:len(f)-1]) {
		f = f[1 : len(f)-1]
	}
	f = qyParenIdent.ReplaceAllString(f, "$1$2")
	return probe.Clip(f)
}

// qyBalanced reports whether the parentheses in s pair up, so that stripping an outer pair
// does not separate one that belongs to an inner expression.
func qyBalanced(s string) bool {
	depth := 0
	for _, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// qySpillLine warns about a sort or hash that did not fit in work_mem (EXPLAIN ANALYZE only).
func qySpillLine(name string, n *qyPlan) (kind.Line, bool) {
	var what string
	switch {
	case n.SortSpaceType == "Disk":
		what = fmt.Sprintf("%s spilled %s to disk (%s)", n.NodeType, bkSize(n.SortSpaceUsed<<10), n.SortMethod)
	case n.HashBatches > 1:
		what = fmt.Sprintf("%s split into %d batches on disk", n.NodeType, n.HashBatches)
	case n.HashAggBatches > 1 || n.DiskUsage > 0:
		what = fmt.Sprintf("%s spilled %s to disk in %d batches", n.NodeType, bkSize(n.DiskUsage<<10), n.HashAggBatches)
	default:
		return kind.Line{}, false
	}
	return kind.Line{Label: fmt.Sprintf("explain %s: %s", name, strings.ToLower(n.NodeType)), Observed: what, Expected: "fits in work_mem",
		Status:  kind.Warn,
		Problem: fmt.Sprintf("%q: %s", name, what),
		Remedy:  "make the sort or hash smaller (an index that returns rows already ordered, fewer rows or columns), or raise work_mem for this role: ALTER ROLE … SET work_mem = '64MB'"}, true
}

// qyNum prints a count or cost the way a person reads it: 8.44, 1,234, 300,000, 2.4M.
func qyNum(f float64) string {
	switch a := math.Abs(f); {
	case a >= 1e9:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", f/1e9), ".0") + "B"
	case a >= 1e6:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", f/1e6), ".0") + "M"
	case a >= 100:
		return qyThousands(int64(math.Round(f)))
	case a == math.Trunc(a):
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}

func qyThousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
