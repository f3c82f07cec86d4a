package watch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// pgTarget is a parsed PostgreSQL DSN and a name for it without the password.
type pgTarget struct {
	cfg  *pgx.ConnConfig
	name string
	red  *redact.Redactor
}

var urlScheme = regexp.MustCompile(`^\s*([A-Za-z][A-Za-z0-9+.\-]*)://`)

func parsePostgres(dsn string) (*pgTarget, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("empty DSN")
	}
	if m := urlScheme.FindStringSubmatch(dsn); m != nil {
		if s := strings.ToLower(m[1]); s != "postgres" && s != "postgresql" {
			return nil, fmt.Errorf("a %s:// URL, not PostgreSQL (postgres://user:password@host:5432/db)", s)
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// A DSN that does not parse cannot be trusted to show where its password is.
		return nil, fmt.Errorf("invalid PostgreSQL DSN %s", redact.Unparsed(dsn))
	}
	red := redact.New(cfg.Password)
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "unix:" + host
	}
	name := fmt.Sprintf("%s@%s/%s", cfg.User, net.JoinHostPort(host, fmt.Sprint(cfg.Port)), cfg.Database)
	return &pgTarget{cfg: cfg, name: name, red: red}, nil
}

// pgWatcher counts client backends the way postgres.connections does: exactly from
// pg_stat_activity with pg_read_all_stats, or else every backend of pg_stat_database.
type pgWatcher struct {
	env    *kind.Env
	t      *pgTarget
	conn   *pgx.Conn
	query  string
	series []Series
}

// Client backends other than the watcher's own; without pg_read_all_stats other roles' rows
// hide their backend_type, so the count falls back to pg_stat_database (which also counts
// autovacuum and background workers).
const (
	pgExactCount  = `SELECT count(*)::float8 FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`
	pgApproxCount = `SELECT (coalesce(sum(numbackends), 0) - 1)::float8 FROM pg_stat_database WHERE datid <> 0`
)

func openPostgres(ctx context.Context, env *kind.Env, dsn string) (*pgWatcher, error) {
	t, err := parsePostgres(dsn)
	if err != nil {
		return nil, err
	}
	w := &pgWatcher{env: env, t: t}
	if err := w.connect(ctx); err != nil {
		return nil, err
	}
	var maxConns, superReserved, reserved int
	var exact bool
	err = w.conn.QueryRow(ctx, `SELECT current_setting('max_connections')::int,
		current_setting('superuser_reserved_connections')::int,
		coalesce(nullif(current_setting('reserved_connections', true), ''), '0')::int,
		pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')`).Scan(&maxConns, &superReserved, &reserved, &exact)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("reading max_connections on %s: %s", t.name, t.red.String(err.Error()))
	}
	slots := maxConns - superReserved - reserved
	why := fmt.Sprintf("max_connections %d − superuser_reserved_connections %d", maxConns, superReserved)
	if reserved > 0 {
		why += fmt.Sprintf(" − reserved_connections %d", reserved)
	}
	label := "PostgreSQL client connections on " + t.name
	w.query = pgExactCount
	if !exact {
		w.query = pgApproxCount
		label += " (every backend: " + t.cfg.User + " lacks pg_monitor)"
	}
	w.series = []Series{{Key: KeyConnections, Label: label, Unit: "connections", Limit: float64(slots), LimitWhy: why}}
	return w, nil
}

func (w *pgWatcher) connect(ctx context.Context) error {
	cfg := w.t.cfg.Copy()
	cfg.DialFunc = probe.DialContext(w.env)
	if look := probe.LookupHost(w.env); look != nil {
		cfg.LookupFunc = look
	}
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "launchgate-watch"
	}
	// The simple protocol works through PgBouncer in transaction mode.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("cannot connect to PostgreSQL %s: %s", w.t.name, w.t.red.String(err.Error()))
	}
	w.conn = conn
	return nil
}

func (w *pgWatcher) Series() []Series { return w.series }

// Read counts the client backends. A connection lost to a timeout is opened again on the next
// read (the superuser's reserved slots let a superuser in even when the application has taken
// every other one).
func (w *pgWatcher) Read(ctx context.Context) ([]float64, error) {
	if w.conn == nil || w.conn.IsClosed() {
		if err := w.connect(ctx); err != nil {
			return nil, err
		}
	}
	var n float64
	if err := w.conn.QueryRow(ctx, w.query).Scan(&n); err != nil {
		return nil, fmt.Errorf("counting connections on %s: %s", w.t.name, w.t.red.String(err.Error()))
	}
	return []float64{n}, nil
}

func (w *pgWatcher) Close() {
	if w.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
		defer cancel()
		_ = w.conn.Close(ctx)
	}
}
