package mysqlcheck

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// MySQL and MariaDB server error numbers the checks tell apart.
const (
	errTooManyConnections     = 1040 // ER_CON_COUNT_ERROR: max_connections reached
	errUserTooManyConnections = 1203 // ER_TOO_MANY_USER_CONNECTIONS: the global max_user_connections reached
	errUserLimitReached       = 1226 // ER_USER_LIMIT_REACHED: the account's MAX_USER_CONNECTIONS reached
	errAccessDenied           = 1045 // ER_ACCESS_DENIED_ERROR
	errDBAccessDenied         = 1044 // ER_DBACCESS_DENIED_ERROR
	errBadDB                  = 1049 // ER_BAD_DB_ERROR
	errSpecificAccessDenied   = 1227 // ER_SPECIFIC_ACCESS_DENIED_ERROR: missing a privilege
	errTableAccessDenied      = 1142 // ER_TABLEACCESS_DENIED_ERROR
	errParse                  = 1064 // ER_PARSE_ERROR: the server does not know the statement
	errHostBlocked            = 1129 // ER_HOST_IS_BLOCKED: too many connection errors from this host
)

// defaultBudget bounds a check run with no deadline in its context (tests, library use).
const defaultBudget = 10 * time.Second

// target is a parsed DSN: the driver's configuration and a password-free name for output.
type target struct {
	cfg  *mysql.Config
	name string // user@host:port/db, never the password
	red  *redact.Redactor
}

// parseDSN accepts both spellings a MySQL connection string comes in: the go-sql-driver DSN
// (user:pass@tcp(host:3306)/db?param=value) and the URL most platforms export
// (mysql://user:pass@host:3306/db?ssl-mode=REQUIRED).
func parseDSN(dsn string) (*target, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errors.New("the DSN is empty")
	}
	var cfg *mysql.Config
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && !strings.ContainsAny(scheme, "@(/") {
		c, err := parseURL(dsn)
		if err != nil {
			return nil, err
		}
		cfg = c
	} else {
		if err := checkParams(driverParams(dsn)); err != nil {
			return nil, err
		}
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			// The driver's message can quote the DSN; never let it carry the password out.
			return nil, fmt.Errorf("invalid DSN %s: %s (write user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db)",
				redact.Unparsed(dsn), probe.DriverMessage(err, dsn, "the driver cannot parse it"))
		}
		cfg = c
	}
	t := &target{cfg: cfg, red: &redact.Redactor{}}
	t.red.Add(cfg.Passwd)
	host := cfg.Addr
	if cfg.Net == "unix" {
		host = "unix:" + cfg.Addr
	}
	t.name = host
	if cfg.User != "" {
		t.name = cfg.User + "@" + host
	}
	if cfg.DBName != "" {
		t.name += "/" + cfg.DBName
	}
	return t, nil
}

// parseURL turns mysql://user:pass@host:port/db?params into the driver's configuration.
func parseURL(raw string) (*mysql.Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes the whole input, password included.
		return nil, fmt.Errorf("invalid MySQL URL %s: write mysql://user:password@host:3306/db", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		// An unescaped '#', '/' or '?' in a password ends the host part early and pushes the
		// rest of the password into the host, path or fragment: refuse before it is shown.
		return nil, probe.UnencodedPassword("MySQL", raw)
	}
	switch u.Scheme {
	case "mysql", "mariadb", "mysqlx":
	default:
		return nil, fmt.Errorf("unsupported scheme %q: write mysql://user:password@host:3306/db or a go-sql-driver DSN", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("MySQL URL %s has no host", redact.Unparsed(raw))
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	q := u.Query()
	driverTLS(q)
	if err := checkParams(slices.Collect(maps.Keys(q))); err != nil {
		return nil, err
	}
	db := strings.TrimPrefix(u.Path, "/")
	dsn := "tcp(" + net.JoinHostPort(host, port) + ")/" + url.PathEscape(db)
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("invalid MySQL URL %s: %s", redact.Unparsed(raw), redact.String(err.Error()))
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	return cfg, nil
}

// driverTLS rewrites the TLS parameters platforms put in a URL, spelt the way the mysql client
// spells them (ssl-mode=REQUIRED, ssl=true), into the driver's tls=.
func driverTLS(q url.Values) {
	for _, k := range []string{"ssl-mode", "sslmode", "ssl_mode"} {
		if v := q.Get(k); v != "" {
			q.Del(k)
			switch strings.ToUpper(v) {
			case "DISABLED", "DISABLE":
				q.Set("tls", "false")
			case "PREFERRED", "PREFER":
				q.Set("tls", "preferred")
			case "REQUIRED", "REQUIRE":
				q.Set("tls", "skip-verify")
			default: // VERIFY_CA, VERIFY_IDENTITY
				q.Set("tls", "true")
			}
		}
	}
	if v := q.Get("ssl"); v != "" {
		q.Del("ssl")
		if v == "true" || v == "1" {
			q.Set("tls", "true")
		}
	}
}

// acceptedParams are the DSN parameters a read-only check passes to the driver: how to secure
// and authenticate the connection, time limits, and how results are decoded (harmless for the
// checks' own queries, and common in the DSN an application shares with its gate). The driver
// would send any other parameter to the server as a session SET statement, which a read-only
// check must not do (and ?password=X comes back in the server's error); see docs/checks/mysql.md.
var acceptedParams = []string{
	"tls", "allowCleartextPasswords", "allowFallbackToPlaintext", "allowNativePasswords", "allowOldPasswords", "serverPubKey",
	"timeout", "readTimeout", "writeTimeout",
	"charset", "collation", "loc", "parseTime", "timeTruncate", "clientFoundRows", "columnsWithAlias",
	"interpolateParams", "multiStatements", "checkConnLiveness", "rejectReadOnly", "maxAllowedPacket", "connectionAttributes",
}

// refusedParams are driver settings a gate must not use, and why.
var refusedParams = map[string]string{
	"allowAllFiles": "it would let the server read any file on this machine (LOAD DATA LOCAL INFILE)",
	"compress":      "the checks read uncompressed replies, so that the size cap on what a server sends holds",
}

// checkParams refuses every DSN parameter outside acceptedParams, naming it (never its value).
func checkParams(keys []string) error {
	slices.Sort(keys)
	var errs []string
	for _, k := range keys {
		if slices.Contains(acceptedParams, k) {
			continue
		}
		why, known := refusedParams[k]
		switch {
		case known:
		case strings.EqualFold(k, "password") || strings.EqualFold(k, "passwd") || strings.EqualFold(k, "user"):
			why = "the user and password go before the host (user:password@host), not in a parameter"
		default:
			why = "the driver would send it to the server as SET " + k + "=…, and the checks change no session state"
			if s := kind.Suggest(k, acceptedParams); s != "" {
				why = fmt.Sprintf("did you mean %s? (parameter names are case-sensitive); otherwise %s", s, why)
			}
		}
		errs = append(errs, fmt.Sprintf("DSN parameter %q is not accepted: %s", k, why))
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s (accepted: %s)", strings.Join(errs, "; "), strings.Join(acceptedParams, ", "))
}

// driverParams lists the parameter names of a go-sql-driver DSN, found as the driver finds them:
// after the first '?' that follows the last '/', split at '&', each name before its '='.
func driverParams(dsn string) []string {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return nil
	}
	_, query, ok := strings.Cut(dsn[slash+1:], "?")
	if !ok {
		return nil
	}
	var keys []string
	for _, kv := range strings.Split(query, "&") {
		if k, _, ok := strings.Cut(kv, "="); ok {
			keys = append(keys, k)
		}
	}
	return keys
}

// limits are the check's time limits: budget is how long the driver may wait on the network, a
// little under the context's deadline so that a hang is reported in words before the runner
// gives up on the check; given is the check's timeout as configured, for messages.
type limits struct {
	budget, given time.Duration
}

func limitsOf(ctx context.Context) limits {
	return limits{budget: probe.Budget(ctx, defaultBudget), given: probe.GivenTimeout(ctx, defaultBudget)}
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

// session is one open connection and the watch on what the server sent over it.
type session struct {
	db    *sql.DB
	conn  *sql.Conn
	watch *probe.CapWatch
}

func (s *session) Close() {
	s.conn.Close()
	s.db.Close()
}

// why is err, or the cap the server ran into when that is what broke the connection: the driver
// reports that only as "invalid connection".
func (s *session) why(err error) error { return s.watch.Why(err) }

// connect opens one connection to t within the budget. Every byte the server sends goes through
// a cap: the driver reassembles packets of up to 16 MiB into replies of any size, and its
// maxAllowedPacket bounds only what it writes. The caller closes the session.
func (t *target) connect(ctx context.Context, env *kind.Env, timeout time.Duration) (*session, error) {
	cfg := t.cfg.Clone()
	// The check's timeout bounds every step, whatever the DSN says (an application's DSN often
	// has longer limits than a gate should wait).
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.Logger = quietLogger{}
	s := &session{watch: &probe.CapWatch{}}
	cfg.DialFunc = s.watch.Dial(probe.DialContext(env), probe.MaxReply, nil)
	if cfg.TLSConfig == "true" && env != nil && env.RootCAs != nil {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.TLS = &tls.Config{RootCAs: env.RootCAs, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	s.db = sql.OpenDB(conn)
	s.db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	s.conn, err = s.db.Conn(ctx)
	if err != nil {
		s.db.Close()
		return nil, s.why(err)
	}
	return s, nil
}

// serverError returns the server's error number, or 0 when err did not come from the server.
func serverError(err error) uint16 {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// explain turns a connection or query error into a result the reader can act on. what says
// what was being done ("connect", "read SHOW GLOBAL STATUS").
func (t *target) explain(err error, what string, lim limits, elapsed time.Duration) kind.Result {
	msg := t.red.String(err.Error())
	var me *mysql.MySQLError
	if errors.Is(err, probe.ErrOversized) {
		return kind.Errorf("check that this port is MySQL's and not another service or a broken proxy: no answer to these checks' queries comes near that size",
			"%s: cannot %s: %s", t.name, what, msg)
	}
	if errors.As(err, &me) {
		switch me.Number {
		case errAccessDenied:
			return kind.Errorf("check the user and password in the DSN (and that the account may connect from this host)",
				"%s: access denied: %s", t.name, t.red.String(me.Message))
		case errDBAccessDenied, errBadDB:
			return kind.Errorf("fix the database name in the DSN, or grant the user access to it",
				"%s: %s", t.name, t.red.String(me.Message))
		case errSpecificAccessDenied, errTableAccessDenied:
			return kind.Errorf("grant the check's user the privilege named in the message (read-only monitoring privileges suffice)",
				"%s: cannot %s: %s", t.name, what, t.red.String(me.Message))
		case errHostBlocked:
			return kind.Errorf("run FLUSH HOSTS (or mariadb-admin flush-hosts) on the server and find what keeps failing to connect",
				"%s: %s", t.name, t.red.String(me.Message))
		}
		return kind.Errorf("see the server's message", "%s: cannot %s: error %d: %s", t.name, what, me.Number, t.red.String(me.Message))
	}
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return kind.Errorf("check the host name in the DSN and that it resolves from here",
			"%s: DNS lookup failed for %s: %s", t.name, dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return kind.Errorf("nothing is listening there: start the server, or fix the host and port in the DSN",
			"%s: connection refused", t.name)
	case isDialError(err) && (probe.IsTimeout(err) || errors.Is(err, context.DeadlineExceeded)):
		return kind.Errorf("check that the host is up and that no firewall drops the traffic",
			"%s: could not connect within %s (no answer to the connection attempt)", t.name, kind.FormatDuration(lim.given))
	case probe.IsTimeout(err), errors.Is(err, context.DeadlineExceeded), errors.Is(err, mysql.ErrInvalidConn) && elapsed >= lim.budget*9/10:
		return kind.Errorf("the server accepted TCP but is stuck (or this is not a MySQL port): check its load, its error log and the port",
			"%s accepted the connection but did not answer within %s (could not %s)", t.name, kind.FormatDuration(lim.given), what)
	case errors.Is(err, mysql.ErrInvalidConn), errors.Is(err, syscall.ECONNRESET):
		return kind.Errorf("the server or a proxy dropped the connection: check the server's error log, and that this is a MySQL port",
			"%s: the connection was dropped while trying to %s (%s)", t.name, what, msg)
	}
	return kind.Errorf("check that the server is reachable from here and the DSN is right", "%s: cannot %s: %s", t.name, what, msg)
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
