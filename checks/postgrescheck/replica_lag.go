package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// pollEvery is how often a replica is asked whether it has caught up: fine enough to measure a
// read-your-writes delay to a few milliseconds, coarse enough to cost a replica nothing.
const pollEvery = 5 * time.Millisecond

// reportMargin is kept from the deadline for closing connections and building the result.
const reportMargin = 250 * time.Millisecond

// ReplicaLag checks that the primary's standbys stream and replay within a time (and optionally
// byte) budget, and optionally measures how long a commit takes to become visible on each.
type ReplicaLag struct {
	PrimaryDSN      string        `yaml:"primary_dsn" required:"true" doc:"The primary, as a URL (postgres://user:pass@host:5432/db) or key=value DSN; its user needs pg_monitor."`
	ReplicaDSNs     DSNList       `yaml:"replica_dsns" doc:"Standbys to connect to and compare with the primary by replay LSN: a YAML list, or one string of comma-separated DSNs such as ${DATABASE_REPLICA_URLS}."`
	MaxLag          kind.Duration `yaml:"max_lag" doc:"Fail when a standby replays later than this behind the primary (and, with probe_visibility, when a commit takes longer than this to become visible)."`
	MaxLagBytes     kind.ByteSize `yaml:"max_lag_bytes" doc:"Fail when a standby's replay position is more than this much WAL behind the primary (e.g. 16MiB); unset does not judge bytes."`
	ExpectReplicas  *int          `yaml:"expect_replicas" doc:"Fail when fewer standbys than this are streaming from the primary; unset expects at least one."`
	ProbeVisibility bool          `yaml:"probe_visibility" doc:"Opt-in write: commit one empty transaction on the primary (it only consumes a transaction ID) and time until each replica in replica_dsns reports it committed."`

	mainDSN  // the primary
	replicas []*target
}

func init() {
	kind.Register(kind.Kind{
		Name:       "postgres.replica_lag",
		Summary:    "PostgreSQL standbys stream and replay within the lag budget, so reads from replicas see recent writes.",
		Title:      "PostgreSQL replicas keep up",
		Positional: "primary_dsn",
		New: func() kind.Check {
			return &ReplicaLag{MaxLag: kind.Duration(time.Second)}
		},
		Example: `primary_dsn: ${DATABASE_URL}
replica_dsns: ${DATABASE_REPLICA_URLS}
max_lag: 100ms
max_lag_bytes: 16MiB
expect_replicas: 2
probe_visibility: false`,
	})
}

// Title names the primary, without its password.
func (c *ReplicaLag) Title() string {
	if t, err := parseTarget(c.PrimaryDSN); err == nil {
		return "Replicas of " + t.address() + " keep up"
	}
	return "PostgreSQL replicas keep up"
}

// Effects: probe_visibility commits a transaction on the primary; without it the check reads.
func (c *ReplicaLag) Effects() kind.Effects { return kind.Effects{Writes: c.ProbeVisibility} }

// Validate parses every DSN and checks the budgets.
func (c *ReplicaLag) Validate() error {
	var errs []error
	if err := c.parse("primary_dsn", c.PrimaryDSN); err != nil {
		errs = append(errs, err)
	}
	replicas, bad := parseReplicas(c.ReplicaDSNs)
	c.replicas, errs = replicas, append(errs, bad...)
	if c.MaxLag <= 0 {
		errs = append(errs, kind.BadParam("max_lag", "must be positive, e.g. 100ms"))
	}
	if c.MaxLagBytes < 0 {
		errs = append(errs, kind.BadParam("max_lag_bytes", "must be positive"))
	}
	if c.ExpectReplicas != nil && *c.ExpectReplicas < 0 {
		errs = append(errs, kind.BadParam("expect_replicas", "must be 0 or more, got %d", *c.ExpectReplicas))
	}
	if c.ProbeVisibility && len(c.ReplicaDSNs) == 0 {
		// Blamed on replica_dsns: it is usually ${VAR}, and an unset one is not a mistake to report.
		errs = append(errs, kind.BadParam("replica_dsns", "is needed with probe_visibility: the probe reads its commit back on each replica"))
	}
	return errors.Join(errs...)
}

// standby is one row of the primary's pg_stat_replication.
type standby struct {
	pid                           int32
	name, client                  string
	state, syncState              *string
	bytesBehind                   *int64
	writeLag, flushLag, replayLag *float64
}

// Run reads pg_stat_replication on the primary, then visits each replica in replica_dsns, then
// (opt-in) probes read-your-writes visibility.
func (c *ReplicaLag) Run(ctx context.Context, env *kind.Env) kind.Result {
	conn, tr, res := c.session(ctx, env, "primary_dsn", "primary connection", c.Validate)
	if res != nil {
		return *res
	}
	defer closeConn(conn)
	p := c.target

	var inRecovery, monitor bool
	if err := conn.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')`).Scan(&inRecovery, &monitor); err != nil {
		return queryError(p, "reading the server's role", tr.why(err))
	}
	if inRecovery {
		return kind.Errorf("point primary_dsn at the primary (the server that accepts writes), not at a standby",
			"%s is a standby (pg_is_in_recovery() is true), not the primary", p.address())
	}
	rows, err := conn.Query(ctx, `SELECT r.pid, coalesce(r.application_name, ''), coalesce(host(r.client_addr), 'local'),
		  r.state, r.sync_state,
		  pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn)::bigint,
		  extract(epoch FROM r.write_lag)::float8, extract(epoch FROM r.flush_lag)::float8, extract(epoch FROM r.replay_lag)::float8
		FROM pg_stat_replication r
		LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid
		WHERE s.slot_type IS DISTINCT FROM 'logical' AND r.state IS DISTINCT FROM 'backup'
		ORDER BY 2, 1`)
	if err != nil {
		return queryError(p, "reading pg_stat_replication", tr.why(err))
	}
	standbys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (standby, error) {
		var s standby
		err := r.Scan(&s.pid, &s.name, &s.client, &s.state, &s.syncState, &s.bytesBehind, &s.writeLag, &s.flushLag, &s.replayLag)
		return s, err
	})
	if err != nil {
		return queryError(p, "reading pg_stat_replication", tr.why(err))
	}
	if len(standbys) > 0 && !monitor {
		return kind.Result{Status: kind.Error,
			Summary: fmt.Sprintf("%s: %s lacks pg_monitor, so pg_stat_replication hides the state and lag of its %d %s", p.address(), p.cfg.User, len(standbys), kind.Plural(len(standbys), "standby", "standbys")),
			Remedy:  fmt.Sprintf("GRANT pg_monitor TO %s; (or run the check as a role that has it)", quoteIdent(p.cfg.User)),
			Evidence: []kind.Evidence{{Label: "pg_stat_replication", Observed: fmt.Sprintf("%d %s with NULL state and lag", len(standbys), kind.Plural(len(standbys), "row", "rows")),
				Expected: "readable with pg_monitor", Status: kind.Error}}}
	}

	j := &judgement{r: kind.Result{Status: kind.Pass}}
	c.judgeStandbys(j, standbys)

	if len(c.replicas) > 0 {
		c.visitReplicas(ctx, env, j, conn, tr)
	}
	return j.finish(c)
}

// judgement is kind.Judgement with the package's rule that a decided failure outranks an error
// it could not judge. r is the verdict it starts from (its status is the floor).
type judgement struct {
	kind.Judgement
	r kind.Result
}

// show records a line of evidence whose problem another rule names.
func (j *judgement) show(e kind.Evidence) {
	j.Show(kind.Line{Label: e.Label, Observed: e.Observed, Expected: e.Expected, Status: e.Status})
}

func (j *judgement) finish(c *ReplicaLag) kind.Result {
	r := j.Result()
	r.Status = kind.Worst(j.r.Status, r.Status)
	decidedWins(&r)
	return r
}

const lagRemedy = "a standby that replays late serves stale reads: check recovery_min_apply_delay on it, its disk and CPU, queries conflicting with replay (max_standby_streaming_delay) and the network; " +
	"send reads that must see a just-committed write to the primary, or commit them with synchronous_commit = remote_apply"

func (c *ReplicaLag) judgeStandbys(j *judgement, standbys []standby) {
	streaming := 0
	var worst time.Duration
	worstName := ""
	for _, s := range standbys {
		name, lag, ok := c.judgeStandby(j, s)
		if !ok {
			continue
		}
		streaming++
		if lag >= worst {
			worst, worstName = lag, name
		}
	}

	want, wantText := 1, "at least 1"
	if c.ExpectReplicas != nil {
		want, wantText = *c.ExpectReplicas, fmt.Sprint(*c.ExpectReplicas)
	}
	st := kind.Pass
	if streaming < want {
		st = kind.Fail
		j.Problem(kind.Fail, fmt.Sprintf("expected %d streaming %s, found %d", want, kind.Plural(want, "replica", "replicas"), streaming),
			"start the missing standby, or find why it cannot stream: its server log, primary_conninfo, pg_hba.conf replication entries on the primary, and max_wal_senders")
	}
	j.show(kind.Evidence{Label: "streaming standbys", Observed: fmt.Sprint(streaming), Expected: wantText, Status: st})
	if streaming > 0 {
		j.Note("%d %s streaming; slowest %s replays %s behind (max %s)",
			streaming, kind.Plural(streaming, "standby", "standbys"), worstName, kind.Elapsed(worst), c.MaxLag)
	} else {
		j.Note("no standbys streaming, as expected")
	}
}

// judgeStandby judges one row of pg_stat_replication and returns the standby's name, its
// replay lag and whether it is streaming.
func (c *ReplicaLag) judgeStandby(j *judgement, s standby) (string, time.Duration, bool) {
	name := fmt.Sprintf("%q from %s", s.name, s.client)
	if s.name == "" {
		name = "pid " + fmt.Sprint(s.pid) + " from " + s.client
	}
	state := deref(s.state, "unknown")
	exp := "streaming, replay ≤ " + c.MaxLag.String()
	if c.MaxLagBytes > 0 {
		exp += ", ≤ " + c.MaxLagBytes.String() + " behind"
	}
	if state != "streaming" {
		j.show(kind.Evidence{Label: "standby " + name, Observed: "state " + state, Expected: exp, Status: kind.Fail})
		j.Problem(kind.Fail, fmt.Sprintf("standby %s is in state %s, not streaming", name, state),
			"a standby in catchup is still replaying a backlog, in startup it has not connected its WAL stream: read its log and check primary_conninfo")
		return name, 0, false
	}
	bytes := int64(0)
	if s.bytesBehind != nil && *s.bytesBehind > 0 {
		bytes = *s.bytesBehind
	}
	lag, lagText := replayLag(s, bytes)
	obs := fmt.Sprintf("streaming (%s), %s, %s behind", deref(s.syncState, "async"), lagText, kind.ByteSize(bytes))
	st := kind.Pass
	if lag > c.MaxLag.D() {
		st = kind.Fail
		j.Problem(kind.Fail, fmt.Sprintf("standby %s replays %s behind the primary (max %s)", name, kind.Elapsed(lag), c.MaxLag), lagRemedy)
	}
	if c.MaxLagBytes > 0 && bytes > int64(c.MaxLagBytes) {
		st = kind.Fail
		j.Problem(kind.Fail, fmt.Sprintf("standby %s is %s of WAL behind (max %s)", name, kind.ByteSize(bytes), c.MaxLagBytes), lagRemedy)
	}
	j.show(kind.Evidence{Label: "standby " + name, Observed: obs, Expected: exp, Status: st})
	return name, lag, true
}

// replayLag is a streaming standby's replay lag and how the evidence says it. The lag columns go
// NULL once the primary is idle and the standby has replayed everything: that is zero lag. NULL
// while bytes are outstanding means no sample yet.
func replayLag(s standby, bytes int64) (time.Duration, string) {
	switch {
	case s.replayLag != nil:
		lag := seconds(*s.replayLag)
		text := "replay lag " + kind.Elapsed(lag)
		if s.writeLag != nil && s.flushLag != nil {
			text += fmt.Sprintf(" (write %s, flush %s)", kind.Elapsed(seconds(*s.writeLag)), kind.Elapsed(seconds(*s.flushLag)))
		}
		return lag, text
	case bytes == 0:
		return 0, "caught up (primary idle: no lag to report)"
	default:
		return 0, "replay lag not sampled yet"
	}
}

// replicaState is one replica_dsns entry during a run.
type replicaState struct {
	t      *target
	conn   *pgx.Conn
	tr     *dialTrace
	ok     bool    // connected, a replaying standby of this primary: worth measuring
	replay *string // replay LSN at the first look
}

// replicaLog collects what one replica's rules found, merged into the judgement in replica order
// once every replica has been visited in parallel.
type replicaLog struct {
	evidence []kind.Evidence
	problems []replicaProblem
}

// add records a line of evidence and, when it did not pass, the problem it names.
func (l *replicaLog) add(e kind.Evidence, summary, remedy string) {
	l.evidence = append(l.evidence, e)
	if summary != "" {
		l.problems = append(l.problems, replicaProblem{e.Status, summary, remedy})
	}
}

// replicaVisit is one run over replica_dsns.
type replicaVisit struct {
	states []*replicaState
	logs   []replicaLog
}

// each runs f in parallel on every replica, or with onlyOK on those still worth measuring.
func (v *replicaVisit) each(onlyOK bool, f func(rs *replicaState, log *replicaLog)) {
	var wg sync.WaitGroup
	for i, rs := range v.states {
		if onlyOK && !rs.ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(rs, &v.logs[i])
		}()
	}
	wg.Wait()
}

func (v *replicaVisit) close() {
	for _, rs := range v.states {
		if rs.conn != nil {
			closeConn(rs.conn)
		}
	}
}

// merge adds every replica's evidence and problems, in replica order.
func (v *replicaVisit) merge(j *judgement) {
	for _, l := range v.logs {
		for _, e := range l.evidence {
			j.show(e)
		}
		for _, p := range l.problems {
			j.Problem(p.status, p.summary, p.remedy)
		}
	}
}

// visitReplicas connects to every replica in parallel, checks that it is a replaying standby,
// and times how long it takes to replay up to the primary's current WAL position. Then, if
// asked, it runs the visibility probe.
func (c *ReplicaLag) visitReplicas(ctx context.Context, env *kind.Env, j *judgement, primary *pgx.Conn, primaryTrace *dialTrace) {
	// The primary's system identifier tells its standbys from anybody else's; without it a
	// replica of another cluster could answer txid_status() about an unrelated transaction.
	var primaryID string
	_ = primary.QueryRow(ctx, `SELECT system_identifier::text FROM pg_control_system()`).Scan(&primaryID)

	v := &replicaVisit{states: make([]*replicaState, len(c.replicas)), logs: make([]replicaLog, len(c.replicas))}
	for i, t := range c.replicas {
		v.states[i] = &replicaState{t: t}
	}
	defer v.close()
	v.each(false, func(rs *replicaState, log *replicaLog) { c.checkReplica(ctx, env, primaryID, rs, log) })

	// The primary's position is read after every replica is connected, so connecting is not
	// counted in the time to replay it.
	var lsn string
	var lsnErr error
	if anyOK(v.states) {
		lsnErr = primary.QueryRow(ctx, `SELECT pg_current_wal_lsn()::text`).Scan(&lsn)
	}
	if anyOK(v.states) && lsnErr == nil {
		lsnAt, waitUntil := time.Now(), c.waitLimit(ctx)
		v.each(true, func(rs *replicaState, log *replicaLog) { c.timeReplay(ctx, rs, lsn, lsnAt, waitUntil, log) })
	}
	v.merge(j)
	switch {
	case lsnErr != nil:
		// What the first look found about the replicas still stands; only the timing is missing.
		res := queryError(c.target, "reading the primary's WAL position", primaryTrace.why(lsnErr))
		j.show(kind.Evidence{Label: "primary WAL position", Observed: res.Summary, Status: kind.Error})
		j.Problem(kind.Error, res.Summary, res.Remedy)
	case !c.ProbeVisibility:
	case anyOK(v.states):
		c.probe(ctx, j, primary, primaryTrace, v.states)
	default:
		// Nothing could read the probe back, so it is not written.
		j.show(kind.Evidence{Label: "visibility probe", Observed: "not run: no replica in replica_dsns is a reachable, replaying standby of this primary", Status: kind.Skip})
	}
}

// checkReplica connects to a replica and makes sure it is a replaying standby of this primary.
func (c *ReplicaLag) checkReplica(ctx context.Context, env *kind.Env, primaryID string, rs *replicaState, log *replicaLog) {
	t := rs.t
	label := "replica " + t.address()
	// A replica that never answers may take half of what is left, not all of it, so the
	// others can still be measured.
	timeout := (probe.Remaining(ctx, defaultTimeout) / 2).Round(10 * time.Millisecond)
	cctx, cancel := kind.WithTimeout(ctx, timeout)
	defer cancel()
	conn, tr, err := connect(cctx, env, t)
	if err != nil {
		f := explainConnect(cctx, err, t, tr, timeout)
		log.add(kind.Evidence{Label: label, Observed: f.kind, Expected: "a session", Status: kind.Error}, "replica "+f.summary, f.remedy)
		return
	}
	rs.conn, rs.tr = conn, tr
	var inRecovery bool
	var paused *bool
	err = conn.QueryRow(ctx, `SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,
		CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END`).Scan(&inRecovery, &rs.replay, &paused)
	if err != nil {
		res := queryError(t, "reading its recovery state", tr.why(err))
		log.add(kind.Evidence{Label: label, Observed: res.Summary, Status: kind.Error}, "replica "+res.Summary, res.Remedy)
		return
	}
	var id string
	_ = conn.QueryRow(ctx, `SELECT system_identifier::text FROM pg_control_system()`).Scan(&id)
	fail := func(observed, expected, summary, remedy string) {
		log.add(kind.Evidence{Label: label, Observed: observed, Expected: expected, Status: kind.Fail}, summary, remedy)
	}
	switch {
	case !inRecovery:
		fail("not in recovery: a primary, not a standby", "a standby",
			fmt.Sprintf("replica %s is not a standby (pg_is_in_recovery() is false)", t.address()),
			"a replica that was promoted (or a DSN pointing at the wrong server) no longer follows the primary: fix replica_dsns or rebuild the standby")
	case primaryID != "" && id != "" && id != primaryID:
		fail("system identifier "+id, "the primary's "+primaryID,
			fmt.Sprintf("replica %s is a standby of another cluster (system identifier %s, the primary's is %s)", t.address(), id, primaryID),
			"fix replica_dsns: this DSN points at a standby of a different primary")
	case paused != nil && *paused:
		fail("WAL replay paused", "replaying", fmt.Sprintf("replica %s has WAL replay paused", t.address()),
			"resume it with SELECT pg_wal_replay_resume(); on the replica")
	case rs.replay == nil:
		fail("has replayed no WAL yet", "replaying", fmt.Sprintf("replica %s has not replayed any WAL", t.address()), "read the replica's server log")
	default:
		rs.ok = true
	}
}

// timeReplay times how long a replica takes to replay up to lsn, where the primary was at lsnAt:
// a read-only measure of its delay that, unlike now() - pg_last_xact_replay_timestamp(), does
// not grow while the primary is idle.
func (c *ReplicaLag) timeReplay(ctx context.Context, rs *replicaState, lsn string, lsnAt, waitUntil time.Time, log *replicaLog) {
	t := rs.t
	label := "replica " + t.address()
	caughtUp, behind, err := chase(ctx, rs.conn, lsn, waitUntil)
	err = rs.tr.why(err)
	took := time.Since(lsnAt)
	exp := "replays the primary's position within " + c.MaxLag.String()
	switch {
	case err != nil && ctx.Err() == nil:
		log.add(kind.Evidence{Label: label, Observed: t.explainErr(err), Expected: exp, Status: kind.Error},
			fmt.Sprintf("replica %s: %s", t.address(), t.explainErr(err)), "check the replica's health and log")
		return
	case !caughtUp:
		log.add(kind.Evidence{Label: label, Observed: fmt.Sprintf("still %s short of the primary's %s after %s", kind.ByteSize(behind), lsn, kind.Elapsed(took)), Expected: exp, Status: kind.Fail},
			fmt.Sprintf("replica %s had not replayed the primary's position after %s (max %s)", t.address(), kind.Elapsed(took), c.MaxLag), lagRemedy)
		return
	}
	obs := fmt.Sprintf("replayed the primary's %s within %s (%s behind at first look)", lsn, kind.Elapsed(took), kind.ByteSize(behind))
	if behind == 0 {
		obs, took = fmt.Sprintf("already at or past the primary's %s", lsn), 0
	}
	var problems []replicaProblem
	if took > c.MaxLag.D() {
		problems = append(problems, replicaProblem{kind.Fail, fmt.Sprintf("replica %s took %s to replay the primary's position (max %s)", t.address(), kind.Elapsed(took), c.MaxLag), lagRemedy})
	}
	if c.MaxLagBytes > 0 && behind > int64(c.MaxLagBytes) {
		problems = append(problems, replicaProblem{kind.Fail, fmt.Sprintf("replica %s was %s of WAL behind (max %s)", t.address(), kind.ByteSize(behind), c.MaxLagBytes), lagRemedy})
	}
	st := kind.Pass
	if len(problems) > 0 {
		st = kind.Fail
	}
	log.add(kind.Evidence{Label: label, Observed: obs, Expected: exp, Status: st}, "", "")
	log.problems = append(log.problems, problems...)
}

// replicaProblem is a problem found on one replica, merged into the result in replica order.
type replicaProblem struct {
	status          kind.Status
	summary, remedy string
}

func anyOK(states []*replicaState) bool {
	for _, rs := range states {
		if rs.ok {
			return true
		}
	}
	return false
}

// chase polls a replica until its replay LSN reaches lsn or the time runs out. It returns
// whether it got there and how far behind the replica was at the first look.
func chase(ctx context.Context, conn *pgx.Conn, lsn string, until time.Time) (bool, int64, error) {
	first := int64(-1)
	for {
		var behind int64
		if err := conn.QueryRow(ctx, `SELECT greatest(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn()), 0)::bigint`, lsn).Scan(&behind); err != nil {
			return false, max(first, 0), err
		}
		if first < 0 {
			first = behind
		}
		if behind == 0 {
			return true, first, nil
		}
		if !sleepUntil(ctx, until) {
			return false, behind, nil
		}
	}
}

// sleepUntil waits one poll interval unless that would pass until or ctx's end.
func sleepUntil(ctx context.Context, until time.Time) bool {
	if time.Now().Add(pollEvery).After(until) {
		return false
	}
	select {
	case <-ctx.Done():
		return false
	case <-time.After(pollEvery):
		return true
	}
}

// waitLimit bounds how long replicas are polled: long enough to measure a lag well past max_lag
// (so the evidence says how far past), never past the check's deadline.
func (c *ReplicaLag) waitLimit(ctx context.Context) time.Time {
	wait := 4 * c.MaxLag.D()
	if wait < 2*time.Second {
		wait = 2 * time.Second
	}
	until := time.Now().Add(wait)
	if dl, ok := ctx.Deadline(); ok && dl.Add(-reportMargin).Before(until) {
		until = dl.Add(-reportMargin)
	}
	return until
}

// probe is the one write: a transaction on the primary that only takes a transaction ID and
// commits (one commit record in the WAL, no table touched), then polls txid_status() on each
// replica until it reports the transaction committed — the moment a read there would see a
// write committed at the same time.
func (c *ReplicaLag) probe(ctx context.Context, j *judgement, primary *pgx.Conn, primaryTrace *dialTrace, states []*replicaState) {
	p := c.target
	var xid int64
	if err := primary.QueryRow(ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
		res := queryError(p, "committing the visibility probe", primaryTrace.why(err))
		j.show(kind.Evidence{Label: "visibility probe write", Observed: res.Summary, Status: kind.Error})
		j.Problem(kind.Error, res.Summary, "the probe needs a session that may commit a transaction on the primary; drop probe_visibility or use a primary_dsn that is not read-only")
		return
	}
	committed := time.Now()
	waitUntil := c.waitLimit(ctx)
	j.show(kind.Evidence{Label: "visibility probe write",
		Observed: fmt.Sprintf("committed one empty transaction on the primary %s as %s: SELECT txid_current() = %d (it consumed one transaction ID and wrote one commit record to the WAL; no table, row or schema was touched)",
			p.address(), p.cfg.User, xid),
		Status: kind.Pass})

	outcomes := make([]visibility, len(states))
	var wg sync.WaitGroup
	for i, rs := range states {
		if !rs.ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = awaitCommit(ctx, rs, xid, committed, waitUntil)
		}()
	}
	wg.Wait()

	var slowest time.Duration
	for i, rs := range states {
		if rs.ok {
			slowest = max(slowest, c.judgeVisibility(j, rs, outcomes[i]))
		}
	}
	j.Note("commits visible on every replica within %s", kind.Elapsed(slowest))
}

// visibility is when the probe's commit became visible on one replica.
type visibility struct {
	visible bool
	after   time.Duration
	err     error
}

// awaitCommit polls a replica until txid_status(xid) says committed, or the time runs out.
func awaitCommit(ctx context.Context, rs *replicaState, xid int64, committed, waitUntil time.Time) visibility {
	for {
		var status *string
		err := rs.conn.QueryRow(ctx, `SELECT txid_status($1)`, xid).Scan(&status)
		var pgErr *pgconn.PgError
		switch {
		case err == nil && status != nil && *status == "committed":
			return visibility{visible: true, after: time.Since(committed)}
		case err == nil:
			// in progress: the commit record is not replayed yet
		case errors.As(err, &pgErr) && pgErr.Code == "22023" && strings.Contains(pgErr.Message, "in the future"):
			// The standby has not replayed any record of this transaction yet.
		case ctx.Err() != nil:
			return visibility{after: time.Since(committed)}
		default:
			return visibility{err: rs.tr.why(err)}
		}
		if !sleepUntil(ctx, waitUntil) {
			return visibility{after: time.Since(committed)}
		}
	}
}

// judgeVisibility judges one replica's outcome of the probe and returns how long the commit
// took to become visible there (zero when it did not).
func (c *ReplicaLag) judgeVisibility(j *judgement, rs *replicaState, o visibility) time.Duration {
	label := "commit visible on " + rs.t.address()
	exp := "≤ " + c.MaxLag.String()
	switch {
	case o.err != nil:
		msg := rs.t.explainErr(o.err)
		j.show(kind.Evidence{Label: label, Observed: msg, Expected: exp, Status: kind.Error})
		j.Problem(kind.Error, fmt.Sprintf("visibility probe on replica %s: %s", rs.t.address(), msg), "check that the replica is a hot standby that accepts queries")
		return 0
	case !o.visible:
		j.show(kind.Evidence{Label: label, Observed: fmt.Sprintf("not visible after %s", kind.Elapsed(o.after)), Expected: exp, Status: kind.Fail})
		j.Problem(kind.Fail, fmt.Sprintf("a commit on the primary was still not visible on replica %s after %s (max %s)", rs.t.address(), kind.Elapsed(o.after), c.MaxLag), lagRemedy)
		return 0
	}
	st := kind.Pass
	if o.after > c.MaxLag.D() {
		st = kind.Fail
		j.Problem(kind.Fail, fmt.Sprintf("a commit on the primary became visible on replica %s after %s (max %s): reads there miss fresh writes", rs.t.address(), kind.Elapsed(o.after), c.MaxLag), lagRemedy)
	}
	j.show(kind.Evidence{Label: label, Observed: "after " + kind.Elapsed(o.after), Expected: exp, Status: st})
	return o.after
}

func deref(s *string, dflt string) string {
	if s == nil {
		return dflt
	}
	return *s
}
