package probe

import (
	"context"
	"net"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// Dialer is the environment's dialer, or a plain one when it has none.
func Dialer(env *kind.Env) kind.Dialer {
	if env != nil && env.Dialer != nil {
		return env.Dialer
	}
	return &net.Dialer{}
}

// LookupHost resolves a host name through the environment's resolver, for a driver that resolves
// before it dials each address (pgx's LookupFunc); an IP address stands for itself. It is nil
// when the environment has no resolver, and the driver keeps its own.
func LookupHost(env *kind.Env) func(ctx context.Context, host string) ([]string, error) {
	if env == nil || env.Resolver == nil {
		return nil
	}
	res := env.Resolver
	return func(ctx context.Context, host string) ([]string, error) {
		if net.ParseIP(host) != nil {
			return []string{host}, nil
		}
		addrs, err := res.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		out := make([]string, len(addrs))
		for i, a := range addrs {
			out[i] = a.IP.String()
		}
		return out, nil
	}
}

// DialContext dials host:port through the environment's resolver, trying each address in turn,
// so that tests can map any name to loopback addresses. A Unix socket (a database on the same
// host) has no name to resolve and is dialled as it is.
func DialContext(env *kind.Env) func(ctx context.Context, network, addr string) (net.Conn, error) {
	dialer := Dialer(env)
	var resolver kind.Resolver
	if env != nil {
		resolver = env.Resolver
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if strings.HasPrefix(network, "unix") {
			return dialer.DialContext(ctx, network, addr)
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if net.ParseIP(host) != nil || resolver == nil {
			return dialer.DialContext(ctx, network, addr)
		}
		ips, err := resolver.LookupIPAddr(ctx, host)
		if err != nil {
			return nil, err
		}
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
		}
		var firstErr error
		for _, ip := range ips {
			c, err := dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			if err == nil {
				return c, nil
			}
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
		}
		return nil, firstErr
	}
}
