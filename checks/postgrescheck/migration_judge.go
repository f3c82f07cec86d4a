package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// mgFinding is one thing wrong with a statement.
type mgFinding struct {
	status          kind.Status
	problem, remedy string
}

// judge turns a trace into the result: the setting, each pending file and its statements, what
// stopped the trace, and whether the scratch database is gone.
func (c *Migration) judge(ctx context.Context, plan *mgPlan, sh *mgShadow, prod *mgProd, out mgOutcome, dropErr error) kind.Result {
	j := &kind.Judgement{}
	c.judgeSetting(j, plan, sh, prod)
	traced := 0
	for _, f := range plan.pending {
		var effects []mgEffect
		for _, e := range out.effects {
			if e.file == f {
				effects = append(effects, e)
			}
		}
		traced += c.judgeFile(j, f, effects, out.sizes)
	}
	if out.err != nil {
		c.judgeTraceError(ctx, j, sh, out)
	}
	mgJudgeVersions(j, sh, prod)
	if dropErr != nil {
		j.Add(kind.Line{Label: "scratch database", Observed: sh.t.clean(dropErr.Error()), Expected: "dropped", Status: kind.Error,
			Problem: fmt.Sprintf("the scratch database %s may be left on %s: %s", sh.scratch, sh.t.address(), sh.t.clean(dropErr.Error())),
			Remedy:  fmt.Sprintf("drop it by hand on %s: DROP DATABASE %s;", sh.t.address(), sh.scratch)})
	} else {
		j.Observe("scratch database", sh.scratch+" created and dropped", "dropped")
	}
	j.Note("traced %d %s of %d pending %s on PostgreSQL %s: no long lock on a big table",
		traced, kind.Plural(traced, "statement", "statements"), len(plan.pending), kind.Plural(len(plan.pending), "migration", "migrations"), sh.version)
	r := j.Result()
	decidedWins(&r)
	return r
}

func (c *Migration) judgeSetting(j *kind.Judgement, plan *mgPlan, sh *mgShadow, prod *mgProd) {
	names := make([]string, len(plan.pending))
	for i, f := range plan.pending {
		names[i] = f.Name
	}
	j.Observe("pending", fmt.Sprintf("%d %s, %s: %s", len(names), kind.Plural(len(names), "file", "files"), plan.from, strings.Join(names, ", ")), "")
	j.Observe("applied first", fmt.Sprintf("%d earlier %s", len(plan.applied), kind.Plural(len(plan.applied), "migration", "migrations")), "")
	j.Observe("shadow server", fmt.Sprintf("PostgreSQL %s at %s", sh.version, sh.t.address()), "")
	if prod == nil {
		j.Observe("table sizes from", "the scratch database (no dsn): its tables hold only what the migrations put in them", "")
		return
	}
	j.Observe("table sizes from", fmt.Sprintf("dsn %s (PostgreSQL %s)", prod.t.address(), prod.version), "")
}

// mgJudgeVersions warns when the shadow server is not the major version production runs: locks
// and rewrites change between versions (ADD COLUMN … DEFAULT stopped rewriting in 11), which is
// why they are measured rather than guessed.
func mgJudgeVersions(j *kind.Judgement, sh *mgShadow, prod *mgProd) {
	if prod == nil || prod.major == sh.major {
		return
	}
	j.Add(kind.Line{Label: "versions", Observed: fmt.Sprintf("shadow %d, dsn %d", sh.major, prod.major), Expected: "the same major version", Status: kind.Warn,
		Problem: fmt.Sprintf("the shadow server runs PostgreSQL %d and dsn %d: locks and rewrites differ between major versions, so what was measured may not be what production does", sh.major, prod.major),
		Remedy:  fmt.Sprintf("trace on a shadow server running PostgreSQL %d, like dsn", prod.major)})
}

// judgeFile judges a pending file's statements and returns how many ran.
func (c *Migration) judgeFile(j *kind.Judgement, f *mgFile, effects []mgEffect, sizes map[uint32]mgSize) int {
	ran, alone, skipped := 0, 0, 0
	for _, e := range effects {
		switch e.class {
		case mgTraced:
			ran++
		case mgAlone:
			ran++
			alone++
		case mgServerWide:
			skipped++
		}
	}
	obs := fmt.Sprintf("%d %s traced", ran, kind.Plural(ran, "statement", "statements"))
	if alone > 0 {
		obs += fmt.Sprintf(", %d of them alone, outside a transaction", alone)
	}
	if skipped > 0 {
		obs += fmt.Sprintf("; %d not run (%s)", skipped, "they act on the whole server")
	}
	j.Observe(f.Name, obs, "")
	for _, e := range effects {
		switch e.class {
		case mgBoundary:
			// BEGIN and COMMIT: the harness transaction stood in for them.
		case mgServerWide:
			j.Add(kind.Line{Label: mgLabel(e), Observed: "not run: it acts on the whole shadow server, not on one database", Status: kind.Skip})
		default:
			c.judgeStatement(j, e, sizes, alone > 0 && ran > 1)
		}
	}
	return ran
}

func mgLabel(e mgEffect) string {
	return fmt.Sprintf("%s:%d %s", e.file.Name, e.stmt.Line, e.stmt.FirstLine())
}

// mgRef names a statement in a problem: file, line and its first line.
func mgRef(e mgEffect) string {
	return fmt.Sprintf("%s:%d (%s)", e.file.Name, e.stmt.Line, e.stmt.FirstLine())
}

// judgeStatement adds one evidence line for a statement, with its worst finding; the others
// join the summary.
func (c *Migration) judgeStatement(j *kind.Judgement, e mgEffect, sizes map[uint32]mgSize, mixed bool) {
	var findings []mgFinding
	var parts []string
	blocking := false
	for _, t := range e.touched {
		sz := sizes[t.rel.oid]
		parts = append(parts, mgDescribeTouch(t, sz))
		blocking = blocking || (t.existed && t.newLock && t.lock >= mgShare)
		sized := c.sizedRules(e, t, sz)
		findings = append(findings, sized...)
		if len(sized) == 0 {
			findings = append(findings, c.ruleLockTimeout(e, t)...)
		}
		findings = append(findings, mgRuleDestructive(e, t, sz)...)
		findings = append(findings, mgRuleRequiredColumn(e, t, sz)...)
	}
	if mixed && e.class == mgAlone {
		findings = append(findings, mgFinding{kind.Warn,
			mgRef(e) + " cannot run inside a transaction, and golang-migrate and Flyway run a file in one by default: the migration fails in production",
			"put it in a migration file of its own"})
	}
	obs := "no lock on an existing table"
	if len(parts) > 0 {
		obs = strings.Join(parts, "; ")
	}
	if e.class == mgAlone {
		obs = "ran alone, outside a transaction: " + obs
	}
	if blocking {
		obs += "; " + mgLockTimeoutText(e)
	}
	slices.SortStableFunc(findings, func(a, b mgFinding) int { return int(b.status) - int(a.status) })
	line := kind.Line{Label: mgLabel(e), Observed: obs, Status: kind.Pass,
		Expected: fmt.Sprintf("no blocking rewrite, index build or scan over %s rows; lock_timeout ≤ %s", mgCount(c.MaxRows), c.MaxLockWait)}
	if len(findings) > 0 {
		line.Status, line.Problem, line.Remedy = findings[0].status, findings[0].problem, findings[0].remedy
	}
	j.Add(line)
	for _, f := range findings[min(1, len(findings)):] {
		j.Problem(f.status, f.problem, f.remedy)
	}
}

func mgLockTimeoutText(e mgEffect) string {
	if e.lockTimeout == 0 {
		return "no lock_timeout set"
	}
	return "lock_timeout " + kind.Duration(e.lockTimeout).String()
}

// mgDescribeTouch says what a statement did to a table: "ACCESS EXCLUSIVE on public.orders
// (2.0M rows, 180 MiB), rewrite: yes".
func mgDescribeTouch(t mgTouch, sz mgSize) string {
	s := mgLockName(t.lock) + " on " + t.rel.qualified()
	if t.existed {
		s += " (" + sz.describe() + ")"
	}
	s += ", rewrite: " + map[bool]string{true: "yes", false: "no"}[t.rewritten]
	if t.indexes > 0 {
		s += fmt.Sprintf(", %d %s built", t.indexes, kind.Plural(t.indexes, "index", "indexes"))
	}
	if t.scanned > 0 && !t.rewritten && t.indexes == 0 {
		s += ", full scan"
	}
	return s
}

// sizedRules are the rules that weigh a table's size: a rewrite, an index build or a full scan
// while the statement holds a lock that blocks writes (or everything).
func (c *Migration) sizedRules(e mgEffect, t mgTouch, sz mgSize) []mgFinding {
	if !t.existed {
		return nil
	}
	name, lock, size := t.rel.qualified(), mgLockName(t.lock), sz.describe()
	var problem, remedy string
	switch {
	case t.rewritten && t.lock >= mgAccessExclusive && !mgIsTruncate(e.words):
		problem = fmt.Sprintf("%s rewrites %s (%s) under ACCESS EXCLUSIVE: every read and write of it waits until the copy is done", mgRef(e), name, size)
		remedy = mgRewriteRemedy(e.words)
	case t.indexes > 0 && !t.rewritten && t.lock >= mgShare:
		problem = fmt.Sprintf("%s builds an index on %s (%s) under %s, rewrite: no: %s until it is built", mgRef(e), name, size, lock, mgWhoWaits(t.lock))
		remedy = mgIndexRemedy(e.words)
	case t.scanned > 0 && !t.rewritten && t.indexes == 0 && t.lock >= mgShare:
		problem = fmt.Sprintf("%s scans all of %s (%s) under %s, rewrite: no: %s until the scan is done", mgRef(e), name, size, lock, mgWhoWaits(t.lock))
		remedy = mgValidateRemedy(e.words)
	default:
		return nil
	}
	switch {
	case sz.rows > c.MaxRows:
		return []mgFinding{{kind.Fail, problem, remedy}}
	case sz.unknownRows:
		return []mgFinding{{kind.Warn, problem + "; it may be big",
			fmt.Sprintf("ANALYZE %s; on dsn, so that its size is known; %s", name, remedy)}}
	}
	return nil
}

func mgWhoWaits(lock int) string {
	if lock >= mgAccessExclusive {
		return "every read and write of it waits"
	}
	return "writes to it wait"
}

// ruleLockTimeout: a lock that blocks reads or writes of an existing table must be taken with a
// lock_timeout. Waiting for it behind a long query, the statement blocks every query behind it
// in the lock queue: a short lock becomes an outage. ACCESS EXCLUSIVE fails; weaker blocking
// locks warn.
func (c *Migration) ruleLockTimeout(e mgEffect, t mgTouch) []mgFinding {
	if !t.existed || !t.newLock || t.lock < mgShare {
		return nil
	}
	status := kind.Warn
	if t.lock >= mgAccessExclusive {
		status = kind.Fail
	}
	rewrite := map[bool]string{true: "yes", false: "no"}[t.rewritten]
	remedy := fmt.Sprintf("set a lock_timeout in the migration before it: SET lock_timeout = '%s'; and retry the migration when it times out", c.MaxLockWait)
	switch {
	case e.lockTimeout == 0:
		return []mgFinding{{status, fmt.Sprintf("%s takes %s on %s (rewrite: %s) without a lock_timeout: waiting behind a long query, it makes every query on %s wait behind it",
			mgRef(e), mgLockName(t.lock), t.rel.qualified(), rewrite, t.rel.qualified()), remedy}}
	case e.lockTimeout > c.MaxLockWait.D():
		return []mgFinding{{status, fmt.Sprintf("%s takes %s on %s (rewrite: %s) with lock_timeout %s, above max_lock_wait %s: queries on it may wait that long",
			mgRef(e), mgLockName(t.lock), t.rel.qualified(), rewrite, kind.Duration(e.lockTimeout), c.MaxLockWait), remedy}}
	}
	return nil
}

// mgRuleDestructive warns of what the running application may still use: a dropped, renamed or
// emptied table, a dropped or renamed column.
func mgRuleDestructive(e mgEffect, t mgTouch, sz mgSize) []mgFinding {
	if !t.existed {
		return nil
	}
	const remedy = "deploy the code that stops using it first, then drop or rename it in a later migration"
	name := t.rel.qualified()
	var out []mgFinding
	add := func(format string, args ...any) {
		out = append(out, mgFinding{kind.Warn, mgRef(e) + " " + fmt.Sprintf(format, args...) + ", which the running application may still use", remedy})
	}
	switch {
	case t.dropped:
		add("drops table %s (%s)", name, sz.describe())
	case t.renamed != "":
		add("renames table %s to %s", name, t.renamed)
	case t.rewritten && mgIsTruncate(e.words):
		add("empties table %s (%s)", name, sz.describe())
	}
	if len(t.droppedCols) > 0 {
		add("drops %s %s of %s", kind.Plural(len(t.droppedCols), "column", "columns"), strings.Join(t.droppedCols, ", "), name)
	}
	if len(t.renamedCols) > 0 {
		add("renames %s %s of %s", kind.Plural(len(t.renamedCols), "column", "columns"), strings.Join(t.renamedCols, ", "), name)
	}
	return out
}

// mgRuleRequiredColumn: a NOT NULL column with no default runs on the shadow's empty table, but
// fails in production on a table that has rows.
func mgRuleRequiredColumn(e mgEffect, t mgTouch, sz mgSize) []mgFinding {
	if !t.existed || len(t.requiredCols) == 0 || (sz.rows == 0 && !sz.unknownRows) {
		return nil
	}
	return []mgFinding{{kind.Fail,
		fmt.Sprintf("%s adds NOT NULL %s %s to %s (%s) with no default: it fails in production, where the rows already there have no value for it",
			mgRef(e), kind.Plural(len(t.requiredCols), "column", "columns"), strings.Join(t.requiredCols, ", "), t.rel.qualified(), sz.describe()),
		"add the column with a default (a constant one needs no rewrite since PostgreSQL 11), or add it nullable, fill it in batches, then make it NOT NULL with a validated CHECK first"}}
}

func mgIsTruncate(words []string) bool { return len(words) > 0 && words[0] == "truncate" }

func mgRewriteRemedy(w []string) string {
	switch {
	case slices.Contains(w, "type"):
		return "change the type without rewriting under the lock: add a column of the new type, fill it in batches and keep it in sync with a trigger, then switch over in a short transaction"
	case slices.Contains(w, "add") && slices.Contains(w, "default"):
		return "add the column with a constant default or none (no rewrite since PostgreSQL 11), then fill it in batches"
	case len(w) > 0 && (w[0] == "vacuum" || w[0] == "cluster") || slices.Contains(w, "tablespace"):
		return "use pg_repack, which rewrites a table without holding ACCESS EXCLUSIVE for the whole copy"
	}
	return "avoid the rewrite under the lock: add a new column or table, fill it in batches, and switch over in a short transaction (or use pg_repack)"
}

func mgIndexRemedy(w []string) string {
	switch {
	case len(w) > 0 && w[0] == "create":
		return "CREATE INDEX CONCURRENTLY, in a migration of its own (it cannot run in a transaction)"
	case len(w) > 0 && w[0] == "reindex":
		return "REINDEX … CONCURRENTLY, in a migration of its own"
	case slices.Contains(w, "primary") || slices.Contains(w, "unique"):
		return "build the index first with CREATE UNIQUE INDEX CONCURRENTLY (in a migration of its own), then ALTER TABLE … ADD CONSTRAINT … PRIMARY KEY/UNIQUE USING INDEX"
	}
	return "build the index with CREATE INDEX CONCURRENTLY, in a migration of its own"
}

func mgValidateRemedy(w []string) string {
	switch {
	case slices.Contains(w, "foreign"):
		return "two steps: ADD CONSTRAINT … FOREIGN KEY … NOT VALID (a brief lock, no scan), then in a later migration ALTER TABLE … VALIDATE CONSTRAINT …, which scans under SHARE UPDATE EXCLUSIVE while reads and writes go on"
	case slices.Contains(w, "check"):
		return "two steps: ADD CONSTRAINT … CHECK (…) NOT VALID (a brief lock, no scan), then in a later migration ALTER TABLE … VALIDATE CONSTRAINT …, which scans under SHARE UPDATE EXCLUSIVE while reads and writes go on"
	case slices.Contains(w, "null"):
		return "two steps: ADD CONSTRAINT … CHECK (col IS NOT NULL) NOT VALID, then VALIDATE CONSTRAINT in a later migration (reads and writes go on); SET NOT NULL then skips its scan (PostgreSQL 12+) and the CHECK can be dropped"
	}
	return "add the constraint NOT VALID, then VALIDATE CONSTRAINT in a later migration, which scans while reads and writes go on"
}

// judgeTraceError says what stopped the trace.
func (c *Migration) judgeTraceError(ctx context.Context, j *kind.Judgement, sh *mgShadow, out mgOutcome) {
	var se *mgStmtError
	at := ""
	if errors.As(out.err, &se) {
		at = fmt.Sprintf(" (at %s:%d)", se.file, se.line)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		j.Problem(kind.Error, "the trace did not finish within the check's timeout"+at,
			"raise the check's timeout (e.g. timeout: 5m): the trace applies every earlier migration too")
	case ctx.Err() != nil:
		j.Problem(kind.Error, "the trace was interrupted"+at, "")
	case se != nil && out.inApplied:
		j.Add(kind.Line{Label: fmt.Sprintf("earlier migration %s:%d", se.file, se.line), Observed: sh.t.clean(se.message()), Expected: "applies to an empty database", Status: kind.Error,
			Problem: "an already-applied migration failed on the shadow server: " + sh.t.clean(se.Error()),
			Remedy:  "the migrations before the pending ones must apply to an empty database: create what they assume exists (roles, extensions) on the shadow server, and use production's major version there"})
	case se != nil:
		j.Add(kind.Line{Label: fmt.Sprintf("%s:%d", se.file, se.line), Observed: sh.t.clean(se.message()), Expected: "runs", Status: kind.Error,
			Problem: sh.t.clean(se.Error()), Remedy: "fix the statement: it fails the same way in production"})
	default:
		j.Problem(kind.Error, "the trace failed: "+sh.t.clean(out.err.Error()), "check that the shadow server is up and the user may create a database and run the migrations")
	}
}
