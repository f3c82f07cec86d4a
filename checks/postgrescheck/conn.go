package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// defaultTimeout bounds a connection when the caller gave no deadline (the runner always does).
const defaultTimeout = 10 * time.Second

// SQLSTATEs the checks tell apart.
const (
	sqlTooManyConnections = "53300" // too many clients, reserved slots, role or database limit
	sqlInvalidPassword    = "28P01"
	sqlInvalidAuth        = "28000"
	sqlNoDatabase         = "3D000"
	sqlCannotConnectNow   = "57P03"
	sqlInsufficientPriv   = "42501"
)

// target is a parsed DSN: the configuration to connect with and how to name it without its
// password.
type target struct {
	cfg  *pgx.ConnConfig
	name string
	red  *redact.Redactor
}

// foreignScheme is a URL scheme other than PostgreSQL's, e.g. mysql:// in a DATABASE_URL that a
// framework shares between database kinds.
var foreignScheme = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9+.\-]*)://`)

// errForeign marks a DSN for another kind of database.
type errForeign struct{ scheme string }

func (e errForeign) Error() string {
	return fmt.Sprintf("a %s:// URL, not PostgreSQL (postgres:// or postgresql://)", e.scheme)
}

// parseTarget parses a URL or key=value DSN. Its errors never contain the password.
func parseTarget(dsn string) (*target, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("empty DSN")
	}
	if m := foreignScheme.FindStringSubmatch(dsn); m != nil {
		if s := strings.ToLower(m[1]); s != "postgres" && s != "postgresql" {
			return nil, errForeign{s}
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err == nil && strings.Contains(dsn, "://") && hostHasAt(cfg) {
		// pgx ends the user information at the first '@', so the rest of a password with an
		// unescaped '@' became the host: naming that host would print part of the password.
		return nil, probe.UnencodedPassword("PostgreSQL", dsn)
	}
	if err != nil {
		// A DSN that does not parse cannot be trusted to show where its password is: quote
		// only the driver's message, which masks it.
		red := &redact.Redactor{}
		red.Add(dsnPassword(dsn))
		return nil, fmt.Errorf("invalid DSN: %s", red.String(err.Error()))
	}
	red := &redact.Redactor{}
	red.Add(cfg.Password)
	return &target{cfg: cfg, name: describe(cfg), red: red}, nil
}

// hostHasAt reports an '@' in any host of cfg, which no host name has.
func hostHasAt(cfg *pgx.ConnConfig) bool {
	if strings.Contains(cfg.Host, "@") {
		return true
	}
	for _, fb := range cfg.Fallbacks {
		if strings.Contains(fb.Host, "@") {
			return true
		}
	}
	return false
}

// dsnPassword picks a password out of a DSN pgx could not parse, so that its error text can be
// masked by value as well as by pattern.
func dsnPassword(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		rest := dsn[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				return pw
			}
		}
	}
	return ""
}

// describe names a target as user@host:port/database.
func describe(cfg *pgx.ConnConfig) string {
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "unix:" + host
	}
	s := fmt.Sprintf("%s@%s/%s", cfg.User, net.JoinHostPort(host, fmt.Sprint(cfg.Port)), cfg.Database)
	if n := len(cfg.Fallbacks); n > 0 && cfg.Fallbacks[0].Host != cfg.Host {
		s += fmt.Sprintf(" (+%d fallback hosts)", n)
	}
	return s
}

// address is host:port, for summaries that must stay short.
func (t *target) address() string {
	return net.JoinHostPort(t.cfg.Host, fmt.Sprint(t.cfg.Port))
}

// clean removes the target's password from driver text, by value and by pattern.
func (t *target) clean(s string) string { return t.red.String(s) }

// dialTrace remembers whether TCP was established, to tell "nothing answered the SYN" from
// "accepted the connection and never spoke PostgreSQL", and whether the server sent more than a
// check reads.
type dialTrace struct {
	connected atomic.Bool
	watch     probe.CapWatch
}

// why is err, or the cap the server ran into when that is what broke the connection.
func (tr *dialTrace) why(err error) error { return tr.watch.Why(err) }

// connect opens one connection honouring ctx. Queries use the simple protocol so that poolers
// in transaction mode (PgBouncer) work, and the session is named launchgate in
// pg_stat_activity unless the DSN names it.
func connect(ctx context.Context, env *kind.Env, t *target) (*pgx.Conn, *dialTrace, error) {
	cfg := t.cfg.Copy()
	tr := &dialTrace{}
	d := probe.Dialer(env)
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			tr.connected.Store(true)
		}
		return c, err
	}
	if look := probe.LookupHost(env); look != nil {
		cfg.LookupFunc = look
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		ua := "launchgate"
		if env != nil {
			ua = env.UserAgent()
		}
		cfg.RuntimeParams["application_name"] = ua
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	// pgx allocates what a message header announces; a peer announcing 1 GB must not get it.
	// The framer sees the protocol above TLS, as pgx does, and keeps the reason.
	cfg.MaxProtocolMessageBodyLen = probe.MaxReply
	cfg.BuildFrontend = func(r io.Reader, w io.Writer) *pgproto3.Frontend {
		return pgproto3.NewFrontend(tr.watch.Reader(r, 0, newWireFramer), w)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultTimeout)
		defer cancel()
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	return conn, tr, tr.why(err)
}

// closeConn closes a connection without waiting past a short grace period.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn.Close(ctx)
}

// givenTimeout is the check's timeout as configured, for messages.
func givenTimeout(ctx context.Context) time.Duration { return probe.GivenTimeout(ctx, defaultTimeout) }

// oversized converts pgx's refusal of a message over MaxProtocolMessageBodyLen into the error
// every database check gives for a peer that sends too much.
func oversized(err error) (*probe.OversizedError, bool) {
	var over *probe.OversizedError
	if errors.As(err, &over) {
		return over, true
	}
	var big *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &big) {
		return &probe.OversizedError{Announced: int64(big.ActualBodyLen), Limit: int64(big.MaxExpectedBodyLen)}, true
	}
	return nil, false
}

// explainErr explains a driver error without the password, naming an oversized reply as such.
func (t *target) explainErr(err error) string {
	if o, ok := oversized(err); ok {
		return o.Error()
	}
	return t.clean(err.Error())
}

// connFailure is why a connection could not be opened, in a person's words.
type connFailure struct {
	status  kind.Status
	kind    string // short, for evidence: "refused", "too many clients", ...
	summary string
	remedy  string
}

// explainConnect turns a connection error into a result. A server that is out of connection
// slots is the finding the connections check exists for, so it is a failure with the server's
// own reason; everything else means the check could not decide.
func explainConnect(ctx context.Context, err error, t *target, tr *dialTrace, timeout time.Duration) connFailure {
	if o, ok := oversized(err); ok {
		return connFailure{kind.Error, "oversized reply", fmt.Sprintf("%s: %s", t.address(), o), oversizedRemedy}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg := t.clean(pgErr.Message)
		switch pgErr.Code {
		case sqlTooManyConnections:
			return connFailure{kind.Fail, msg, fmt.Sprintf("%s refused the connection: %s (SQLSTATE %s)", t.address(), msg, pgErr.Code),
				"connections are exhausted: find who holds them (SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity GROUP BY 1,2,3,4 ORDER BY 5 DESC), fix leaking pools, " +
					"and size pools below the limit or put PgBouncer in front; raise max_connections (or the role's/database's CONNECTION LIMIT) only with memory to match"}
		case sqlInvalidPassword, sqlInvalidAuth:
			return connFailure{kind.Error, "authentication failed", fmt.Sprintf("%s rejected user %q: %s", t.address(), t.cfg.User, msg),
				"check the user and password in the DSN, and that pg_hba.conf allows this user from this host"}
		case sqlNoDatabase:
			return connFailure{kind.Error, "no such database", fmt.Sprintf("%s: %s", t.address(), msg), "check the database name in the DSN"}
		case sqlCannotConnectNow:
			return connFailure{kind.Error, "not accepting connections", fmt.Sprintf("%s is not accepting connections: %s", t.address(), msg),
				"wait until the server has finished starting (or recovery has reached a consistent state), then run again"}
		}
		return connFailure{kind.Error, "server error", fmt.Sprintf("%s refused the connection: %s (SQLSTATE %s)", t.address(), msg, pgErr.Code),
			"read the server's message above; the server log has the details"}
	}
	if pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		if tr.connected.Load() {
			return connFailure{kind.Error, "no response", fmt.Sprintf("%s accepted the TCP connection but did not speak PostgreSQL within %s", t.address(), kind.FormatDuration(timeout)),
				"check that this port is PostgreSQL's and not another service or a stuck proxy, and that the server is not overloaded"}
		}
		return connFailure{kind.Error, "connect timeout", fmt.Sprintf("could not reach %s within %s", t.address(), kind.FormatDuration(timeout)),
			"check the host and port, and that no firewall or security group drops the traffic"}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return connFailure{kind.Error, "dns", fmt.Sprintf("cannot resolve %s: %s", dnsErr.Name, dnsErr.Err),
			"check the host name in the DSN"}
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return connFailure{kind.Error, "refused", fmt.Sprintf("connection to %s refused: nothing listens there", t.address()),
			"check the host and port, and that PostgreSQL is running and listens on that address (listen_addresses)"}
	}
	msg := t.clean(err.Error())
	if strings.Contains(strings.ToLower(msg), "tls") || strings.Contains(msg, "x509") {
		return connFailure{kind.Error, "tls", fmt.Sprintf("TLS with %s failed: %s", t.address(), msg),
			"check sslmode and the server certificate (sslrootcert) in the DSN"}
	}
	return connFailure{kind.Error, "connection failed", fmt.Sprintf("cannot connect to %s: %s", t.address(), msg),
		"check the DSN and that the server is up"}
}

const oversizedRemedy = "check that this port is PostgreSQL's and not another service or a broken proxy: no answer to these checks' queries comes near that size"

// connectResult is the result of a check that could not even connect.
func (f connFailure) result(label string) kind.Result {
	return kind.Result{Status: f.status, Summary: f.summary, Remedy: f.remedy,
		Evidence: []kind.Evidence{{Label: label, Observed: f.kind, Expected: "a session", Status: f.status}}}
}

// queryError explains a failed query, naming the missing privilege when that is the cause.
func queryError(t *target, what string, err error) kind.Result {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == sqlInsufficientPriv {
		return kind.Errorf(fmt.Sprintf("GRANT pg_monitor TO %s;", quoteIdent(t.cfg.User)),
			"%s: %s as %q: %s", t.address(), what, t.cfg.User, t.clean(pgErr.Message))
	}
	if _, ok := oversized(err); ok {
		return kind.Errorf(oversizedRemedy, "%s: %s: %s", t.address(), what, t.explainErr(err))
	}
	return kind.Errorf("check that the server is healthy and the user may read the statistics views (GRANT pg_monitor)",
		"%s: %s: %s", t.address(), what, t.explainErr(err))
}

// quoteIdent quotes a role name for a GRANT a person will paste.
func quoteIdent(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == "" && (s[0] < '0' || s[0] > '9') {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// mainDSN is the DSN a check is about, as Validate parsed it. A DSN for another kind of database
// (a shared DATABASE_URL naming MySQL) is no mistake in the checklist: the run skips, saying so.
type mainDSN struct {
	target  *target
	foreign *errForeign
}

// parse parses the DSN given as parameter param; its error names the parameter.
func (m *mainDSN) parse(param, dsn string) error {
	m.target, m.foreign = nil, nil
	t, err := parseTarget(dsn)
	var f errForeign
	switch {
	case errors.As(err, &f):
		m.foreign = &f
	case err != nil:
		return kind.BadParam(param, "%v", err)
	}
	m.target = t
	return nil
}

// begin is the result a run ends with before it starts, or nil to go on: a check nobody
// validated (a caller that built it by hand) is validated first, and a foreign DSN is skipped.
func (m *mainDSN) begin(param string, validated bool, validate func() error) *kind.Result {
	if !validated {
		if err := validate(); err != nil {
			r := kind.Errorf("fix the check's parameters", "%v", err)
			return &r
		}
	}
	if m.foreign != nil {
		r := kind.Result{Status: kind.Skip,
			Summary: fmt.Sprintf("%s is %s: nothing for a PostgreSQL check to judge", param, m.foreign.Error()),
			Remedy:  "point " + param + " at a PostgreSQL server, or remove this check"}
		return &r
	}
	return nil
}

// session begins a run of a check about one server: begin, then connect. It returns the session,
// or the result the run ends with; label names the connection in that result.
func (m *mainDSN) session(ctx context.Context, env *kind.Env, param, label string, validate func() error) (*pgx.Conn, *dialTrace, *kind.Result) {
	// parse finds a target or a foreign DSN: with neither, nobody has validated the check.
	if r := m.begin(param, m.target != nil || m.foreign != nil, validate); r != nil {
		return nil, nil, r
	}
	return connectTo(ctx, env, m.target, label)
}

// parseReplicas parses replica_dsns. Unlike the main DSN, a replica must be PostgreSQL.
func parseReplicas(dsns DSNList) ([]*target, []error) {
	var replicas []*target
	var errs []error
	for i, dsn := range dsns {
		t, err := parseTarget(dsn)
		if err != nil {
			errs = append(errs, kind.BadParam("replica_dsns", "entry %d: %v", i+1, err))
			continue
		}
		replicas = append(replicas, t)
	}
	return replicas, errs
}

// connectTo opens a session, or says in a result labelled label why it could not.
func connectTo(ctx context.Context, env *kind.Env, t *target, label string) (*pgx.Conn, *dialTrace, *kind.Result) {
	timeout := givenTimeout(ctx)
	conn, tr, err := connect(ctx, env, t)
	if err != nil {
		r := explainConnect(ctx, err, t, tr, timeout).result(label)
		return nil, nil, &r
	}
	return conn, tr, nil
}

// decidedWins applies the rule every check with several targets follows: a decided problem
// wins. When something failed, the result is fail even if something else could not be checked
// (an unreachable replica, a view hidden without pg_monitor); that stays its own error line in
// the evidence. Error remains the result only when nothing failed.
func decidedWins(r *kind.Result) {
	if r.Status != kind.Error {
		return
	}
	for _, e := range r.Evidence {
		if e.Status == kind.Fail {
			r.Status = kind.Fail
			return
		}
	}
}
