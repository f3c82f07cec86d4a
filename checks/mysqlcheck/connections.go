package mysqlcheck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Connections checks that a MySQL or MariaDB server has connections to spare: the outage it
// answers is the app whose pools leaked connections until the server refused every new one.
type Connections struct {
	DSN             string `yaml:"dsn" required:"true" doc:"The server to check: a go-sql-driver DSN (user:password@tcp(host:3306)/db) or a mysql:// URL, e.g. ${MYSQL_URL}."`
	MaxUsedPercent  int    `yaml:"max_used_percent" doc:"Fail when connections in use reach this percentage of max_connections (or of the user's max_user_connections)."`
	WarnUsedPercent int    `yaml:"warn_used_percent" doc:"Warn when connections in use reach this percentage."`
	PeakWarnPercent int    `yaml:"peak_warn_percent" doc:"Warn when the high-water mark since the server started (Max_used_connections) reached this percentage of max_connections."`

	target *target
}

func init() {
	kind.Register(kind.Kind{
		Name:       "mysql.connections",
		Summary:    "A MySQL/MariaDB server has connections to spare: in use, peak and refused connections against max_connections.",
		Title:      "MySQL has connections to spare",
		Positional: "dsn",
		New: func() kind.Check {
			return &Connections{MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}
		},
		Example: `dsn: ${MYSQL_URL}
max_used_percent: 80
warn_used_percent: 70`,
	})
}

// Title names the server, without its password.
func (c *Connections) Title() string {
	if t, err := parseDSN(c.DSN); err == nil {
		return "Connections to spare on " + t.name
	}
	return "MySQL has connections to spare"
}

// Validate parses the DSN and checks the thresholds.
func (c *Connections) Validate() error {
	var errs []error
	t, err := parseDSN(c.DSN)
	if err != nil {
		errs = append(errs, kind.BadParam("dsn", "%w", err))
	}
	c.target = t
	bad := map[string]bool{}
	for _, p := range []struct {
		name string
		v    int
	}{{"max_used_percent", c.MaxUsedPercent}, {"warn_used_percent", c.WarnUsedPercent}, {"peak_warn_percent", c.PeakWarnPercent}} {
		if err := validPercent(p.name, p.v); err != nil {
			errs = append(errs, err)
			bad[p.name] = true
		}
	}
	if !bad["max_used_percent"] && !bad["warn_used_percent"] && c.WarnUsedPercent > c.MaxUsedPercent {
		errs = append(errs, kind.BadParam("warn_used_percent", "%d must not be above max_used_percent (%d)", c.WarnUsedPercent, c.MaxUsedPercent))
	}
	return errors.Join(errs...)
}

func validPercent(name string, v int) error {
	if v < 1 || v > 100 {
		return kind.BadParam(name, "must be between 1 and 100, not %d", v)
	}
	return nil
}

// connStats is what the server says about its connections.
type connStats struct {
	threadsConnected int64
	maxUsed          int64
	refused          int64 // Connection_errors_max_connections; -1 when the server lacks it
	maxConnections   int64
	account          string // CURRENT_USER(), user@host
	userLimit        int64  // the effective max_user_connections for this account; 0 = none
	userLimitFrom    string // where userLimit came from
	userConnections  int64  // connections of this user; -1 when unknown
}

// Run connects once and reads the server's connection counters. Everything it runs is read-only.
func (c *Connections) Run(ctx context.Context, env *kind.Env) kind.Result {
	if c.target == nil {
		if err := c.Validate(); err != nil {
			return kind.Errorf("fix the dsn parameter", "%v", err)
		}
	}
	t := c.target
	lim := limitsOf(ctx)
	start := time.Now()
	sess, err := t.connect(ctx, env, lim.budget)
	if err != nil {
		switch serverError(err) {
		case errTooManyConnections:
			r := kind.Failf("find what holds the connections (SHOW PROCESSLIST as an admin: piles of Sleep threads are leaked pool connections), cap each app's pool so that pool size × instances stays under max_connections, or raise max_connections",
				"%s refused the connection: Too many connections (error 1040): every connection allowed by max_connections is in use", t.name)
			r.Evidence = []kind.Evidence{{Label: "connect", Observed: "error 1040: Too many connections", Expected: "a connection", Status: kind.Fail}}
			return r
		case errUserTooManyConnections, errUserLimitReached:
			n := serverError(err)
			r := kind.Failf("find what holds this user's connections (leaked pool connections), shrink its pools, or raise its MAX_USER_CONNECTIONS",
				"%s refused the connection: the user has used up its max_user_connections (error %d)", t.name, n)
			r.Evidence = []kind.Evidence{{Label: "connect", Observed: fmt.Sprintf("error %d: %s", n, t.red.String(serverMessage(err))), Expected: "a connection", Status: kind.Fail}}
			return r
		}
		return t.explain(err, "connect", lim, time.Since(start))
	}
	defer sess.Close()

	s, what, err := readConnStats(ctx, sess.conn)
	if err != nil {
		return t.explain(sess.why(err), what, lim, time.Since(start))
	}
	return c.judge(s)
}

func serverMessage(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, ": "); ok {
		return after
	}
	return msg
}

// readConnStats reads the connection counters and limits. On an error, the string names the
// step that failed.
func readConnStats(ctx context.Context, conn *sql.Conn) (connStats, string, error) {
	s := connStats{refused: -1, userConnections: -1}
	if err := s.readStatus(ctx, conn); err != nil {
		return s, "read SHOW GLOBAL STATUS", err
	}
	var globalUserLimit int64
	if err := conn.QueryRowContext(ctx, `SELECT @@GLOBAL.max_connections, @@GLOBAL.max_user_connections, CURRENT_USER()`).
		Scan(&s.maxConnections, &globalUserLimit, &s.account); err != nil {
		return s, "read max_connections", err
	}
	s.readUserLimit(ctx, conn, globalUserLimit)
	if s.userLimit > 0 {
		user, _, _ := strings.Cut(s.account, "@")
		// Without the PROCESS privilege the process list shows this user's own threads only,
		// which is exactly what is counted here.
		var n int64
		if err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?`, user).Scan(&n); err == nil {
			s.userConnections = n
		} else if ctx.Err() != nil {
			return s, "count the user's connections", err
		}
	}
	return s, "", nil
}

// readStatus reads the server's connection counters from SHOW GLOBAL STATUS.
func (s *connStats) readStatus(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_connected', 'Max_used_connections', 'Connection_errors_max_connections')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			rows.Close()
			return err
		}
		n, _ := strconv.ParseInt(value, 10, 64)
		switch strings.ToLower(name) {
		case "threads_connected":
			s.threadsConnected = n
		case "max_used_connections":
			s.maxUsed = n
		case "connection_errors_max_connections":
			s.refused = n
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

// readUserLimit finds the limit on this account's connections. The account's own (WITH
// MAX_USER_CONNECTIONS n) overrides the global one. An account may always see its own
// definition; when even that is refused, the global limit is all that is known.
func (s *connStats) readUserLimit(ctx context.Context, conn *sql.Conn, globalUserLimit int64) {
	accountLimit := int64(0)
	for _, q := range []string{`SHOW CREATE USER CURRENT_USER()`, `SHOW GRANTS`} {
		if n, ok := accountUserLimit(ctx, conn, q); ok {
			accountLimit = n
			break
		}
	}
	switch {
	case accountLimit > 0:
		s.userLimit, s.userLimitFrom = accountLimit, "the account's MAX_USER_CONNECTIONS"
	case globalUserLimit > 0:
		s.userLimit, s.userLimitFrom = globalUserLimit, "the global max_user_connections"
	}
}

var maxUserConnRE = regexp.MustCompile(`(?i)MAX_USER_CONNECTIONS\s+(-?\d+)`)

// accountUserLimit runs SHOW CREATE USER or SHOW GRANTS and finds MAX_USER_CONNECTIONS.
func accountUserLimit(ctx context.Context, conn *sql.Conn, query string) (int64, bool) {
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return 0, false
	}
	defer rows.Close()
	found, limit := false, int64(0)
	for rows.Next() {
		var line string
		if rows.Scan(&line) != nil {
			return 0, false
		}
		found = true
		if m := maxUserConnRE.FindStringSubmatch(line); m != nil {
			limit, _ = strconv.ParseInt(m[1], 10, 64)
		}
	}
	return limit, found && rows.Err() == nil
}

func percent(n, of int64) int64 {
	if of <= 0 {
		return 0
	}
	return n * 100 / of
}

func (c *Connections) level(pct int64) kind.Status {
	switch {
	case pct >= int64(c.MaxUsedPercent):
		return kind.Fail
	case pct >= int64(c.WarnUsedPercent):
		return kind.Warn
	}
	return kind.Pass
}

func (c *Connections) judge(s connStats) kind.Result {
	var j kind.Judgement
	expected := fmt.Sprintf("< %d%% (warn from %d%%)", c.MaxUsedPercent, c.WarnUsedPercent)
	usage := c.judgeInUse(&j, s, expected)
	peakPct := c.judgePeak(&j, s)
	judgeRefused(&j, s)
	c.judgeUserLimit(&j, s, expected)

	r := j.Result()
	// Failures lead the summary, then warnings; the remedies keep the rules' order.
	var fails, warns []string
	for _, p := range j.Problems() {
		if p.Status == kind.Fail {
			fails = append(fails, p.Problem)
		} else {
			warns = append(warns, p.Problem)
		}
	}
	switch {
	case len(fails) > 0:
		r.Summary = strings.Join(append(fails, warns...), "; ")
	case len(warns) > 0:
		r.Summary = strings.Join(warns, "; ")
	default:
		r.Summary = fmt.Sprintf("%s; peak since start %d (%d%%)", usage, s.maxUsed, peakPct)
	}
	return r
}

// judgeInUse judges the server's connections in use against max_connections and returns the
// usage as a summary says it.
func (c *Connections) judgeInUse(j *kind.Judgement, s connStats, expected string) string {
	usedPct := percent(s.threadsConnected, s.maxConnections)
	usage := fmt.Sprintf("%d of %d connections in use (%d%%)", s.threadsConnected, s.maxConnections, usedPct)
	line := kind.Line{Label: "connections in use",
		Observed: fmt.Sprintf("%d of max_connections %d (%d%%, this check's own included)", s.threadsConnected, s.maxConnections, usedPct),
		Expected: expected, Status: c.level(usedPct),
		Remedy: "find what holds the connections (SHOW PROCESSLIST as an admin: piles of Sleep threads are leaked pool connections), cap each app's pool so that pool size × instances stays under max_connections, or raise max_connections"}
	switch line.Status {
	case kind.Fail:
		line.Problem = fmt.Sprintf("%s, at or over the %d%% limit", usage, c.MaxUsedPercent)
	case kind.Warn:
		line.Problem = fmt.Sprintf("%s, over the %d%% warning level", usage, c.WarnUsedPercent)
	}
	j.Add(line)
	return usage
}

// judgePeak warns when the server has come close to its limit since it started, and returns the
// peak's percentage.
func (c *Connections) judgePeak(j *kind.Judgement, s connStats) int64 {
	peakPct := percent(s.maxUsed, s.maxConnections)
	line := kind.Line{Label: "peak since start (Max_used_connections)",
		Observed: fmt.Sprintf("%d (%d%%)", s.maxUsed, peakPct), Expected: fmt.Sprintf("< %d%%", c.PeakWarnPercent), Status: kind.Pass}
	if peakPct >= int64(c.PeakWarnPercent) {
		line.Status = kind.Warn
		line.Problem = fmt.Sprintf("the peak since the server started was %d of %d connections (%d%%)", s.maxUsed, s.maxConnections, peakPct)
		if s.maxUsed >= s.maxConnections && s.refused <= 0 {
			// MariaDB refuses ordinary users in its reserved SUPER slot without counting it in
			// Connection_errors_max_connections: reaching the limit is the sign.
			line.Problem += ": the limit was reached, so connections were probably refused"
		}
		line.Remedy = "the server already came close to its limit once: size the pools for the peak (pool size × instances, plus deploy overlap) below max_connections"
	}
	j.Add(line)
	return peakPct
}

// judgeRefused warns when connections were already refused for max_connections; a negative
// count is unknown and not judged.
func judgeRefused(j *kind.Judgement, s connStats) {
	if s.refused < 0 {
		return
	}
	line := kind.Line{Label: "refused for max_connections since start", Observed: strconv.FormatInt(s.refused, 10), Expected: "0", Status: kind.Pass}
	if s.refused > 0 {
		line.Status = kind.Warn
		line.Problem = fmt.Sprintf("connections have already been refused (%d times, Connection_errors_max_connections)", s.refused)
		line.Remedy = "apps have already seen 'Too many connections' since the server started: find the moment in the apps' logs and what held the connections then"
	}
	j.Add(line)
}

// judgeUserLimit judges the check's user against its own connection limit, when it has one.
func (c *Connections) judgeUserLimit(j *kind.Judgement, s connStats, expected string) {
	if s.userLimit <= 0 {
		return
	}
	label := fmt.Sprintf("connections of %s (%s)", s.account, s.userLimitFrom)
	if s.userConnections < 0 {
		j.Observe(label, fmt.Sprintf("limit %d, in use unknown (cannot read the process list)", s.userLimit), "")
		return
	}
	pct := percent(s.userConnections, s.userLimit)
	j.Add(kind.Line{Label: label, Observed: fmt.Sprintf("%d of %d (%d%%)", s.userConnections, s.userLimit, pct), Expected: expected, Status: c.level(pct),
		Problem: fmt.Sprintf("user %s has %d of its %d connections in use (%d%%)", s.account, s.userConnections, s.userLimit, pct),
		Remedy:  "find what holds this user's connections, shrink its pools, or raise its MAX_USER_CONNECTIONS"})
}
