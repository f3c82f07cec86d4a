package kind

import (
	"context"
	"crypto/x509"
	"io"
	"net"
	"os"
	"time"
)

// Resolver looks up the addresses behind a host name. *net.Resolver satisfies it; tests inject
// one that maps a name to several loopback addresses.
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Dialer opens network connections. *net.Dialer satisfies it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Env carries everything a check takes from outside itself, so that tests can point checks at
// loopback fixtures and a fixed clock.
type Env struct {
	Now      func() time.Time
	Getenv   func(string) string
	Resolver Resolver
	Dialer   Dialer
	// RootCAs, when set, replaces the system roots (tests trust their own CA this way).
	RootCAs *x509.CertPool
	// BaseDir is the directory relative paths in a checklist are resolved against.
	BaseDir string
	// Version is launchgate's version, sent in the User-Agent of every request it makes.
	Version string
	// Stderr receives what a check must tell a person while it runs (a load test's notice of
	// the traffic it is about to send); nil discards it. StderrTTY says it is a terminal, where
	// a long check may redraw a progress line.
	Stderr    io.Writer
	StderrTTY bool
}

// DefaultEnv is the environment of a real run: the wall clock, the process environment, the
// system resolver and a plain dialer.
func DefaultEnv(version string) *Env {
	return &Env{
		Now:      time.Now,
		Getenv:   os.Getenv,
		Resolver: net.DefaultResolver,
		Dialer:   &net.Dialer{},
		BaseDir:  ".",
		Version:  version,
	}
}

// UserAgent is what launchgate calls itself on the wire, so that operators can recognise (and
// filter) its probes in their logs.
func (e *Env) UserAgent() string {
	v := e.Version
	if v == "" {
		v = "dev"
	}
	return "launchgate/" + v
}
