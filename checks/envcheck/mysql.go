package envcheck

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// mysqlParams are the DSN parameters the check passes to the driver. Anything else is refused:
// an unknown parameter becomes a session variable the driver SETs (which would change what is
// read, and writes), and allowAllFiles would let the server read local files.
var mysqlParams = []string{
	"tls", "charset", "collation", "loc", "parseTime", "timeout", "readTimeout", "writeTimeout",
	"allowNativePasswords", "allowCleartextPasswords", "checkConnLiveness", "clientFoundRows",
	"columnsWithAlias", "interpolateParams", "maxAllowedPacket", "rejectReadOnly", "serverPubKey",
	"timeTruncate", "compress",
}

// checkMySQLParams refuses parameters outside mysqlParams, and a cleartext password without TLS.
func checkMySQLParams(q url.Values) error {
	for k := range q {
		if !slices.Contains(mysqlParams, k) {
			return fmt.Errorf("DSN parameter %q is not one env.parity passes on (it reads the server's global settings and nothing else): remove it; accepted: %s",
				k, strings.Join(mysqlParams, ", "))
		}
	}
	if q.Get("allowCleartextPasswords") == "true" && (q.Get("tls") == "" || q.Get("tls") == "false" || q.Get("tls") == "preferred") {
		return errors.New("allowCleartextPasswords=true without tls=true would send the password in the clear")
	}
	return nil
}

// parseMySQL accepts the driver's DSN (user:password@tcp(host:3306)/db) and the URL platforms
// export (mysql://user:password@host:3306/db?ssl-mode=REQUIRED).
func parseMySQL(dsn string) (*conn, error) {
	var cfg *mysql.Config
	if s := schemeOf(dsn); s != "" {
		c, err := mysqlURL(dsn, s)
		if err != nil {
			return nil, err
		}
		cfg = c
	} else {
		// The driver reads parameters after the '?' that follows the last '/'.
		if i := strings.LastIndex(dsn, "/"); i >= 0 {
			if _, query, ok := strings.Cut(dsn[i:], "?"); ok {
				q, err := url.ParseQuery(query)
				if err != nil {
					return nil, fmt.Errorf("the parameters of MySQL DSN %s do not parse", redact.Unparsed(dsn))
				}
				if err := checkMySQLParams(q); err != nil {
					return nil, err
				}
			}
		}
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			// The driver's message may quote the DSN, password included: give the form instead.
			return nil, fmt.Errorf("not a MySQL DSN %s: write user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db", redact.Unparsed(dsn))
		}
		cfg = c
	}
	cfg.AllowAllFiles, cfg.MultiStatements = false, false
	red := &redact.Redactor{}
	red.Add(cfg.Passwd)
	name := cfg.Addr
	if cfg.User != "" {
		name = cfg.User + "@" + name
	}
	return &conn{store: "mysql", my: cfg, red: red, addr: cfg.Addr, name: name + "/" + cfg.DBName}, nil
}

func mysqlURL(raw, scheme string) (*mysql.Config, error) {
	if scheme != "mysql" && scheme != "mariadb" {
		return nil, fmt.Errorf("a %s:// URL, not MySQL (mysql://user:password@host:3306/db)", scheme)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("not a MySQL URL %s: write mysql://user:password@host:3306/db", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		return nil, fmt.Errorf("the MySQL URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", redact.Unparsed(raw))
	}
	q := u.Query()
	// Platforms spell TLS the way the mysql client does; the driver wants tls=.
	for _, k := range []string{"ssl-mode", "sslmode", "ssl_mode"} {
		if v := strings.ToUpper(q.Get(k)); v != "" {
			q.Del(k)
			mode, ok := map[string]string{"DISABLED": "false", "PREFERRED": "preferred", "REQUIRED": "skip-verify"}[v]
			if !ok {
				mode = "true" // VERIFY_CA, VERIFY_IDENTITY
			}
			q.Set("tls", mode)
		}
	}
	if err := checkMySQLParams(q); err != nil {
		return nil, err
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	// The DSN handed to the driver carries no password, so its complaints cannot leak one.
	dsn := "tcp(" + net.JoinHostPort(u.Hostname(), port) + ")/" + url.PathEscape(strings.TrimPrefix(u.Path, "/"))
	if len(q) > 0 {
		dsn += "?" + q.Encode()
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("not a MySQL URL %s: %s", redact.Unparsed(raw), redact.String(err.Error()))
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	return cfg, nil
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

var mysqlRelease = regexp.MustCompile(`^\d+(\.\d+)*`)

// readMySQL reads SHOW GLOBAL VARIABLES: the server's settings, which every new session starts
// from, whatever the DSN's session does.
func (c *conn) readMySQL(ctx context.Context, env *kind.Env, items []string, r *reading, connected *atomic.Bool, budget time.Duration) error {
	cfg := c.my.Clone()
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = budget, budget, budget
	cfg.Logger = quietLogger{}
	if strings.HasPrefix(cfg.Net, "tcp") {
		cfg.DialFunc = dialer(env, connected)
	}
	if cfg.TLSConfig == "true" && env.RootCAs != nil {
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.TLS = &tls.Config{RootCAs: env.RootCAs, ServerName: host, MinVersion: tls.VersionTLS12}
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	db.SetMaxOpenConns(1)
	sc, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer sc.Close()
	rows, err := sc.QueryContext(ctx, "SHOW GLOBAL VARIABLES")
	if err != nil {
		return fmt.Errorf("reading SHOW GLOBAL VARIABLES: %w", err)
	}
	defer rows.Close()
	all := map[string]string{}
	for n := 0; rows.Next() && n < maxRows; n++ {
		var name, value sql.NullString
		if err := rows.Scan(&name, &value); err != nil {
			return fmt.Errorf("reading SHOW GLOBAL VARIABLES: %w", err)
		}
		all[strings.ToLower(name.String)] = value.String
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading SHOW GLOBAL VARIABLES: %w", err)
	}
	// MariaDB before 11.1 calls the isolation level tx_isolation.
	if _, ok := all["transaction_isolation"]; !ok && all["tx_isolation"] != "" {
		all["transaction_isolation"] = all["tx_isolation"]
	}
	for _, it := range items {
		if v, ok := all[it]; ok {
			r.values[it] = v
		}
	}
	product := "MySQL"
	if strings.Contains(all["version"]+all["version_comment"], "MariaDB") {
		product = "MariaDB"
	}
	r.values["version"] = product + " " + mysqlRelease.FindString(all["version"])
	return nil
}

// mysqlFailure explains what the server itself refused.
func mysqlFailure(err error, c *conn) *failure {
	var me *mysql.MySQLError
	if !errors.As(err, &me) {
		return nil
	}
	switch me.Number {
	case 1045:
		return &failure{"access denied", c.addr + ": " + me.Message,
			"check the user and password in the DSN, and that the account may connect from this host"}
	case 1044, 1049:
		return &failure{"no such database", c.addr + ": " + me.Message, "fix the database name in the DSN, or grant the user access to it"}
	case 1040, 1203, 1226:
		return &failure{"too many connections", c.addr + " refused the connection: " + me.Message,
			"connections are exhausted there: run the mysql.connections check, then try again"}
	case 1227, 1142:
		return &failure{"permission denied", c.addr + ": " + me.Message, "grant the check's user the privilege named in the message (it only reads)"}
	}
	return &failure{"server error", fmt.Sprintf("%s: error %d: %s", c.addr, me.Number, me.Message), "read the server's message; the server's error log has the details"}
}
