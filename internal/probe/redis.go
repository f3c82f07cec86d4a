package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

func init() {
	// go-redis logs dial failures to stderr; whoever reads Redis reports them in its own words.
	redis.SetLogger(quietRedisLogger{})
}

type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

// RedisURL is a parsed redis:// or rediss:// URL.
type RedisURL struct {
	Options *redis.Options
	// Name is scheme://[user@]host:port[/db]: the URL without its password, for output.
	Name string
	// Red masks the password in whatever the server or go-redis says.
	Red *redact.Redactor
}

// ParseRedisURL reads redis://[user:password@]host:6379[/db] and rediss:// for TLS. Its errors
// never carry the password.
func ParseRedisURL(raw string) (*RedisURL, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %s: write redis://[:password@]host:6379[/db] or rediss://…", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		// An unescaped '#', '/' or '?' in a password ends the host part early and pushes the
		// rest of the password into the host, path or fragment: refuse before it is shown.
		return nil, UnencodedPassword("Redis", raw)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("unsupported scheme %q: write redis://[:password@]host:6379[/db] or rediss:// for TLS", u.Scheme)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %s: %s", redact.Unparsed(raw), DriverMessage(err, raw, "go-redis cannot parse it"))
	}
	name := u.Scheme + "://" + opts.Addr
	if opts.Username != "" {
		name = u.Scheme + "://" + opts.Username + "@" + opts.Addr
	}
	if opts.DB != 0 {
		name += "/" + strconv.Itoa(opts.DB)
	}
	return &RedisURL{Options: opts, Name: name, Red: redact.New(opts.Password)}, nil
}

// Client builds a one-connection client that never retries: a check asks once, within its
// deadline, and a server that accepts TCP and never answers costs at most the timeout. dial
// reaches the server (nil: through the environment's resolver and dialer, or to a unix socket);
// total bounds the bytes the connection reads in all (0: no bound, for a connection that lives
// through a load test). The watch says whether the server sent more than the caps allow.
func (u *RedisURL) Client(env *kind.Env, timeout time.Duration, dial func(ctx context.Context, network, addr string) (net.Conn, error), total int64) (*redis.Client, *CapWatch) {
	o := *u.Options
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = timeout, timeout, timeout, timeout
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.PoolSize, o.MinIdleConns = 1, 0
	o.Protocol = 2
	o.DisableIdentity = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	o.TLSConfig = u.TLSConfig(env)
	// go-redis allocates what a reply's header announces and has no limit of its own: every
	// byte the server sends passes through the RESP framer first, which refuses an oversized
	// header before go-redis sees it. The dialer also does the TLS handshake, so that the
	// framer reads the plain protocol.
	watch := &CapWatch{}
	o.Dialer = watch.Dial(u.Dialer(env, dial), total, newRESPFramer)
	return redis.NewClient(&o), watch
}

// TLSConfig is the URL's TLS configuration (nil for redis://) trusting the environment's roots,
// at TLS 1.2 or later.
func (u *RedisURL) TLSConfig(env *kind.Env) *tls.Config {
	if u.Options.TLSConfig == nil {
		return nil
	}
	cfg := u.Options.TLSConfig.Clone()
	if env != nil && env.RootCAs != nil {
		cfg.RootCAs = env.RootCAs
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS12)
	return cfg
}

// Dialer connects with dial (nil: through the environment's resolver and dialer, or to a unix
// socket), then does the TLS handshake for rediss://: a custom dialer replaces go-redis's own
// TLS wrapping.
func (u *RedisURL) Dialer(env *kind.Env, dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if env == nil {
		env = &kind.Env{}
	}
	if dial == nil {
		dial = DialContext(env)
		if u.Options.Network == "unix" {
			var d kind.Dialer = &net.Dialer{}
			if env.Dialer != nil {
				d = env.Dialer
			}
			dial = d.DialContext
		}
	}
	cfg := u.TLSConfig(env)
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

// RedisAuthFailed reports a server's refusal of the URL's credentials.
func RedisAuthFailed(msg string) bool {
	return strings.HasPrefix(msg, "WRONGPASS") || strings.HasPrefix(msg, "NOAUTH") ||
		strings.Contains(msg, "invalid password") || strings.Contains(msg, "invalid username-password")
}
