package watch

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

type redisTarget struct {
	opts *redis.Options
	name string
	red  *redact.Redactor
}

func parseRedis(raw string) (*redisTarget, error) {
	raw = strings.TrimSpace(raw)
	bad := fmt.Errorf("invalid Redis URL %s: write redis://[:password@]host:6379[/db] or rediss://…", redact.Unparsed(raw))
	u, err := url.Parse(raw)
	if err != nil || redact.MisplacedAt(u, raw) {
		return nil, bad
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("unsupported scheme %q: write redis://[:password@]host:6379[/db] or rediss:// for TLS", u.Scheme)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, bad
	}
	return &redisTarget{opts: opts, name: u.Scheme + "://" + opts.Addr, red: redact.New(opts.Password)}, nil
}

// redisWatcher reads connected_clients (less its own) and used_memory from INFO.
type redisWatcher struct {
	t      *redisTarget
	c      *redis.Client
	series []Series
}

func openRedis(ctx context.Context, env *kind.Env, raw string) (*redisWatcher, error) {
	t, err := parseRedis(raw)
	if err != nil {
		return nil, err
	}
	o := *t.opts
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = readTimeout, readTimeout, readTimeout, readTimeout
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.PoolSize, o.MinIdleConns = 1, 0
	o.Protocol = 2
	o.DisableIdentity = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	if o.Network != "unix" {
		// A custom dialer replaces go-redis's TLS wrapping, so it does the handshake itself.
		o.Dialer = redisDialer(env, o.TLSConfig)
	}
	w := &redisWatcher{t: t, c: redis.NewClient(&o)}
	info, err := w.info(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	limit := info["maxclients"]
	if limit == 0 {
		// Before Redis 7, INFO does not say; CONFIG GET may be refused by an ACL, and then the
		// clients are watched without a limit.
		if v, err := w.c.ConfigGet(ctx, "maxclients").Result(); err == nil {
			limit, _ = strconv.ParseFloat(v["maxclients"], 64)
		}
	}
	conns := Series{Key: KeyConnections, Label: "Redis connected_clients on " + t.name, Unit: "connections", Limit: limit}
	if limit > 0 {
		conns.LimitWhy = fmt.Sprintf("maxclients %g", limit)
	}
	w.series = []Series{conns, {Key: KeyRedisMemory, Label: "Redis used_memory on " + t.name, Unit: "bytes", Memory: true}}
	return w, nil
}

func redisDialer(env *kind.Env, cfg *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dial := probe.DialContext(env)
	if cfg != nil {
		cfg = cfg.Clone()
		if env != nil && env.RootCAs != nil {
			cfg.RootCAs = env.RootCAs
		}
		if cfg.MinVersion == 0 {
			cfg.MinVersion = tls.VersionTLS12
		}
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil || cfg == nil {
			return conn, err
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
}

// info reads the numeric fields of INFO clients and INFO memory.
func (w *redisWatcher) info(ctx context.Context) (map[string]float64, error) {
	out := map[string]float64{}
	for _, section := range []string{"clients", "memory"} {
		text, err := w.c.Info(ctx, section).Result()
		if err != nil {
			return nil, fmt.Errorf("reading INFO %s on %s: %s", section, w.t.name, w.t.red.String(err.Error()))
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
			if !ok {
				continue
			}
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = f
			}
		}
	}
	return out, nil
}

func (w *redisWatcher) Series() []Series { return w.series }

func (w *redisWatcher) Read(ctx context.Context) ([]float64, error) {
	info, err := w.info(ctx)
	if err != nil {
		return nil, err
	}
	clients, ok1 := info["connected_clients"]
	mem, ok2 := info["used_memory"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("INFO on %s lacks connected_clients or used_memory", w.t.name)
	}
	return []float64{max(clients-1, 0), mem}, nil
}

func (w *redisWatcher) Close() { w.c.Close() }
