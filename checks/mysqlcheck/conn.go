package mysqlcheck

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
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
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			// The driver's message can quote the DSN; never let it carry the password out.
			return nil, fmt.Errorf("invalid DSN %s: %s (write user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db)",
				redact.Unparsed(dsn), driverMessage(err, dsn))
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

// driverMessage is the driver's complaint about a DSN, or a generic one when the complaint
// quotes any part of what may be the password (the text between the first ':' and the last '@').
func driverMessage(err error, dsn string) string {
	msg := err.Error()
	i, at := strings.Index(dsn, ":"), strings.LastIndex(dsn, "@")
	if i >= 0 && at > i+1 {
		secret := dsn[i+1 : at]
		w := min(4, len(secret))
		for j := 0; j+w <= len(secret); j++ {
			if strings.Contains(msg, secret[j:j+w]) {
				return "the driver cannot parse it"
			}
		}
	}
	return redact.String(msg)
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
		return nil, fmt.Errorf("%s URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", "MySQL", redact.Unparsed(raw))
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
	// Platforms spell TLS the way the mysql client does; the driver wants tls=.
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

// budget is how long the driver may wait on the network: a little under the context's
// deadline, so that a hang is reported in words before the runner gives up on the check.
func budget(ctx context.Context) time.Duration {
	d := defaultBudget
	if dl, ok := ctx.Deadline(); ok {
		d = time.Until(dl)
	}
	margin := d / 10
	if margin > 500*time.Millisecond {
		margin = 500 * time.Millisecond
	}
	if d-margin < 10*time.Millisecond {
		return 10 * time.Millisecond
	}
	return d - margin
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

// connect opens one connection to t within the budget. The caller closes the returned db.
func (t *target) connect(ctx context.Context, env *kind.Env, timeout time.Duration) (*sql.DB, *sql.Conn, error) {
	cfg := t.cfg.Clone()
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = timeout, timeout, timeout
	cfg.Logger = quietLogger{}
	if env != nil && strings.HasPrefix(cfg.Net, "tcp") {
		cfg.DialFunc = probe.DialContext(env)
	}
	if cfg.TLSConfig == "true" && env != nil && env.RootCAs != nil {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.TLS = &tls.Config{RootCAs: env.RootCAs, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, c, nil
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
func (t *target) explain(err error, what string, timeout time.Duration, elapsed time.Duration) kind.Result {
	msg := t.red.String(err.Error())
	var me *mysql.MySQLError
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
			"%s: could not connect within %s (no answer to the connection attempt)", t.name, kind.FormatRounded(timeout))
	case probe.IsTimeout(err), errors.Is(err, context.DeadlineExceeded), errors.Is(err, mysql.ErrInvalidConn) && elapsed >= timeout*9/10:
		return kind.Errorf("the server accepted TCP but is stuck (or this is not a MySQL port): check its load, its error log and the port",
			"%s accepted the connection but did not answer within %s (could not %s)", t.name, kind.FormatRounded(timeout), what)
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
