package postgrescheck

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// qyShownSessions is how many long-running sessions a host lists before summing up the rest.
const qyShownSessions = 5

// qyStandbyDelayLimit is the max_standby_streaming_delay above which a standby that serves
// reads lets one long query hold its replay back for too long.
const qyStandbyDelayLimit = 5 * time.Minute

// qySession is a session running (or holding a transaction open) for too long.
type qySession struct {
	pid              int32
	user, app, state string
	query            string
	age              time.Duration
}

// qyActivity is what one host says about its long-running sessions.
type qyActivity struct {
	sessions     []qySession
	standbyDelay int64 // max_standby_streaming_delay in milliseconds, -1 for forever
}

// longRunning reports dsn's long-running sessions.
func (c *Queries) longRunning(ctx context.Context, j *kind.Judgement, t *target, conn *pgx.Conn, srv qyServer) {
	act, err := c.readActivity(ctx, conn)
	if err != nil {
		qyErrorLine(j, "long-running on "+t.address(), t, "reading pg_stat_activity", err)
		return
	}
	c.judgeActivity(j, t, srv, act)
}

// replicaLongRunning connects to one replica and reports its long-running sessions. A replica
// that cannot be reached may take half of what is left of the time, so the others still can.
func (c *Queries) replicaLongRunning(ctx context.Context, env *kind.Env, j *kind.Judgement, t *target) {
	label := "long-running on " + t.address()
	timeout := probe.Remaining(ctx, defaultTimeout) / 2
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, tr, err := connect(cctx, env, t)
	if err != nil {
		f := explainConnect(cctx, err, t, tr, timeout)
		j.Add(kind.Line{Label: label, Observed: f.kind, Expected: "a session", Status: kind.Error, Problem: "replica " + f.summary, Remedy: f.remedy})
		return
	}
	defer closeConn(conn)
	srv, err := qyReadServer(ctx, conn)
	if err != nil {
		qyErrorLine(j, label, t, "reading the server's role", err)
		return
	}
	c.longRunning(ctx, j, t, conn, srv)
}

func (c *Queries) readActivity(ctx context.Context, conn *pgx.Conn) (qyActivity, error) {
	var act qyActivity
	var batch pgx.Batch
	batch.Queue(`SELECT setting::bigint FROM pg_settings WHERE name = 'max_standby_streaming_delay'`).QueryRow(func(r pgx.Row) error {
		return r.Scan(&act.standbyDelay)
	})
	// An active query's age is its own; an idle transaction's is the transaction's, which is
	// how long it has held its locks and snapshot.
	batch.Queue(`SELECT pid, coalesce(usename, ''), coalesce(application_name, ''), state,
		  extract(epoch FROM clock_timestamp() - CASE WHEN state = 'active' THEN query_start ELSE xact_start END)::float8,
		  left(query, 4096)
		FROM pg_stat_activity
		WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
		  AND (state = 'active' AND query_start < clock_timestamp() - $1::float8 * interval '1 second'
		    OR state LIKE 'idle in transaction%' AND xact_start < clock_timestamp() - $1::float8 * interval '1 second')
		ORDER BY 5 DESC`, c.LongRunning.D().Seconds()).Query(func(rows pgx.Rows) (err error) {
		act.sessions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (qySession, error) {
			var s qySession
			var age float64
			err := r.Scan(&s.pid, &s.user, &s.app, &s.state, &age, &s.query)
			s.age = seconds(age)
			return s, err
		})
		return err
	})
	return act, conn.SendBatch(ctx, &batch).Close()
}

// judgeActivity lists the host's long-running sessions, and warns when a standby would hold
// its replay back for them.
func (c *Queries) judgeActivity(j *kind.Judgement, t *target, srv qyServer, act qyActivity) {
	label := "long-running on " + t.address()
	expected := "none older than " + c.LongRunning.String()
	if !srv.monitor {
		j.Add(kind.Line{Label: label + " (other roles)", Observed: fmt.Sprintf("hidden: %s lacks pg_monitor", t.cfg.User), Expected: expected,
			Status:  kind.Error,
			Problem: fmt.Sprintf("%s: cannot see other roles' queries: %s lacks pg_monitor", t.address(), t.cfg.User), Remedy: qyGrant(t)})
	}
	if len(act.sessions) == 0 {
		j.Observe(label, "no active query or open transaction older than "+c.LongRunning.String(), expected)
		return
	}
	for i, s := range act.sessions {
		if i == qyShownSessions {
			j.Add(kind.Line{Label: label, Observed: fmt.Sprintf("… and %d more", len(act.sessions)-i), Status: kind.Fail})
			break
		}
		j.Add(kind.Line{Label: fmt.Sprintf("%s: pid %d", label, s.pid), Observed: qyDescribeSession(s), Expected: expected, Status: kind.Fail,
			Problem: fmt.Sprintf("%s: pid %d (%s) has been %s for %s: %s", t.address(), s.pid, s.user, qyStateVerb(s.state), age(s.age), qyMaskQuery(s.query)),
			Remedy: "find what runs it (user and application_name in the evidence): move reports and analytics off the servers that serve the application, add the missing index, " +
				"or end it with SELECT pg_cancel_backend(pid) (pg_terminate_backend(pid) for an idle transaction); statement_timeout and idle_in_transaction_session_timeout stop the next one"})
	}
	if !srv.inRecovery || !qyHasActive(act.sessions) || (act.standbyDelay >= 0 && time.Duration(act.standbyDelay)*time.Millisecond <= qyStandbyDelayLimit) {
		return
	}
	delay := "-1 (replay waits for conflicting queries forever)"
	if act.standbyDelay >= 0 {
		delay = kind.FormatDuration(time.Duration(act.standbyDelay) * time.Millisecond)
	}
	j.Add(kind.Line{Label: "max_standby_streaming_delay on " + t.address(), Observed: delay, Expected: "≤ 5m on a standby that serves application reads", Status: kind.Warn,
		Problem: fmt.Sprintf("standby %s runs a long query and max_standby_streaming_delay is %s: replay may wait for it, and every read there sees older data", t.address(), delay),
		Remedy:  "on standbys that serve the application, keep max_standby_streaming_delay at 30s–5min; run long analytical queries on a replica of their own"})
}

func qyHasActive(ss []qySession) bool {
	for _, s := range ss {
		if s.state == "active" {
			return true
		}
	}
	return false
}

func qyStateVerb(state string) string {
	if state == "active" {
		return "running"
	}
	return state
}

func qyDescribeSession(s qySession) string {
	app := ""
	if s.app != "" {
		app = fmt.Sprintf(", application %q", qyClip(s.app, 40))
	}
	return fmt.Sprintf("%s %s, user %s%s: %s", s.state, age(s.age), s.user, app, qyMaskQuery(s.query))
}
