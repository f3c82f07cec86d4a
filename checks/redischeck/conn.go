package redischeck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// defaultBudget bounds a check run with no deadline in its context.
const defaultBudget = 10 * time.Second

// target is a parsed redis:// or rediss:// URL and a password-free name for output.
type target struct {
	opts *redis.Options
	name string
	red  *redact.Redactor
}

func parseURL(raw string) (*target, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %s: write redis://[:password@]host:6379[/db] or rediss://…", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		// An unescaped '#', '/' or '?' in a password ends the host part early and pushes the
		// rest of the password into the host, path or fragment: refuse before it is shown.
		return nil, probe.UnencodedPassword("Redis", raw)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("unsupported scheme %q: write redis://[:password@]host:6379[/db] or rediss:// for TLS", u.Scheme)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid Redis URL %s: %s", redact.Unparsed(raw), driverMessage(err, raw))
	}
	t := &target{opts: opts, red: &redact.Redactor{}}
	t.red.Add(opts.Password)
	t.name = u.Scheme + "://" + opts.Addr
	if opts.Username != "" {
		t.name = u.Scheme + "://" + opts.Username + "@" + opts.Addr
	}
	if opts.DB != 0 {
		t.name += "/" + strconv.Itoa(opts.DB)
	}
	return t, nil
}

// driverMessage is go-redis's complaint about a URL, or a generic one when it quotes any part
// of what may be the password.
func driverMessage(err error, raw string) string {
	msg := err.Error()
	rest := raw
	if i := strings.Index(raw, "://"); i >= 0 {
		rest = raw[i+3:]
	}
	i, at := strings.Index(rest, ":"), strings.LastIndex(rest, "@")
	if i >= 0 && at > i+1 {
		secret := rest[i+1 : at]
		w := min(4, len(secret))
		for j := 0; j+w <= len(secret); j++ {
			if strings.Contains(msg, secret[j:j+w]) {
				return "go-redis cannot parse it"
			}
		}
	}
	return redact.String(msg)
}

// client builds a one-connection client that never retries: a check asks once, within its
// deadline, and a server that accepts TCP and never answers costs at most the timeout. The
// watch says whether the server sent more than a check reads.
func (t *target) client(env *kind.Env, timeout time.Duration) (*redis.Client, *probe.CapWatch) {
	o := *t.opts
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = timeout, timeout, timeout
	o.PoolTimeout = timeout
	o.ContextTimeoutEnabled = true
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.PoolSize, o.MinIdleConns = 1, 0
	o.Protocol = 2
	o.DisableIdentity = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	o.TLSConfig = t.tlsConfig(env)
	// go-redis allocates what a reply's header announces and has no limit of its own: every
	// byte the server sends passes through the RESP framer first, which refuses an oversized
	// header before go-redis sees it. The dialer also does the TLS handshake, so that the
	// framer reads the plain protocol.
	watch := &probe.CapWatch{}
	o.Dialer = watch.Dial(t.dialer(env), probe.MaxReply, newRESPFramer)
	return redis.NewClient(&o), watch
}

// tlsConfig is the URL's TLS configuration (nil for redis://) trusting the environment's roots.
func (t *target) tlsConfig(env *kind.Env) *tls.Config {
	if t.opts.TLSConfig == nil {
		return nil
	}
	cfg := t.opts.TLSConfig.Clone()
	if env != nil && env.RootCAs != nil {
		cfg.RootCAs = env.RootCAs
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg
}

// dialer connects through the environment's resolver and dialer (to a socket for unix://), with
// TLS for rediss://.
func (t *target) dialer(env *kind.Env) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if env == nil {
		env = &kind.Env{}
	}
	dial := probe.DialContext(env)
	if t.opts.Network == "unix" {
		var d kind.Dialer = &net.Dialer{}
		if env.Dialer != nil {
			d = env.Dialer
		}
		dial = d.DialContext
	}
	cfg := t.tlsConfig(env)
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

// refusedForMaxclients tells whether the server turns new connections away for maxclients:
// Redis says so in its first words to a new connection and closes it, which a client that is
// busy writing AUTH only sees as a reset.
func (t *target) refusedForMaxclients(ctx context.Context, env *kind.Env) bool {
	conn, err := t.dialer(env)(ctx, "tcp", t.opts.Addr)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 128)
	n, _ := conn.Read(buf)
	return strings.Contains(string(buf[:n]), "max number of clients reached")
}

// explain turns a Redis error into a result the reader can act on.
func (t *target) explain(err error, what string, timeout time.Duration) kind.Result {
	msg := t.red.String(err.Error())
	var dnsErr *net.DNSError
	var op *net.OpError
	dial := errors.As(err, &op) && op.Op == "dial"
	switch {
	case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"),
		strings.Contains(msg, "invalid password"), strings.Contains(msg, "invalid username-password"):
		return kind.Errorf("check the user name and password in the URL (redis://user:password@host:6379)",
			"%s: authentication failed: %s", t.name, msg)
	case errors.Is(err, probe.ErrOversized):
		return kind.Errorf("check that this port is Redis's and not another service or a broken proxy: no answer to these checks' commands comes near that size",
			"%s: cannot %s: %s", t.name, what, msg)
	case strings.HasPrefix(msg, "NOPERM"):
		return kind.Errorf("allow the check's ACL user the read-only commands it runs (+info, +config|get, or at least +info)",
			"%s: not allowed to %s: %s", t.name, what, msg)
	case errors.As(err, &dnsErr):
		return kind.Errorf("check the host name in the URL and that it resolves from here",
			"%s: DNS lookup failed for %s: %s", t.name, dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return kind.Errorf("nothing is listening there: start Redis, or fix the host and port in the URL",
			"%s: connection refused", t.name)
	case tlsFailure(err):
		return kind.Errorf("fix the server's certificate, or use redis:// if the server does not speak TLS",
			"%s: TLS handshake failed: %s", t.name, msg)
	case dial && probe.IsTimeout(err):
		return kind.Errorf("check that the host is up and that no firewall drops the traffic",
			"%s: could not connect within %s (no answer to the connection attempt)", t.name, kind.FormatDuration(timeout))
	case probe.IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return kind.Errorf("the server accepted TCP but is stuck (or speaks TLS while the URL says redis://, or is not Redis): check its load, its log, and redis:// against rediss://",
			"%s accepted the connection but did not answer within %s (could not %s)", t.name, kind.FormatDuration(timeout), what)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), strings.Contains(msg, "EOF"):
		return kind.Errorf("the server or a proxy dropped the connection: check the server's log, and whether it requires TLS (rediss://)",
			"%s: the connection was dropped while trying to %s (%s)", t.name, what, msg)
	}
	return kind.Errorf("check that the server is reachable from here and the URL is right", "%s: cannot %s: %s", t.name, what, msg)
}

func tlsFailure(err error) bool {
	var certErr *tls.CertificateVerificationError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	return errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alert) ||
		strings.Contains(err.Error(), "x509:") || strings.Contains(err.Error(), "tls:")
}
