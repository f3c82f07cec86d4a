package redischeck

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// defaultBudget bounds a check run with no deadline in its context.
const defaultBudget = 10 * time.Second

// target is a parsed redis:// or rediss:// URL.
type target struct{ *probe.RedisURL }

func parseURL(raw string) (*target, error) {
	u, err := probe.ParseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	return &target{u}, nil
}

// fullOfClients tells whether a failed first command means that the server turns new
// connections away for maxclients.
func (t *target) fullOfClients(ctx context.Context, env *kind.Env, err error) bool {
	return strings.Contains(err.Error(), "max number of clients reached") ||
		(!probe.IsTimeout(err) && ctx.Err() == nil && t.refusedForMaxclients(ctx, env))
}

// refusedForMaxclients tells whether the server turns new connections away for maxclients:
// Redis says so in its first words to a new connection and closes it, which a client that is
// busy writing AUTH only sees as a reset.
func (t *target) refusedForMaxclients(ctx context.Context, env *kind.Env) bool {
	conn, err := t.Dialer(env, nil)(ctx, "tcp", t.Options.Addr)
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
	msg := t.Red.String(err.Error())
	var dnsErr *net.DNSError
	var op *net.OpError
	dial := errors.As(err, &op) && op.Op == "dial"
	switch {
	case probe.RedisAuthFailed(msg):
		return kind.Errorf("check the user name and password in the URL (redis://user:password@host:6379)",
			"%s: authentication failed: %s", t.Name, msg)
	case errors.Is(err, probe.ErrOversized):
		return kind.Errorf("check that this port is Redis's and not another service or a broken proxy: no answer to these checks' commands comes near that size",
			"%s: cannot %s: %s", t.Name, what, msg)
	case strings.HasPrefix(msg, "NOPERM"):
		return kind.Errorf("allow the check's ACL user the read-only commands it runs (+info, +config|get, or at least +info)",
			"%s: not allowed to %s: %s", t.Name, what, msg)
	case errors.As(err, &dnsErr):
		return kind.Errorf("check the host name in the URL and that it resolves from here",
			"%s: DNS lookup failed for %s: %s", t.Name, dnsErr.Name, dnsErr.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return kind.Errorf("nothing is listening there: start Redis, or fix the host and port in the URL",
			"%s: connection refused", t.Name)
	case probe.IsTLSFailure(err):
		return kind.Errorf("fix the server's certificate, or use redis:// if the server does not speak TLS",
			"%s: TLS handshake failed: %s", t.Name, msg)
	case dial && probe.IsTimeout(err):
		return kind.Errorf("check that the host is up and that no firewall drops the traffic",
			"%s: could not connect within %s (no answer to the connection attempt)", t.Name, kind.FormatDuration(timeout))
	case probe.IsTimeout(err), errors.Is(err, context.DeadlineExceeded):
		return kind.Errorf("the server accepted TCP but is stuck (or speaks TLS while the URL says redis://, or is not Redis): check its load, its log, and redis:// against rediss://",
			"%s accepted the connection but did not answer within %s (could not %s)", t.Name, kind.FormatDuration(timeout), what)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, net.ErrClosed), strings.Contains(msg, "EOF"):
		return kind.Errorf("the server or a proxy dropped the connection: check the server's log, and whether it requires TLS (rediss://)",
			"%s: the connection was dropped while trying to %s (%s)", t.Name, what, msg)
	}
	return kind.Errorf("check that the server is reachable from here and the URL is right", "%s: cannot %s: %s", t.Name, what, msg)
}
