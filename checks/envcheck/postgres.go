package envcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

func parsePostgres(dsn string) (*conn, error) {
	if s := schemeOf(dsn); s != "" && s != "postgres" && s != "postgresql" {
		return nil, fmt.Errorf("a %s:// URL, not PostgreSQL (postgres://user:password@host:5432/db)", s)
	}
	red := &redact.Redactor{}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// A DSN that does not parse cannot be trusted to show where its password is: mask what
		// sits where a URL keeps it, as well as what the patterns find.
		if _, rest, ok := strings.Cut(dsn, "://"); ok {
			if at := strings.LastIndex(rest, "@"); at >= 0 {
				if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
					red.Add(pw)
				}
			}
		}
		return nil, fmt.Errorf("not a PostgreSQL DSN: %s", red.String(err.Error()))
	}
	red.Add(cfg.Password)
	host := cfg.Host
	if strings.HasPrefix(host, "/") {
		host = "unix:" + host
	}
	addr := net.JoinHostPort(host, strconv.Itoa(int(cfg.Port)))
	return &conn{store: "postgres", pg: cfg, red: red, addr: addr, name: fmt.Sprintf("%s@%s/%s", cfg.User, addr, cfg.Database)}, nil
}

// pgSettings reads the settings as the DSN's session sees them (role and database settings
// included), with the unit that tells sizes apart.
const pgSettings = `SELECT lower(name), current_setting(name), coalesce(unit, '') FROM pg_settings WHERE lower(name) = ANY($1)`

// readPostgres reads in one read-only transaction: the version, the settings, the database's
// locale and the installed extensions.
func (c *conn) readPostgres(ctx context.Context, env *kind.Env, items []string, r *reading, connected *atomic.Bool, budget time.Duration) error {
	cfg := c.pg.Copy()
	cfg.ConnectTimeout = budget
	cfg.MaxProtocolMessageBodyLen = maxMessage
	cfg.DialFunc = dialer(env, connected)
	// The dialer resolves through the environment's resolver; pgx must leave names alone.
	cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = env.UserAgent()
	}
	// The simple protocol works through PgBouncer in transaction mode.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pc, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		pc.Close(cctx)
	}()
	tx, err := pc.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // read-only: nothing to undo
	var num int
	if err := tx.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&num); err != nil {
		return fmt.Errorf("reading the server version: %w", err)
	}
	r.values["version"] = pgVersion(num)
	if err := pgReadSettings(ctx, tx, items, r); err != nil {
		return err
	}
	var collate, ctype, encoding string
	if err := tx.QueryRow(ctx, `SELECT datcollate, datctype, pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()`).
		Scan(&collate, &ctype, &encoding); err != nil {
		return fmt.Errorf("reading the database's locale: %w", err)
	}
	r.values["collation"], r.values["ctype"], r.values["encoding"] = collate, ctype, encoding
	rows, err := tx.Query(ctx, `SELECT extname, extversion FROM pg_extension ORDER BY extname LIMIT `+strconv.Itoa(maxRows))
	if err != nil {
		return fmt.Errorf("reading pg_extension: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, version string
		if err := rows.Scan(&name, &version); err != nil {
			return fmt.Errorf("reading pg_extension: %w", err)
		}
		r.values[extensionPrefix+name] = version
	}
	return rows.Err()
}

func pgReadSettings(ctx context.Context, tx pgx.Tx, items []string, r *reading) error {
	rows, err := tx.Query(ctx, pgSettings, items)
	if err != nil {
		return fmt.Errorf("reading pg_settings: %w", err)
	}
	defer rows.Close()
	for n := 0; rows.Next() && n < maxRows; n++ {
		var name, value, unit string
		if err := rows.Scan(&name, &value, &unit); err != nil {
			return fmt.Errorf("reading pg_settings: %w", err)
		}
		r.values[name] = value
		// kB, 8kB, MB: a memory size.
		r.sizes[name] = strings.HasSuffix(unit, "B")
	}
	return rows.Err()
}

// pgVersion writes server_version_num as "PostgreSQL 15.6" (9.6.24 before version 10).
func pgVersion(num int) string {
	if num >= 100000 {
		return fmt.Sprintf("PostgreSQL %d.%d", num/10000, num%10000)
	}
	return fmt.Sprintf("PostgreSQL %d.%d.%d", num/10000, num/100%100, num%100)
}

// pgFailure explains what the server itself refused.
func pgFailure(err error, c *conn) *failure {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return nil
	}
	switch pgErr.Code {
	case "28P01", "28000":
		return &failure{"authentication failed", fmt.Sprintf("%s rejected user %q: %s", c.addr, c.pg.User, pgErr.Message),
			"check the user and password in the DSN, and that pg_hba.conf lets this user in from here"}
	case "3D000":
		return &failure{"no such database", c.addr + ": " + pgErr.Message, "check the database name in the DSN"}
	case "53300":
		return &failure{"too many connections", c.addr + " refused the connection: " + pgErr.Message,
			"connections are exhausted there: run the postgres.connections check, then try again"}
	case "42501":
		return &failure{"permission denied", c.addr + ": " + pgErr.Message,
			fmt.Sprintf("GRANT pg_read_all_settings TO %s (the check only reads)", c.pg.User)}
	}
	return &failure{"server error", fmt.Sprintf("%s: %s (SQLSTATE %s)", c.addr, pgErr.Message, pgErr.Code),
		"read the server's message; the server log has the details"}
}
