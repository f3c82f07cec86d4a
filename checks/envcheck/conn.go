package envcheck

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Bounds on what a server may send back: settings are small, and a server (or something
// pretending to be one) must not fill memory.
const (
	maxRows = 2000
	// maxValue bounds one value in the evidence.
	maxValue = 256
	// maxMessage bounds one PostgreSQL protocol message.
	maxMessage = 1 << 20
)

// conn is one environment's datastore: how to reach it, and how to name it without its
// password.
type conn struct {
	store string
	name  string // user@host:port/db, never the password
	addr  string // host:port, for short messages
	red   *redact.Redactor
	pg    *pgx.ConnConfig
	my    *mysql.Config
	rd    *probe.RedisURL
}

// reading is what was read from one datastore.
type reading struct {
	target string
	// values are the items read, by name without the store (statement_timeout,
	// extension.pg_trgm); an item the server does not have is absent.
	values map[string]string
	// unknown are items the server would not show, with the reason (managed Redis without
	// CONFIG).
	unknown map[string]string
	// sizes are items the server itself says are sizes (PostgreSQL settings in bytes).
	sizes map[string]bool
	fail  *failure
}

// failure says why a datastore could not be read.
type failure struct {
	kind, summary, remedy string
}

// schemeOf is the scheme of a URL DSN ("" for other forms), to refuse a DSN of another
// datastore with a clear word.
func schemeOf(dsn string) string {
	scheme, _, ok := strings.Cut(strings.TrimSpace(dsn), "://")
	if !ok || strings.ContainsAny(scheme, "@(/ =") {
		return ""
	}
	return strings.ToLower(scheme)
}

func parseConn(store, dsn string) (*conn, error) {
	switch store {
	case "postgres":
		return parsePostgres(dsn)
	case "mysql":
		return parseMySQL(dsn)
	}
	return parseRedis(dsn)
}

// read connects with the check's deadline and reads the items, never writing.
func (c *conn) read(ctx context.Context, env *kind.Env, items []string) *reading {
	budget := probe.Remaining(ctx, 0)
	r := &reading{target: c.name, values: map[string]string{}, unknown: map[string]string{}, sizes: map[string]bool{}}
	var connected atomic.Bool
	var err error
	switch c.store {
	case "postgres":
		err = c.readPostgres(ctx, env, items, r, &connected, budget)
	case "mysql":
		err = c.readMySQL(ctx, env, items, r, &connected, budget)
	default:
		err = c.readRedis(ctx, env, items, r, &connected, budget)
	}
	if err != nil {
		r.fail = c.explain(err, connected.Load(), budget)
	}
	for k, v := range r.values {
		r.values[k] = clip(c.red.String(v))
	}
	return r
}

func clip(s string) string {
	if r := []rune(s); len(r) > maxValue {
		return string(r[:maxValue]) + "…"
	}
	return s
}

// dialer dials through the environment's resolver and dialer, and notes when TCP is up: a
// server that accepts and then says nothing is another failure than one that never answers.
func dialer(env *kind.Env, connected *atomic.Bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	tcp := probe.DialContext(env)
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		var c net.Conn
		var err error
		if strings.HasPrefix(network, "unix") {
			c, err = (&net.Dialer{}).DialContext(ctx, network, addr)
		} else {
			c, err = tcp(ctx, network, addr)
		}
		if err == nil {
			connected.Store(true)
		}
		return c, err
	}
}

// explain puts a failed read into words: the server's own refusal first, then what the network
// did.
func (c *conn) explain(err error, connected bool, budget time.Duration) *failure {
	if f := c.driverFailure(err); f != nil {
		f.summary = c.red.String(f.summary)
		return f
	}
	product := storeNamed(c.store).product
	if connected && isTimeout(err) {
		return &failure{"no answer", fmt.Sprintf("%s accepted the connection but did not answer within %s", c.addr, kind.Elapsed(budget)),
			fmt.Sprintf("check that this port is %s's and that the server is not stuck or overloaded", product)}
	}
	f := probe.Explain(err, c.addr, budget, nil)
	if f.Kind == "network" {
		f.Summary = "cannot read " + c.addr + ": " + err.Error()
		f.Remedy = "check the DSN and that the server is up and reachable from here"
	}
	return &failure{f.Kind, c.red.String(f.Summary), f.Remedy}
}

func (c *conn) driverFailure(err error) *failure {
	switch c.store {
	case "postgres":
		return pgFailure(err, c)
	case "mysql":
		return mysqlFailure(err, c)
	}
	return redisFailure(err, c)
}

func isTimeout(err error) bool {
	return probe.IsTimeout(err) || strings.Contains(err.Error(), "timeout")
}
