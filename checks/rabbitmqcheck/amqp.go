package rabbitmqcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// frameSize caps every AMQP frame the broker may send: a passive declare's answer is a few
// dozen bytes, and 128 KiB is RabbitMQ's own default, so this refuses nothing a broker sends.
const frameSize = 128 << 10

// target is a parsed amqp:// or amqps:// URL and a password-free name for output.
type target struct {
	raw  string
	uri  amqp.URI
	name string // amqp://host:5672, without user or password
	red  *redact.Redactor
}

func parseURL(raw string) (*target, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid AMQP URL %s: write amqp://user:password@host:5672/vhost, or amqps:// for TLS, and percent-encode '#', '/', '?', ':' and '@' in the password", redact.Unparsed(raw))
	}
	if redact.MisplacedAt(u, raw) {
		return nil, fmt.Errorf("AMQP URL %s does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password", redact.Unparsed(raw))
	}
	if u.Scheme != "amqp" && u.Scheme != "amqps" {
		return nil, fmt.Errorf("unsupported scheme %q: write amqp://user:password@host:5672/vhost, or amqps:// for TLS", u.Scheme)
	}
	// amqp091 would take a missing host for localhost: a gate must not look at another broker
	// than the one written.
	if u.Hostname() == "" {
		return nil, fmt.Errorf("AMQP URL %s names no host", redact.Unparsed(raw))
	}
	uri, err := amqp.ParseURI(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid AMQP URL %s: %s", redact.Unparsed(raw), redact.String(strings.ReplaceAll(err.Error(), raw, "")))
	}
	t := &target{raw: raw, uri: uri, red: &redact.Redactor{}}
	t.red.Add(uri.Password)
	t.name = uri.Scheme + "://" + net.JoinHostPort(uri.Host, strconv.Itoa(uri.Port))
	return t, nil
}

// vhostName is the vhost as people write it: "/" rather than "" or "%2f".
func (t *target) vhostName() string {
	if t.uri.Vhost == "" {
		return "/"
	}
	return t.uri.Vhost
}

// session is one AMQP connection, torn down by closing its socket when the check's context
// ends: amqp091 has no contexts, and closing the socket fails every call in flight at once.
type session struct {
	conn *amqp.Connection
	ch   *amqp.Channel
	stop func() bool
	raw  net.Conn
}

// dialState remembers how far connecting got, which tells "could not connect" from "connected,
// then the handshake failed".
type dialState struct {
	mu        sync.Mutex
	connected bool
	raw       net.Conn
}

// connect opens the connection to the target's vhost.
func (t *target) connect(ctx context.Context, env *kind.Env) (*session, error) {
	ds := &dialState{}
	dial := probe.DialContext(env)
	cfg := amqp.Config{
		Vhost:     t.uri.Vhost,
		FrameSize: frameSize,
		Locale:    "en_US",
		// The broker lists connections by this name, so that operators can tell the gate's.
		Properties: amqp.Table{"connection_name": env.UserAgent() + " rabbitmq.queue", "product": "launchgate"},
		Dial: func(network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Bounds the TLS and AMQP handshakes, which amqp091 runs without a context.
			if dl, ok := ctx.Deadline(); ok {
				c.SetDeadline(dl)
			}
			ds.mu.Lock()
			ds.connected, ds.raw = true, c
			ds.mu.Unlock()
			return c, nil
		},
	}
	if t.uri.Scheme == "amqps" {
		cfg.TLSClientConfig = &tls.Config{ServerName: t.uri.Host, RootCAs: env.RootCAs, MinVersion: tls.VersionTLS12}
	}
	conn, err := amqp.DialConfig(t.raw, cfg)
	if err != nil {
		ds.mu.Lock()
		connected := ds.connected
		ds.mu.Unlock()
		return nil, &connectError{err: err, connected: connected}
	}
	s := &session{conn: conn, raw: ds.raw}
	s.stop = context.AfterFunc(ctx, func() { s.raw.Close() })
	return s, nil
}

// close ends the session without waiting on a broker that may not answer.
func (s *session) close() {
	s.stop()
	s.conn.CloseDeadline(time.Now().Add(200 * time.Millisecond))
	s.raw.Close()
}

// reading is one passive declare's answer.
type reading struct {
	ready     int64
	consumers int
	// missing says why the queue could not be read: it does not exist, or is exclusive to
	// another connection.
	missing string
	// locked: the queue exists but is exclusive to another connection, so AMQP cannot read it.
	locked bool
}

// read declares each queue passively: the broker answers with its ready messages and
// consumers, or closes the channel when the queue does not exist. Nothing is created.
func (s *session) read(names []string, vhost string) (map[string]reading, error) {
	out := make(map[string]reading, len(names))
	for _, name := range names {
		if s.ch == nil {
			ch, err := s.conn.Channel()
			if err != nil {
				return nil, err
			}
			s.ch = ch
		}
		q, err := s.ch.QueueDeclarePassive(name, false, false, false, false, nil)
		var ae *amqp.Error
		switch {
		case err == nil:
			out[name] = reading{ready: int64(q.Messages), consumers: q.Consumers}
			continue
		case errors.As(err, &ae) && ae.Code == amqp.NotFound:
			out[name] = reading{missing: "does not exist in vhost " + vhost}
		case errors.As(err, &ae) && ae.Code == amqp.ResourceLocked:
			out[name] = reading{missing: "is exclusive to another connection", locked: true}
		default:
			return nil, fmt.Errorf("passive declare of queue %s: %w", name, err)
		}
		// A channel error closes the channel; the next queue needs a new one.
		s.ch = nil
	}
	return out, nil
}

// connectError is a failure to open the AMQP connection.
type connectError struct {
	err       error
	connected bool
}

func (e *connectError) Error() string { return e.err.Error() }
func (e *connectError) Unwrap() error { return e.err }

// explain turns an AMQP failure into an error result the reader can act on. expired says that
// the check's deadline passed, which closed the connection under the call that failed.
func (t *target) explain(err error, timeout time.Duration, expired bool) kind.Result {
	msg := t.red.String(err.Error())
	var ce *connectError
	connected := !errors.As(err, &ce) || ce.connected
	var ae *amqp.Error
	switch {
	case errors.Is(err, amqp.ErrCredentials) && expired:
		// RabbitMQ waits 3 s before it drops a refused login, so a deadline that comes first
		// cannot tell a wrong password from a broker stuck at login.
		return kind.Errorf("check the user name and password in the url; if they are right, give the check more time (RabbitMQ answers a refused login after 3 s) and look at the broker's log",
			"%s did not answer the login of user %q within %s: wrong credentials, or a stuck broker", t.name, t.uri.Username, kind.Elapsed(timeout))
	case errors.Is(err, amqp.ErrCredentials):
		return kind.Errorf("check the user name and password in the url (RabbitMQ's guest user may only connect from localhost)",
			"%s: authentication failed for user %q", t.name, t.uri.Username)
	case errors.Is(err, amqp.ErrVhost):
		return kind.Errorf("give the user access to the vhost (rabbitmqctl set_permissions -p VHOST USER; a passive declare needs no permission beyond access), or fix the vhost in the url",
			"%s: user %q may not open vhost %s", t.name, t.uri.Username, t.vhostName())
	case errors.Is(err, amqp.ErrSASL):
		return kind.Errorf("enable the PLAIN mechanism on the broker (auth_mechanisms) or use a URL whose auth_mechanism it accepts",
			"%s: the broker offers no SASL mechanism the check can use", t.name)
	case errors.As(err, &ae) && ae.Code == amqp.NotAllowed && strings.Contains(ae.Reason, "vhost"):
		return kind.Errorf("fix the vhost in the url (or the vhost parameter), or create the vhost",
			"%s: vhost %s does not exist", t.name, t.vhostName())
	case errors.As(err, &ae) && ae.Code == amqp.AccessRefused:
		return kind.Errorf("grant the user access to the vhost and its queues, or use a user that has it",
			"%s: access refused: %s", t.name, t.red.String(ae.Reason))
	case !connected:
		f := probe.Explain(err, net.JoinHostPort(t.uri.Host, strconv.Itoa(t.uri.Port)), timeout, nil)
		if f.Kind == "refused" {
			f.Remedy = "nothing is listening there: start RabbitMQ, or fix the host and port in the url"
		}
		return kind.Errorf(f.Remedy, "%s: %s", t.name, t.red.String(f.Summary))
	case probe.IsTLSFailure(err):
		return kind.Errorf("fix the broker's certificate, or use amqp:// if it does not speak TLS on this port",
			"%s: TLS handshake failed: %s", t.name, msg)
	case expired, probe.IsTimeout(err), errors.As(err, &ae) && strings.Contains(ae.Reason, "i/o timeout"):
		return kind.Errorf("the broker accepted TCP but did not answer: check its load and log, that the port is AMQP, and amqp:// against amqps://",
			"%s accepted the connection but did not answer within %s", t.name, kind.Elapsed(timeout))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, amqp.ErrClosed):
		return kind.Errorf("check that the port is RabbitMQ's AMQP port, that it does not require TLS (amqps://), and the broker's log",
			"%s closed the connection during the AMQP handshake (%s)", t.name, msg)
	}
	return kind.Errorf("check that the broker is reachable from here and the url is right", "%s: %s", t.name, msg)
}
