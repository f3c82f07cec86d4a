package natscheck

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxRead caps what the server may send over one check's connection: a consumer's info is about
// a kilobyte and a page of the consumer listing some 256 of them, so 4 MiB holds the listing of
// a few thousand consumers and bounds a server that streams without end. (nats.go gathers a
// protocol line by appending to a string, which costs the square of the line's length: a larger
// cap would let one endless line use up the check's deadline instead.)
const maxRead = 4 << 20

// target is a parsed nats:// or tls:// URL and a credential-free name for output.
type target struct {
	raw  string
	name string // nats://host:4222, without user, password or token
	red  *redact.Redactor
}

// masked hides everything between the scheme and the last '@' of a URL that may not parse:
// NATS puts a token where other URLs have a user name, so the user part is as secret as a
// password.
func masked(raw string) string {
	prefix, rest, ok := strings.Cut(raw, "://")
	if !ok {
		prefix, rest = "", raw
	} else {
		prefix += "://"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return prefix + redact.Mask + rest[at:]
	}
	return redact.String(raw)
}

func parseURL(raw string) (*target, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid NATS URL %s: write nats://[user:password@]host:4222, or tls:// for TLS, and percent-encode special characters in the password", masked(raw))
	}
	if redact.MisplacedAt(u, raw) {
		return nil, fmt.Errorf("NATS URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", masked(raw))
	}
	if u.Scheme != "nats" && u.Scheme != "tls" {
		return nil, fmt.Errorf("unsupported scheme %q: write nats://[user:password@]host:4222, or tls:// for TLS", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("NATS URL %s names no host", masked(raw))
	}
	t := &target{raw: raw, red: &redact.Redactor{}}
	if u.User != nil {
		// nats://TOKEN@host carries a token where a user name would be: mask both.
		p, _ := u.User.Password()
		t.red.Add(u.User.Username(), p)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "4222")
	}
	t.name = u.Scheme + "://" + host
	return t, nil
}

// maxLine caps one protocol line: real ones (INFO, a message header) are a few KiB, and since
// nats.go gathers a line at a cost that grows with the square of its length, an endless line is
// cut here, long before it could use up the deadline on a busy machine.
const maxLine = 1 << 20

// cappedConn fails a read once the server has sent more than maxRead bytes in all, or a line
// longer than maxLine. A payload without a newline counts as a line too: a page of the consumer
// listing (some 256 consumers of a kilobyte) stays far below it.
type cappedConn struct {
	net.Conn
	read     atomic.Int64
	line     int // bytes since the last newline; Read is not called concurrently
	exceeded *atomic.Bool
}

func (c *cappedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
		c.line = n - i - 1
	} else {
		c.line += n
	}
	if c.read.Add(int64(n)) > maxRead || c.line > maxLine {
		c.exceeded.Store(true)
		return n, errors.New("the server sent more than the check reads")
	}
	return n, err
}

// dialer dials through the environment, within the check's context, and remembers how far it
// got.
type dialer struct {
	ctx      context.Context
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	mu       sync.Mutex
	err      error
	conns    []net.Conn
	exceeded atomic.Bool
}

func (d *dialer) Dial(network, addr string) (net.Conn, error) {
	c, err := d.dial(d.ctx, network, addr)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.err = err
	if err != nil {
		return nil, err
	}
	d.conns = append(d.conns, c)
	return &cappedConn{Conn: c, exceeded: &d.exceeded}, nil
}

func (d *dialer) state() (dialErr error, connected bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err, len(d.conns) > 0
}

// session is one connection and its JetStream context.
type session struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	stop func() bool
}

func (s *session) close() {
	s.stop()
	s.nc.Close()
}

// connect opens one connection that never reconnects: a check asks once, within its deadline.
func (t *target) connect(ctx context.Context, env *kind.Env) (*session, *dialer, error) {
	d := &dialer{ctx: ctx, dial: probe.DialContext(env)}
	timeout := probe.Remaining(ctx, 10*time.Second)
	opts := []nats.Option{
		nats.Name(env.UserAgent() + " nats.consumer"),
		nats.Timeout(timeout),
		nats.NoReconnect(),
		nats.SetCustomDialer(d),
		nats.NoCallbacksAfterClientClose(),
		// The check reports failures in its result; the default handler would print them.
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}),
	}
	// Used for tls:// and for a server that requires TLS; nats:// stays plain otherwise.
	opts = append(opts, func(o *nats.Options) error {
		o.TLSConfig = &tls.Config{RootCAs: env.RootCAs, MinVersion: tls.VersionTLS12}
		return nil
	})
	nc, err := nats.Connect(t.raw, opts...)
	if err != nil {
		return nil, d, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, d, err
	}
	// Closing the connection fails every request in flight when the deadline passes.
	stop := context.AfterFunc(ctx, nc.Close)
	return &session{nc: nc, js: js, stop: stop}, d, nil
}

// explain turns a NATS failure into an error result the reader can act on.
func (t *target) explain(err error, d *dialer, timeout time.Duration) kind.Result {
	dialErr, connected := d.state()
	msg := t.red.String(err.Error())
	switch {
	case d.exceeded.Load():
		return kind.Errorf("check that the url points at a NATS server",
			"%s sent more than %d MiB, or a line longer than %d MiB: the check stopped reading", t.name, maxRead>>20, maxLine>>20)
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked):
		return kind.Errorf("check the user and password (or token) in the url",
			"%s: authorization failed: %s", t.name, msg)
	case !connected && dialErr != nil:
		f := probe.Explain(dialErr, strings.SplitN(t.name, "://", 2)[1], timeout, nil)
		if f.Kind == "refused" {
			f.Remedy = "nothing is listening there: start nats-server, or fix the host and port in the url"
		}
		return kind.Errorf(f.Remedy, "%s: %s", t.name, t.red.String(f.Summary))
	case errors.Is(err, jetstream.ErrJetStreamNotEnabled), errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount):
		return kind.Errorf("enable JetStream on the server (nats-server -js) and for the url's account",
			"%s: JetStream is not enabled: %s", t.name, msg)
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoHeartbeat):
		return kind.Errorf("enable JetStream on the server (nats-server -js) and for the url's account, and let its user publish to $JS.API.>",
			"%s: nothing answers JetStream's API: JetStream is off on the server or for this account, or the user may not use it", t.name)
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded), errors.Is(err, nats.ErrConnectionClosed), probe.IsTimeout(err):
		return kind.Errorf("the server accepted TCP but did not answer: check that the port is NATS's client port, its load and log, and that the user may use $JS.API.>",
			"%s accepted the connection but did not answer within %s (%s)", t.name, kind.Elapsed(timeout), msg)
	case probe.IsTLSFailure(err):
		return kind.Errorf("fix the server's certificate, or use nats:// if it does not speak TLS",
			"%s: TLS failed: %s", t.name, msg)
	}
	return kind.Errorf("check that the server is reachable from here and the url is right", "%s: %s", t.name, msg)
}
