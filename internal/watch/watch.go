// Package watch reads the resources a service leaks under load, once a second: PostgreSQL client
// backends, MySQL Threads_connected, Redis clients and memory, and any gauge of a Prometheus
// text endpoint. A load test opens its watchers before it sends anything, samples them through
// its baseline, the load and the settle that follows, and judges the series they leave.
//
// Each watcher keeps one connection of its own for the whole run and leaves it out of what it
// counts, so that it can still read when the application has taken every other slot.
package watch

import (
	"context"
	"fmt"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// Kind names the families of watched resources, as a checklist's watch: block spells them.
type Kind string

const (
	Postgres Kind = "postgres"
	MySQL    Kind = "mysql"
	Redis    Kind = "redis"
	Metrics  Kind = "metrics"
)

// Growth keys that are not a metric's name.
const (
	// KeyConnections is the max_growth key of every database's connection count.
	KeyConnections = "connections"
	// KeyRedisMemory is the max_growth key of Redis used_memory.
	KeyRedisMemory = "redis_memory"
)

// Spec is one thing to watch, as configured.
type Spec struct {
	Kind Kind
	// Target is the DSN or URL to read.
	Target string
	// Name and Labels pick one series of a metrics endpoint.
	Name   string
	Labels map[string]string
	// Headers are sent with every scrape of a metrics endpoint (an Authorization, say).
	Headers map[string]string
	// InsecureSkipVerify applies to a metrics endpoint on https.
	InsecureSkipVerify bool
}

// Series describes one value a watcher reads.
type Series struct {
	// Key is what max_growth calls it: KeyConnections, KeyRedisMemory or a metric's name.
	Key string
	// Label names the value and where it comes from, without a password.
	Label string
	// Unit is "connections", "bytes" or "" for a metric.
	Unit string
	// Memory says the value is memory, to which the probable-leak trend rule applies.
	Memory bool
	// Limit is the connection limit the value counts against (0: none), LimitWhy how the
	// server makes it up ("max_connections 20 − superuser_reserved_connections 3").
	Limit    float64
	LimitWhy string
}

// Watcher reads its values once a second. It is used from one goroutine at a time.
type Watcher interface {
	// Series says what Read returns, in order.
	Series() []Series
	// Read returns the current value of each series.
	Read(ctx context.Context) ([]float64, error)
	// Close releases the watcher's connection.
	Close()
}

// Check parses a spec's target without connecting, for a checklist's Validate.
func Check(s Spec) error {
	var err error
	switch s.Kind {
	case Postgres:
		_, err = parsePostgres(s.Target)
	case MySQL:
		_, err = parseMySQL(s.Target)
	case Redis:
		_, err = probe.ParseRedisURL(s.Target)
	case Metrics:
		err = checkMetric(s)
	default:
		err = fmt.Errorf("unknown kind %q", s.Kind)
	}
	return err
}

// Open connects and reads what does not change (the connection limit). ctx bounds it; the
// connection then lives until Close.
func Open(ctx context.Context, env *kind.Env, s Spec) (Watcher, error) {
	switch s.Kind {
	case Postgres:
		return openPostgres(ctx, env, s.Target)
	case MySQL:
		return openMySQL(ctx, env, s.Target)
	case Redis:
		return openRedis(ctx, env, s.Target)
	case Metrics:
		return openMetric(ctx, env, s)
	}
	return nil, fmt.Errorf("unknown kind %q", s.Kind)
}

// readTimeout bounds one read: a watcher reads once a second, and a read slower than this is a
// missed sample rather than a stalled load test.
const readTimeout = 2 * time.Second

// closeTimeout bounds the goodbye a watcher says to its server.
const closeTimeout = time.Second
