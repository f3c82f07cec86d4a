package envcheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

func parseRedis(raw string) (*conn, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("not a Redis URL %s: write redis://[user:password@]host:6379[/db] or rediss://…", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		return nil, fmt.Errorf("the Redis URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", redact.Unparsed(raw))
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("unsupported scheme %q: write redis://[user:password@]host:6379[/db] or rediss:// for TLS", u.Scheme)
	}
	opts, err := redis.ParseURL(strings.TrimSpace(raw))
	if err != nil {
		// go-redis may quote the URL, password included: give the form instead.
		return nil, fmt.Errorf("not a Redis URL %s: write redis://[user:password@]host:6379[/db]", redact.Unparsed(raw))
	}
	red := &redact.Redactor{}
	red.Add(opts.Password)
	name := u.Scheme + "://" + opts.Addr
	if opts.Username != "" {
		name = u.Scheme + "://" + opts.Username + "@" + opts.Addr
	}
	if opts.DB != 0 {
		name += "/" + strconv.Itoa(opts.DB)
	}
	return &conn{store: "redis", rd: opts, red: red, addr: opts.Addr, name: name}, nil
}

// redisInfoFallback is where INFO shows a setting when CONFIG is disabled (managed Redis).
var redisInfoFallback = map[string]string{
	"maxmemory-policy": "maxmemory_policy", "maxmemory": "maxmemory", "maxclients": "maxclients", "appendonly": "aof_enabled",
}

// readRedis reads INFO for the version and CONFIG GET for each item, falling back to INFO's
// fields where CONFIG is not allowed.
func (c *conn) readRedis(ctx context.Context, env *kind.Env, items []string, r *reading, connected *atomic.Bool, budget time.Duration) error {
	cl := redis.NewClient(c.redisOptions(env, connected, budget))
	defer cl.Close()
	info, err := cl.Info(ctx).Result()
	if err != nil {
		return err
	}
	fields := infoFields(info)
	r.values["version"] = "Redis " + fields["redis_version"]
	var configErr error
	for _, it := range items {
		if it == "version" || configErr != nil {
			continue
		}
		vals, err := cl.ConfigGet(ctx, it).Result()
		if err != nil {
			if !refused(err) {
				return fmt.Errorf("CONFIG GET %s: %w", it, err)
			}
			configErr = err
			continue
		}
		if v, ok := vals[it]; ok {
			r.values[it] = redisValue(it, v)
		}
	}
	if configErr == nil {
		return nil
	}
	why := "CONFIG is disabled or renamed"
	if strings.Contains(configErr.Error(), "NOPERM") {
		why = "the ACL user may not run CONFIG GET"
	}
	for _, it := range items {
		f, ok := redisInfoFallback[it]
		switch v, found := fields[f]; {
		case it == "version":
		case ok && found && it == "appendonly":
			r.values[it] = map[string]string{"1": "yes", "0": "no"}[v]
		case ok && found:
			r.values[it] = redisValue(it, v)
		default:
			r.unknown[it] = why
		}
	}
	return nil
}

// redisOptions is a one-connection client that never retries: a check asks once, within its
// deadline.
func (c *conn) redisOptions(env *kind.Env, connected *atomic.Bool, budget time.Duration) *redis.Options {
	o := *c.rd
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = budget, budget, budget, budget
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.PoolSize, o.MinIdleConns = 1, 0
	o.Protocol = 2
	o.DisableIdentity = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	var tcfg *tls.Config
	if c.rd.TLSConfig != nil {
		tcfg = c.rd.TLSConfig.Clone()
		if env.RootCAs != nil {
			tcfg.RootCAs = env.RootCAs
		}
		tcfg.MinVersion = max(tcfg.MinVersion, tls.VersionTLS12)
	}
	o.TLSConfig = tcfg
	dial := dialer(env, connected)
	// A custom dialer replaces go-redis's own TLS wrapping, so it does the handshake itself.
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil || tcfg == nil {
			return conn, err
		}
		tc := tls.Client(conn, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		return tc, nil
	}
	return &o
}

// redisValue prints sizes the way a person writes them.
func redisValue(item, v string) string {
	if item != "maxmemory" {
		return v
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	if n == 0 {
		return "0 (no limit)"
	}
	return kind.ByteSize(n).String()
}

func infoFields(info string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for n := 0; sc.Scan() && n < maxRows; n++ {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			out[k] = v
		}
	}
	return out
}

// refused reports a server that will not run CONFIG for this client (ACL, renamed command).
func refused(err error) bool {
	msg := err.Error()
	return slices.ContainsFunc([]string{"NOPERM", "unknown command", "ERR unknown"}, func(p string) bool { return strings.Contains(msg, p) })
}

// redisFailure explains what the server itself refused.
func redisFailure(err error, c *conn) *failure {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"), strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return &failure{"authentication failed", c.addr + ": " + msg, "check the user name and password in the URL (redis://user:password@host:6379)"}
	case strings.HasPrefix(msg, "NOPERM"):
		return &failure{"permission denied", c.addr + ": " + msg, "allow the check's ACL user +info and +config|get (it only reads)"}
	}
	return nil
}
