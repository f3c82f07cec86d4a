package postgrescheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
)

// mgDropTimeout bounds dropping the scratch database. The drop runs on a context of its own, so
// that it also happens after the check's deadline passed or the run was interrupted.
const mgDropTimeout = 10 * time.Second

// mgScratchPrefix starts the name of every scratch database, so that a person who finds one
// (after a kill -9) knows whose it is.
const mgScratchPrefix = "launchgate_trace_"

// Lock modes, weakest first; the index is the strength.
var (
	mgLockModes = []string{"AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
		"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"}
	mgLockNames = []string{"ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE",
		"SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}
)

const (
	mgNoLock               = -1
	mgShareUpdateExclusive = 3
	// mgShare and stronger conflict with ROW EXCLUSIVE: writes wait.
	mgShare = 4
	// mgAccessExclusive conflicts with everything: reads wait too.
	mgAccessExclusive = 7
)

func mgLockName(mode int) string {
	if mode < 0 || mode >= len(mgLockNames) {
		return "no lock"
	}
	return mgLockNames[mode]
}

// mgShadow is the shadow server: an administrative session and the scratch database.
type mgShadow struct {
	t     *target
	admin *pgx.Conn
	// adminPID is the administrative session's backend, to end it should a cancel have left
	// it running a statement.
	adminPID uint32
	scratch  string
	version  string
	major    int
	sysid    string
	// canForce: DROP DATABASE … WITH (FORCE) exists (PostgreSQL 13+).
	canForce bool
}

// mgNewShadow reads what tells the shadow server apart, on its administrative session.
func mgNewShadow(ctx context.Context, conn *pgx.Conn, t *target) (*mgShadow, error) {
	s := &mgShadow{t: t, admin: conn, adminPID: conn.PgConn().PID()}
	var num int
	err := conn.QueryRow(ctx, `SELECT current_setting('server_version'), current_setting('server_version_num')::int`).Scan(&s.version, &num)
	if err != nil {
		return nil, err
	}
	// "15.8 (Debian 15.8-1.pgdg120+1)": the packager's part says nothing about locks.
	s.version, _, _ = strings.Cut(s.version, " ")
	// Unreadable, the identifier stays empty, and the same-server test says it cannot tell.
	_ = conn.QueryRow(ctx, `SELECT system_identifier::text FROM pg_control_system()`).Scan(&s.sysid)
	s.major, s.canForce = num/10000, num >= 130000
	return s, nil
}

// create makes the scratch database. Its comment says what it is, for whoever finds one that a
// killed run could not drop.
func (s *mgShadow) create(ctx context.Context, now time.Time) error {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	name := mgScratchPrefix + hex.EncodeToString(b[:])
	// Set first: a CREATE interrupted half-way may still leave the database behind.
	s.scratch = name
	if _, err := s.admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
		return fmt.Errorf("creating the scratch database %s: %w", name, err)
	}
	comment := fmt.Sprintf("launchgate postgres.migration scratch database, created %s; safe to drop", now.UTC().Format(time.RFC3339))
	_, err := s.admin.Exec(ctx, "COMMENT ON DATABASE "+name+" IS '"+comment+"'")
	return err
}

// connectScratch opens the session the migrations run in.
func (s *mgShadow) connectScratch(ctx context.Context, env *kind.Env) (*pgx.Conn, error) {
	cfg := s.t.cfg.Copy()
	cfg.Database = s.scratch
	conn, _, err := connect(ctx, env, &target{cfg: cfg, name: describe(cfg), red: s.t.red})
	return conn, err
}

// close drops the scratch database and ends the administrative session. It runs on a fresh
// context: the check's own may be past its deadline or cancelled by Ctrl-C, and the database
// must go either way. A cancel closes the client's side of a session at once, but the server
// may still be running its statement (even the CREATE DATABASE, which would then commit after
// the drop): such sessions are ended, and waited for, before the drop.
func (s *mgShadow) close(env *kind.Env) error {
	ctx, cancel := context.WithTimeout(context.Background(), mgDropTimeout)
	defer cancel()
	defer func() { closeConn(s.admin) }()
	if s.scratch == "" {
		return nil
	}
	if err := s.drop(ctx, env); err != nil {
		return fmt.Errorf("dropping the scratch database %s: %w", s.scratch, err)
	}
	return nil
}

func (s *mgShadow) drop(ctx context.Context, env *kind.Env) error {
	if s.admin.IsClosed() {
		conn, _, err := connect(ctx, env, s.t)
		if err != nil {
			return err
		}
		s.admin = conn
	}
	const others = `FROM pg_stat_activity WHERE (datname = $1 OR pid = $2) AND pid <> pg_backend_pid()`
	if _, err := s.admin.Exec(ctx, `SELECT pg_terminate_backend(pid) `+others, s.scratch, s.adminPID); err != nil {
		return err
	}
	for {
		var n int
		if err := s.admin.QueryRow(ctx, `SELECT count(*) `+others, s.scratch, s.adminPID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d sessions did not end: %w", n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	drop := "DROP DATABASE IF EXISTS " + s.scratch
	if s.canForce {
		drop += " WITH (FORCE)"
	}
	_, err := s.admin.Exec(ctx, drop)
	return err
}

// mgRel is a relation of the scratch database.
type mgRel struct {
	oid, filenode uint32
	kind          string // pg_class.relkind
	schema, name  string
	table         uint32 // for an index, its table
}

func (r mgRel) qualified() string { return r.schema + "." + r.name }

// isTable: a relation whose locks matter to the application's queries.
func (r mgRel) isTable() bool { return strings.Contains("rpmvf", r.kind) }

// mgColKey is a column of a table.
type mgColKey struct {
	rel uint32
	num int16
}

// mgCol is a column of a table.
type mgCol struct {
	name string
	// required: NOT NULL with no default, identity or generation to fill existing rows.
	required bool
}

// mgSnapshot is the state of the harness session between two statements.
type mgSnapshot struct {
	rels  map[uint32]mgRel
	cols  map[mgColKey]mgCol
	scans map[uint32]int64 // sequential scans this transaction made, by table
	locks map[uint32]int   // the strongest lock this session holds, by relation
	// lockTimeout is the session's lock_timeout.
	lockTimeout time.Duration
}

const mgUserSchemas = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'`

// mgSnapshotQueries read, in one round trip, everything a statement's effect is measured by.
var mgSnapshotQueries = []string{
	`SELECT c.oid::int8, c.relfilenode::int8, c.relkind::text, n.nspname, c.relname, coalesce(i.indrelid, 0)::int8
	 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_index i ON i.indexrelid = c.oid
	 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'f', 'i', 'I') AND ` + mgUserSchemas,
	`SELECT a.attrelid::int8, a.attnum, a.attname, a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''
	 FROM pg_attribute a
	 JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	 WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND ` + mgUserSchemas,
	`SELECT relid::int8, seq_scan FROM pg_stat_xact_user_tables`,
	`SELECT relation::int8, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
	 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
	`SELECT setting::int8 FROM pg_settings WHERE name = 'lock_timeout'`,
}

func mgTakeSnapshot(ctx context.Context, conn *pgx.Conn) (*mgSnapshot, error) {
	s := &mgSnapshot{rels: map[uint32]mgRel{}, cols: map[mgColKey]mgCol{}, scans: map[uint32]int64{}, locks: map[uint32]int{}}
	var b pgx.Batch
	b.Queue(mgSnapshotQueries[0]).Query(func(rows pgx.Rows) error {
		var r mgRel
		var oid, node, table int64
		_, err := pgx.ForEachRow(rows, []any{&oid, &node, &r.kind, &r.schema, &r.name, &table}, func() error {
			r.oid, r.filenode, r.table = uint32(oid), uint32(node), uint32(table)
			s.rels[r.oid] = r
			return nil
		})
		return err
	})
	b.Queue(mgSnapshotQueries[1]).Query(func(rows pgx.Rows) error {
		var rel int64
		var num int16
		var col mgCol
		_, err := pgx.ForEachRow(rows, []any{&rel, &num, &col.name, &col.required}, func() error {
			s.cols[mgColKey{uint32(rel), num}] = col
			return nil
		})
		return err
	})
	b.Queue(mgSnapshotQueries[2]).Query(func(rows pgx.Rows) error {
		var rel, n int64
		_, err := pgx.ForEachRow(rows, []any{&rel, &n}, func() error { s.scans[uint32(rel)] = n; return nil })
		return err
	})
	b.Queue(mgSnapshotQueries[3]).Query(func(rows pgx.Rows) error {
		var rel int64
		var mode string
		_, err := pgx.ForEachRow(rows, []any{&rel, &mode}, func() error {
			if m := slices.Index(mgLockModes, mode); m > mgNoLock {
				s.locks[uint32(rel)] = max(s.locks[uint32(rel)], m)
			}
			return nil
		})
		return err
	})
	b.Queue(mgSnapshotQueries[4]).QueryRow(func(row pgx.Row) error {
		var ms int64
		err := row.Scan(&ms)
		s.lockTimeout = time.Duration(ms) * time.Millisecond
		return err
	})
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("reading the catalog of the scratch database: %w", err)
	}
	return s, nil
}

// lockOf is the strongest lock held on a relation, mgNoLock when none.
func (s *mgSnapshot) lockOf(oid uint32) int {
	if m, ok := s.locks[oid]; ok {
		return m
	}
	return mgNoLock
}

// mgTouch is what one statement did to one table (or view).
type mgTouch struct {
	rel mgRel // as it was before the statement (as created, for a new one)
	// existed: the table was there before the pending migrations (not created by them).
	existed bool
	// lock is the strongest lock held on it after the statement (locks last until commit);
	// newLock says the statement itself took it, so that is where it may have had to wait.
	lock    int
	newLock bool
	// rewritten: its relfilenode changed, so every row was copied.
	rewritten bool
	// indexes counts the indexes built on it, new or rebuilt.
	indexes int
	// scanned counts the sequential scans of it the statement made (a validation scan).
	scanned int64
	dropped bool
	// renamed is the new name of a renamed table (or one moved to another schema).
	renamed string
	// droppedCols and renamedCols name the columns dropped and renamed ("a → b").
	droppedCols, renamedCols []string
	// requiredCols name new NOT NULL columns with nothing to fill the rows already there.
	requiredCols []string
}

// mgEffect is one statement of a pending migration and what it did.
type mgEffect struct {
	file  *mgFile
	stmt  mgStatement
	class mgClass
	words []string
	// lockTimeout is what the migration had set when the statement ran.
	lockTimeout time.Duration
	touched     []mgTouch
}

// mgDiff compares the session before and after a statement.
func mgDiff(before, after *mgSnapshot, baseline map[uint32]bool) []mgTouch {
	d := &mgDiffer{before: before, after: after, baseline: baseline, touches: map[uint32]*mgTouch{}}
	d.relations()
	d.columns()
	d.activity()
	return d.sorted()
}

// mgDiffer gathers what one statement did to each relation that existed before it.
type mgDiffer struct {
	before, after *mgSnapshot
	baseline      map[uint32]bool
	touches       map[uint32]*mgTouch
}

func (d *mgDiffer) touch(r mgRel) *mgTouch {
	t := d.touches[r.oid]
	if t == nil {
		t = &mgTouch{rel: r, existed: d.baseline[r.oid], lock: d.after.lockOf(r.oid)}
		d.touches[r.oid] = t
	}
	return t
}

// relations finds tables dropped, renamed or rewritten, and indexes built or rebuilt on them.
func (d *mgDiffer) relations() {
	for oid, r := range d.before.rels {
		a, still := d.after.rels[oid]
		switch {
		case !r.isTable():
			if still && a.filenode != r.filenode && a.table != 0 {
				d.indexOn(a.table)
			}
		case !still:
			d.touch(r).dropped = true
		default:
			if a.qualified() != r.qualified() {
				d.touch(r).renamed = a.qualified()
			}
			if a.filenode != r.filenode && r.filenode != 0 {
				d.touch(r).rewritten = true
			}
		}
	}
	for oid, a := range d.after.rels {
		if _, old := d.before.rels[oid]; !old && !a.isTable() && a.table != 0 {
			d.indexOn(a.table)
		}
	}
}

// indexOn counts an index built on a table that existed before.
func (d *mgDiffer) indexOn(table uint32) {
	if tr, ok := d.before.rels[table]; ok {
		d.touch(tr).indexes++
	}
}

// columns finds columns dropped and renamed, and new NOT NULL columns on existing tables.
func (d *mgDiffer) columns() {
	for k, col := range d.before.cols {
		r, ok := d.before.rels[k.rel]
		if _, still := d.after.rels[k.rel]; !ok || !still {
			continue
		}
		switch now, ok := d.after.cols[k]; {
		case !ok:
			d.touch(r).droppedCols = append(d.touch(r).droppedCols, col.name)
		case now.name != col.name:
			d.touch(r).renamedCols = append(d.touch(r).renamedCols, col.name+" → "+now.name)
		}
	}
	for k, col := range d.after.cols {
		if r, ok := d.before.rels[k.rel]; ok && col.required {
			if _, old := d.before.cols[k]; !old {
				d.touch(r).requiredCols = append(d.touch(r).requiredCols, col.name)
			}
		}
	}
}

// activity finds the tables the statement scanned and the stronger locks it took.
func (d *mgDiffer) activity() {
	for oid, n := range d.after.scans {
		if r, ok := d.before.rels[oid]; ok && n > d.before.scans[oid] {
			d.touch(r).scanned = n - d.before.scans[oid]
		}
	}
	for oid, m := range d.after.locks {
		if r, ok := d.before.rels[oid]; ok && r.isTable() && m > d.before.lockOf(oid) {
			d.touch(r).newLock = true
		}
	}
}

// sorted is the touches in the order of the relations' names, each list sorted.
func (d *mgDiffer) sorted() []mgTouch {
	out := make([]mgTouch, 0, len(d.touches))
	for _, t := range d.touches {
		slices.Sort(t.droppedCols)
		slices.Sort(t.renamedCols)
		slices.Sort(t.requiredCols)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b mgTouch) int { return strings.Compare(a.rel.qualified(), b.rel.qualified()) })
	return out
}

// mgTracer runs migrations in the scratch database: each file in one harness transaction (its
// own BEGIN and COMMIT are only boundaries), and what cannot run in a transaction on its own.
type mgTracer struct {
	conn *pgx.Conn
	inTx bool
	// cur is the state after the last statement of the open transaction.
	cur *mgSnapshot
	// baseline holds the relations there before the pending migrations.
	baseline map[uint32]bool
}

// mgStmtError is a statement the server refused.
type mgStmtError struct {
	file string
	line int
	err  error
}

func (e *mgStmtError) Error() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, e.message()) }

// message is what the server said, without the place.
func (e *mgStmtError) message() string {
	var pgErr *pgconn.PgError
	if errors.As(e.err, &pgErr) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	return e.err.Error()
}

func (e *mgStmtError) Unwrap() error { return e.err }

// mgErrorLine is the line of the file the server's error points at: its position counts
// characters from the start of the statement.
func mgErrorLine(s mgStatement, err error) int {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Position <= 0 {
		return s.Line
	}
	line, chars := s.Line, int(pgErr.Position)-1
	for _, r := range s.Text {
		if chars == 0 {
			break
		}
		if r == '\n' {
			line++
		}
		chars--
	}
	return line
}

// begin opens the harness transaction, and measures from its start.
func (t *mgTracer) begin(ctx context.Context, measure bool) error {
	if t.inTx {
		return nil
	}
	if _, err := t.conn.Exec(ctx, "BEGIN"); err != nil {
		return err
	}
	t.inTx, t.cur = true, nil
	if measure {
		s, err := mgTakeSnapshot(ctx, t.conn)
		if err != nil {
			return err
		}
		t.cur = s
	}
	return nil
}

func (t *mgTracer) commit(ctx context.Context) error {
	if !t.inTx {
		return nil
	}
	t.inTx, t.cur = false, nil
	_, err := t.conn.Exec(ctx, "COMMIT")
	return err
}

// rollback ends a failed transaction; the session is only good for the drop afterwards.
func (t *mgTracer) rollback() {
	if t.inTx && !t.conn.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, _ = t.conn.Exec(ctx, "ROLLBACK")
	}
	t.inTx = false
}

// apply runs an already-applied migration, unmeasured.
func (t *mgTracer) apply(ctx context.Context, f *mgFile) error {
	for _, s := range f.Stmts {
		if err := t.run(ctx, f, s, mgClassify(mgWords(s.Text)), false, nil); err != nil {
			return err
		}
	}
	return t.commit(ctx)
}

// trace runs a pending migration statement by statement and measures each. lock_timeout starts
// at 0 for every file: a migration must set its own, since the tool that runs it in production
// may give each file a fresh session.
func (t *mgTracer) trace(ctx context.Context, f *mgFile) ([]mgEffect, error) {
	if _, err := t.conn.Exec(ctx, "SET lock_timeout = 0"); err != nil {
		return nil, err
	}
	var effects []mgEffect
	for _, s := range f.Stmts {
		e := mgEffect{file: f, stmt: s, words: mgWords(s.Text)}
		e.class = mgClassify(e.words)
		if err := t.run(ctx, f, s, e.class, true, &e); err != nil {
			return effects, err
		}
		effects = append(effects, e)
	}
	return effects, t.commit(ctx)
}

// run runs one statement as its class says; with measure, it fills in e.
func (t *mgTracer) run(ctx context.Context, f *mgFile, s mgStatement, class mgClass, measure bool, e *mgEffect) error {
	if class == mgBoundary || class == mgServerWide {
		return nil
	}
	var err error
	if class == mgAlone {
		err = t.commit(ctx)
	} else {
		err = t.begin(ctx, measure)
	}
	if err != nil {
		return err
	}
	before := t.cur
	if measure && before == nil {
		if before, err = mgTakeSnapshot(ctx, t.conn); err != nil {
			return err
		}
	}
	if _, err := t.conn.Exec(ctx, s.Text); err != nil {
		t.rollback()
		return &mgStmtError{file: f.Name, line: mgErrorLine(s, err), err: err}
	}
	if !measure {
		return nil
	}
	after, err := mgTakeSnapshot(ctx, t.conn)
	if err != nil {
		return err
	}
	e.lockTimeout = before.lockTimeout
	e.touched = mgDiff(before, after, t.baseline)
	if class == mgAlone {
		// Its locks were released before anybody could look: say what the statement takes.
		for i := range e.touched {
			e.touched[i].lock, e.touched[i].newLock = mgAloneLock(e.words), true
		}
	} else {
		t.cur = after
	}
	return nil
}

// mgAloneLock is the lock a statement that runs outside a transaction takes on its table, from
// the documentation: what CONCURRENTLY exists for, or VACUUM FULL's exclusive one.
func mgAloneLock(words []string) int {
	if len(words) > 1 && words[0] == "vacuum" && slices.Contains(words, "full") {
		return mgAccessExclusive
	}
	return mgShareUpdateExclusive
}

// mgOutcome is what a trace found.
type mgOutcome struct {
	// effects are the pending statements traced, in order.
	effects []mgEffect
	// sizes weigh the tables the statements touched, by their oid in the scratch database.
	sizes map[uint32]mgSize
	// err stopped the trace: a statement the server refused, a lost session, the deadline.
	err error
	// inApplied: err came from a migration that was already applied, not a pending one.
	inApplied bool
}

// run applies the earlier migrations, traces the pending ones, and reads the sizes of what they
// touched: from dsn when there is one, else from the scratch database itself.
func (s *mgShadow) run(ctx context.Context, env *kind.Env, plan *mgPlan, prod *mgProd) mgOutcome {
	var out mgOutcome
	conn, err := s.connectScratch(ctx, env)
	if err != nil {
		out.err = fmt.Errorf("connecting to the scratch database %s: %w", s.scratch, err)
		return out
	}
	defer closeConn(conn)
	t := &mgTracer{conn: conn}
	for _, f := range plan.applied {
		if out.err = t.apply(ctx, f); out.err != nil {
			out.inApplied = true
			return out
		}
	}
	base, err := mgTakeSnapshot(ctx, conn)
	if err != nil {
		out.err = err
		return out
	}
	t.baseline = map[uint32]bool{}
	for oid := range base.rels {
		t.baseline[oid] = true
	}
	for _, f := range plan.pending {
		effects, err := t.trace(ctx, f)
		out.effects = append(out.effects, effects...)
		if err != nil {
			out.err = err
			break
		}
	}
	// Tables are looked up by the names they had before the pending migrations, which are
	// production's names even when a migration renames them.
	var tables []mgRel
	for _, e := range out.effects {
		for _, tc := range e.touched {
			if r, ok := base.rels[tc.rel.oid]; ok && !slices.Contains(tables, r) {
				tables = append(tables, r)
			}
		}
	}
	var sizes map[string]mgSize
	if prod != nil {
		sizes, err = mgReadSizes(ctx, prod.conn, tables, prod.writes, prod.sampled)
	} else {
		t.rollback()
		sizes, err = mgReadSizes(ctx, conn, tables, nil, time.Time{})
	}
	if err != nil && out.err == nil {
		out.err = fmt.Errorf("reading table sizes: %w", err)
	}
	out.sizes = map[uint32]mgSize{}
	for _, r := range tables {
		out.sizes[r.oid] = sizes[r.qualified()]
	}
	return out
}
