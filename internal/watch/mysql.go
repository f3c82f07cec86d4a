package watch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// myTarget is a parsed MySQL DSN and a name for it without the password.
type myTarget struct {
	cfg  *mysql.Config
	name string
	red  *redact.Redactor
}

// parseMySQL accepts the go-sql-driver DSN (user:pass@tcp(host:3306)/db) and the URL platforms
// export (mysql://user:pass@host:3306/db).
func parseMySQL(dsn string) (*myTarget, error) {
	dsn = strings.TrimSpace(dsn)
	if dsn == "" {
		return nil, errors.New("empty DSN")
	}
	var cfg *mysql.Config
	if scheme, _, ok := strings.Cut(dsn, "://"); ok && !strings.ContainsAny(scheme, "@(/") {
		c, err := mysqlURL(dsn)
		if err != nil {
			return nil, err
		}
		cfg = c
	} else {
		c, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("invalid MySQL DSN %s: write user:password@tcp(host:3306)/db or mysql://user:password@host:3306/db", redact.Unparsed(dsn))
		}
		cfg = c
	}
	name := cfg.Addr
	if cfg.User != "" {
		name = cfg.User + "@" + name
	}
	if cfg.DBName != "" {
		name += "/" + cfg.DBName
	}
	return &myTarget{cfg: cfg, name: name, red: redact.New(cfg.Passwd)}, nil
}

func mysqlURL(raw string) (*mysql.Config, error) {
	bad := fmt.Errorf("invalid MySQL URL %s: write mysql://user:password@host:3306/db", redact.Unparsed(raw))
	u, err := url.Parse(raw)
	if err != nil || redact.MisplacedAt(u, raw) || u.Host == "" {
		return nil, bad
	}
	switch u.Scheme {
	case "mysql", "mariadb":
	default:
		return nil, fmt.Errorf("a %s:// URL, not MySQL (mysql://user:password@host:3306/db)", u.Scheme)
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	cfg := mysql.NewConfig()
	cfg.Net, cfg.Addr, cfg.DBName = "tcp", net.JoinHostPort(u.Hostname(), port), strings.TrimPrefix(u.Path, "/")
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	switch strings.ToUpper(u.Query().Get("ssl-mode")) {
	case "REQUIRED":
		cfg.TLSConfig = "skip-verify"
	case "VERIFY_CA", "VERIFY_IDENTITY":
		cfg.TLSConfig = "true"
	}
	return cfg, nil
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

// myWatcher reads Threads_connected, less its own connection, against max_connections.
type myWatcher struct {
	t      *myTarget
	db     *sql.DB
	series []Series
}

func openMySQL(ctx context.Context, env *kind.Env, dsn string) (*myWatcher, error) {
	t, err := parseMySQL(dsn)
	if err != nil {
		return nil, err
	}
	cfg := t.cfg.Clone()
	cfg.Logger = quietLogger{}
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = readTimeout, readTimeout, readTimeout
	if strings.HasPrefix(cfg.Net, "tcp") {
		cfg.DialFunc = probe.DialContext(env)
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to MySQL %s: %s", t.name, t.red.String(err.Error()))
	}
	db := sql.OpenDB(conn)
	// One connection, kept: the watcher must not add to what it counts, nor need a new slot
	// when the application has taken them all.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	w := &myWatcher{t: t, db: db}
	var limit float64
	if err := db.QueryRowContext(ctx, "SELECT @@max_connections").Scan(&limit); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect to MySQL %s: %s", t.name, t.red.String(err.Error()))
	}
	w.series = []Series{{Key: KeyConnections, Label: "MySQL Threads_connected on " + t.name, Unit: "connections",
		Limit: limit, LimitWhy: fmt.Sprintf("max_connections %g", limit)}}
	return w, nil
}

func (w *myWatcher) Series() []Series { return w.series }

func (w *myWatcher) Read(ctx context.Context) ([]float64, error) {
	var name string
	var n float64
	if err := w.db.QueryRowContext(ctx, "SHOW GLOBAL STATUS LIKE 'Threads_connected'").Scan(&name, &n); err != nil {
		return nil, fmt.Errorf("reading Threads_connected on %s: %s", w.t.name, w.t.red.String(err.Error()))
	}
	return []float64{max(n-1, 0)}, nil
}

func (w *myWatcher) Close() { w.db.Close() }
