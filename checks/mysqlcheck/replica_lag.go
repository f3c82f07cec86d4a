package mysqlcheck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// ReplicaLag checks that MySQL/MariaDB replicas are replicating and close behind their source:
// reads sent to a replica that stopped replicating hours ago return stale data without error.
type ReplicaLag struct {
	DSN         string        `yaml:"dsn" doc:"One replica to check (shorthand for a one-item replica_dsns), e.g. ${MYSQL_REPLICA_URL}."`
	ReplicaDSNs DSNList       `yaml:"replica_dsns" doc:"The replicas to check, each a go-sql-driver DSN or a mysql:// URL: a YAML list, or one string of comma-separated DSNs (${MYSQL_REPLICA_URLS}). The user needs REPLICATION CLIENT (MySQL) or REPLICA MONITOR (MariaDB)."`
	MaxLag      kind.Duration `yaml:"max_lag" doc:"Fail when a replica is further behind its source than this (Seconds_Behind_Source)."`

	targets []*target
}

func init() {
	kind.Register(kind.Kind{
		Name:       "mysql.replica_lag",
		Summary:    "MySQL/MariaDB replicas are replicating (IO and SQL threads running) and within max_lag of their source.",
		Title:      "MySQL replicas are replicating and caught up",
		Positional: "dsn",
		New: func() kind.Check {
			return &ReplicaLag{MaxLag: kind.Duration(30 * time.Second)}
		},
		Example: `replica_dsns:
  - ${MYSQL_REPLICA_A_URL}
  - ${MYSQL_REPLICA_B_URL}
max_lag: 30s`,
	})
}

// Title names the replica when there is one.
func (c *ReplicaLag) Title() string {
	if d := c.dsns(); len(d) == 1 {
		if t, err := parseDSN(d[0]); err == nil {
			return "Replica " + t.name + " is replicating and caught up"
		}
	}
	return "MySQL replicas are replicating and caught up"
}

// Validate parses every DSN.
func (c *ReplicaLag) Validate() error {
	var errs []error
	dsns := c.dsns()
	if len(dsns) == 0 {
		// Not blamed on one parameter: either may come from an unset variable, and then the
		// loader must not report it.
		errs = append(errs, errors.New("give the replicas to check in replica_dsns (or one in dsn)"))
	}
	c.targets = nil
	// dsns starts with dsn when it is given; entries of replica_dsns are numbered from 1.
	first := 1
	if strings.TrimSpace(c.DSN) != "" {
		first = 0
	}
	for i, d := range dsns {
		t, err := parseDSN(d)
		if err != nil {
			if i+first == 0 {
				errs = append(errs, kind.BadParam("dsn", "%w", err))
			} else {
				errs = append(errs, kind.BadParam("replica_dsns", "entry %d: %w", i+first, err))
			}
			continue
		}
		c.targets = append(c.targets, t)
	}
	if c.MaxLag <= 0 {
		errs = append(errs, kind.BadParam("max_lag", "must be positive, e.g. 30s"))
	}
	if len(errs) > 0 {
		// Run validates again rather than probe a partial list.
		c.targets = nil
	}
	return errors.Join(errs...)
}

func (c *ReplicaLag) dsns() []string {
	var out []string
	if strings.TrimSpace(c.DSN) != "" {
		out = append(out, c.DSN)
	}
	return append(out, c.ReplicaDSNs...)
}

// replicaState is one replica's answer to SHOW REPLICA STATUS.
type replicaState struct {
	name       string
	result     *kind.Result // set when the replica could not be judged (error) or is no replica
	source     string
	ioRunning  string
	sqlRunning string
	lag        sql.NullInt64
	ioError    string
	sqlError   string
}

// Run checks every replica at once, each within the check's deadline.
func (c *ReplicaLag) Run(ctx context.Context, env *kind.Env) kind.Result {
	if c.targets == nil {
		if err := c.Validate(); err != nil {
			return kind.Errorf("fix the replica_dsns parameter", "%v", err)
		}
	}
	lim := limitsOf(ctx)
	states := make([]replicaState, len(c.targets))
	var wg sync.WaitGroup
	for i, t := range c.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			states[i] = readReplica(ctx, env, t, lim)
		}()
	}
	wg.Wait()
	return c.judge(states)
}

// readReplica connects to one replica and reads its replication status.
func readReplica(ctx context.Context, env *kind.Env, t *target, lim limits) replicaState {
	st := replicaState{name: t.name}
	start := time.Now()
	var sess *session
	fail := func(err error, what string) replicaState {
		if sess != nil {
			err = sess.why(err)
		}
		r := t.explain(err, what, lim, time.Since(start))
		st.result = &r
		return st
	}
	sess, err := t.connect(ctx, env, lim.budget)
	if err != nil {
		return fail(err, "connect")
	}
	defer sess.Close()
	status, what, err := showReplicaStatus(ctx, sess.conn)
	switch {
	case err != nil:
		return fail(err, what)
	case status == nil:
		r := kind.Failf("point the DSN at a replica, or set the server up as one (CHANGE REPLICATION SOURCE TO / CHANGE MASTER TO, then START REPLICA)",
			"%s is not a replica: SHOW REPLICA STATUS returned nothing", t.name)
		st.result = &r
		return st
	}
	st.fill(status, t.red)
	return st
}

// replicaStatus is the row of SHOW REPLICA STATUS, by lower-case column name.
type replicaStatus map[string]sql.NullString

// get is the first of names the server has: MySQL 8.0.22 renamed master to source and slave to
// replica in these columns.
func (s replicaStatus) get(names ...string) sql.NullString {
	for _, n := range names {
		if v, ok := s[n]; ok {
			return v
		}
	}
	return sql.NullString{}
}

// showReplicaStatus reads SHOW REPLICA STATUS, which is empty (a nil status) on a server that is
// no replica. On an error, what names the step that failed.
func showReplicaStatus(ctx context.Context, conn *sql.Conn) (status replicaStatus, what string, err error) {
	// MySQL 8.0.22+ and MariaDB 10.5.1+ say REPLICA; older servers only know SLAVE.
	rows, err := conn.QueryContext(ctx, "SHOW REPLICA STATUS")
	if err != nil && serverError(err) == errParse {
		rows, err = conn.QueryContext(ctx, "SHOW SLAVE STATUS")
	}
	if err != nil {
		return nil, "run SHOW REPLICA STATUS", err
	}
	defer rows.Close()
	const reading = "read SHOW REPLICA STATUS"
	cols, err := rows.Columns()
	if err != nil {
		return nil, reading, err
	}
	if !rows.Next() {
		return nil, reading, rows.Err()
	}
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, reading, err
	}
	status = replicaStatus{}
	for i, col := range cols {
		status[strings.ToLower(col)] = vals[i]
	}
	return status, "", nil
}

// fill takes from the status what the judgement needs, the servers' error texts masked.
func (st *replicaState) fill(s replicaStatus, red *redact.Redactor) {
	host, port := s.get("source_host", "master_host").String, s.get("source_port", "master_port").String
	if host != "" {
		st.source = host
		if port != "" {
			st.source += ":" + port
		}
	}
	st.ioRunning = s.get("replica_io_running", "slave_io_running").String
	st.sqlRunning = s.get("replica_sql_running", "slave_sql_running").String
	if lag := s.get("seconds_behind_source", "seconds_behind_master"); lag.Valid {
		if n, err := strconv.ParseInt(lag.String, 10, 64); err == nil {
			st.lag = sql.NullInt64{Int64: n, Valid: true}
		}
	}
	st.ioError = red.String(s.get("last_io_error").String)
	st.sqlError = red.String(s.get("last_sql_error").String)
}

func (c *ReplicaLag) judge(states []replicaState) kind.Result {
	var j kind.Judgement
	healthy := 0
	var worstLag int64 = -1
	for _, s := range states {
		if s.result != nil {
			// A replica that could not be read is an error; one that is no replica fails.
			obs := strings.TrimPrefix(strings.TrimPrefix(s.result.Summary, s.name+": "), s.name+" ")
			j.Add(kind.Line{Label: s.name, Observed: obs, Expected: "a replica", Status: s.result.Status, Problem: s.result.Summary, Remedy: s.result.Remedy})
			continue
		}
		label := s.name
		if s.source != "" {
			label += " (from " + s.source + ")"
		}
		ok := judgeThread(&j, s.name, label, "IO", s.ioRunning, s.ioError, ioRemedy)
		ok = judgeThread(&j, s.name, label, "SQL", s.sqlRunning, s.sqlError, sqlRemedy(s)) && ok
		if c.judgeLag(&j, s, label, ok) {
			healthy++
		}
		if s.lag.Valid && s.lag.Int64 > worstLag {
			worstLag = s.lag.Int64
		}
	}
	r := j.Result()
	if problems := j.Problems(); len(problems) > 0 {
		summaries := make([]string, len(problems))
		for i, p := range problems {
			summaries[i] = p.Problem
		}
		r.Summary = fmt.Sprintf("%d of %d replicas healthy; %s", healthy, len(states), strings.Join(summaries, "; "))
		if len(states) == 1 {
			r.Summary = strings.Join(summaries, "; ")
		}
	} else {
		r.Summary = fmt.Sprintf("%d of %d replicas replicating; the furthest behind is %s (max %s)",
			healthy, len(states), kind.FormatDuration(time.Duration(worstLag)*time.Second), c.MaxLag)
	}
	// A replica that is decidedly broken closes the gate even when another one could not be
	// reached: the result is the decided problem, and the unreachable one stays an error line.
	if r.Status == kind.Error && j.Has(kind.Fail) {
		r.Status = kind.Fail
	}
	return r
}

// judgeThread judges one replication thread, which must be running; it reports whether it is.
func judgeThread(j *kind.Judgement, name, label, what, running, lastErr, remedy string) bool {
	obs := running
	if obs == "" {
		obs = "unknown"
	}
	if strings.EqualFold(running, "Yes") {
		j.Observe(label+" "+what+" thread", obs, "Yes")
		return true
	}
	msg := fmt.Sprintf("%s: %s thread is %s", name, what, obs)
	if lastErr != "" {
		msg += ": " + lastErr
		obs += ": " + lastErr
	}
	j.Add(kind.Line{Label: label + " " + what + " thread", Observed: obs, Expected: "Yes", Status: kind.Fail, Problem: msg, Remedy: remedy})
	return false
}

const ioRemedy = "the replica cannot read from its source: fix what Last_IO_Error says (network, credentials, purged binary logs), then START REPLICA IO_THREAD"

func sqlRemedy(s replicaState) string {
	if s.sqlError != "" {
		return "the replica stopped applying changes on an error: fix what Last_SQL_Error says (rebuild the replica if its data diverged), then START REPLICA SQL_THREAD"
	}
	return "the SQL thread was stopped: START REPLICA SQL_THREAD (or START SLAVE SQL_THREAD)"
}

// judgeLag judges how far a replica is behind its source; threadsOK says whether its threads
// run, so that a NULL lag is named only when it is the only sign. It reports whether the
// replica is healthy.
func (c *ReplicaLag) judgeLag(j *kind.Judgement, s replicaState, label string, threadsOK bool) bool {
	line := kind.Line{Label: label + " lag", Expected: "≤ " + c.MaxLag.String(), Status: kind.Pass}
	if !s.lag.Valid {
		// NULL is not zero: the replica does not know how far behind it is, because a
		// thread is stopped or it cannot reach its source.
		line.Observed, line.Status = "NULL (replication is broken: the lag is unknown)", kind.Fail
		if !threadsOK {
			j.Show(line)
			return false
		}
		line.Problem = s.name + ": Seconds_Behind_Source is NULL (replication is broken)"
		line.Remedy = "check SHOW REPLICA STATUS on the replica and restart replication"
		j.Add(line)
		return false
	}
	lag := time.Duration(s.lag.Int64) * time.Second
	line.Observed = kind.FormatDuration(lag)
	if lag > c.MaxLag.D() {
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("%s is %s behind its source (max %s)", s.name, line.Observed, c.MaxLag)
		line.Remedy = "find what slows the replica (long transactions on the source, single-threaded apply, an undersized replica) before sending reads to it"
	}
	j.Add(line)
	return threadsOK && line.Status == kind.Pass
}
