package tlscheck

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// endpoint is what one address served.
type endpoint struct {
	ip string
	// failure is set when the address could not be judged at all.
	failure *dialFailure
	state   tls.ConnectionState
	// probes are the handshakes attempted with versions below the floor.
	probes []versionProbe
	// afterCert says why the handshake failed after the server sent its certificate (it
	// wants a client certificate, typically).
	afterCert string
	// insecureOnly is set when the server completed a handshake only once insecure cipher
	// suites were offered.
	insecureOnly bool
}

// versionProbe is one handshake restricted to a single old protocol version.
type versionProbe struct {
	version  uint16
	accepted bool
	// inconclusive is set when the probe could not connect at all, so it says nothing.
	inconclusive string
}

// dialFailure says why an address could not be judged. noTLS marks a PostgreSQL server that
// answered that it does not do SSL: that is a finding about the target, not a failure to check.
type dialFailure struct {
	msg    string
	remedy string
	noTLS  bool
}

type prober struct {
	c   *Certificate
	env *kind.Env
	// budget is the check's timeout as configured, for messages about timeouts.
	budget time.Duration
}

// probeAll dials every address, a few at a time, and keeps the results in address order.
func (p *prober) probeAll(ctx context.Context, ips []string) []endpoint {
	return probe.InParallel(ips, parallelDials, func(ip string) endpoint { return p.probe(ctx, ip) })
}

// probe performs the main handshake on one address, then one handshake per protocol version
// below the floor.
func (p *prober) probe(ctx context.Context, ip string) endpoint {
	ep := endpoint{ip: ip}
	addr := net.JoinHostPort(ip, p.c.target.port)
	// The main handshake accepts any version from TLS 1.0, so that a server stuck on an old
	// version still shows its certificate; the negotiated version is judged afterwards.
	sh := p.handshake(ctx, addr, tls.VersionTLS10, tls.VersionTLS13, secureSuites())
	if sh.err != nil && !sh.seen && isStage(sh.err, stageHandshake) && !cut(sh.err) {
		// A legacy server may share only insecure suites with us: offer those too, once, to
		// see its certificate, and say so.
		if legacy := p.handshake(ctx, addr, tls.VersionTLS10, tls.VersionTLS13, allSuites()); legacy.err == nil || legacy.seen {
			sh, ep.insecureOnly = legacy, true
		}
	}
	switch {
	case sh.err == nil:
	case sh.seen:
		// The server sent its certificate, then ended the handshake: typically it wants a
		// client certificate (mutual TLS). Its certificate is still judged.
		ep.afterCert = p.explain(sh.err).msg
	default:
		ep.failure = p.explain(sh.err)
		return ep
	}
	ep.state = sh.state
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12} {
		if v >= p.c.minVersion {
			break
		}
		vp := versionProbe{version: v}
		old := p.handshake(ctx, addr, v, v, allSuites())
		switch {
		case old.err == nil || old.seen:
			// Sending its certificate in this version is accepting it.
			vp.accepted = true
		case isStage(old.err, stageHandshake) && !cut(old.err):
			// The server refused the version (an alert, or it hung up): what we want.
		default:
			vp.inconclusive = p.explain(old.err).msg
		}
		ep.probes = append(ep.probes, vp)
	}
	return ep
}

const (
	stageConnect   = "connect"
	stagePostgres  = "postgres"
	stageHandshake = "handshake"
)

// shake is the outcome of one handshake.
type shake struct {
	state tls.ConnectionState
	// seen says the server sent its certificate; the handshake may still have failed after.
	seen bool
	err  error
}

// stageError records how far a connection got before it failed.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

func isStage(err error, stage string) bool {
	var se *stageError
	return errors.As(err, &se) && se.stage == stage
}

// errNoSSL is PostgreSQL's 'N' answer to an SSLRequest.
var errNoSSL = errors.New("the server does not accept SSL")

// handshake opens one connection and completes one TLS handshake on it. Certificates are not
// verified here (InsecureSkipVerify): Go's own verification would stop at the first problem and
// refuse SHA-1 outright, while the check must see the whole chain and name every problem,
// judged against the injected clock.
func (p *prober) handshake(ctx context.Context, addr string, minV, maxV uint16, suites []uint16) shake {
	var d kind.Dialer = &net.Dialer{}
	if p.env.Dialer != nil {
		d = p.env.Dialer
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return shake{err: &stageError{stageConnect, err}}
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if p.c.target.proto == "postgres" {
		if err := sslRequest(conn); err != nil {
			return shake{err: &stageError{stagePostgres, err}}
		}
	}
	var sh shake
	cfg := &tls.Config{
		ServerName:         p.c.serverName(),
		InsecureSkipVerify: true, //nolint:gosec // verified by the check itself, see above.
		MinVersion:         minV,
		MaxVersion:         maxV,
		CipherSuites:       suites,
		// Called as soon as the server's certificate has arrived, before the handshake ends:
		// a server that then refuses us (wanting a client certificate) has still shown it.
		VerifyConnection: func(cs tls.ConnectionState) error {
			sh.state, sh.seen = cs, true
			return nil
		},
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		sh.err = &stageError{stageHandshake, err}
		return sh
	}
	sh.state = tc.ConnectionState()
	_ = tc.Close()
	return sh
}

// sslRequest asks a PostgreSQL server to switch to TLS, as libpq does before the startup
// message: an 8-byte packet (length 8, code 80877103) answered by 'S' (go ahead) or 'N'.
func sslRequest(conn net.Conn) error {
	var msg [8]byte
	binary.BigEndian.PutUint32(msg[0:4], 8)
	binary.BigEndian.PutUint32(msg[4:8], 80877103)
	if _, err := conn.Write(msg[:]); err != nil {
		return err
	}
	var answer [1]byte
	if _, err := io.ReadFull(conn, answer[:]); err != nil {
		return err
	}
	switch answer[0] {
	case 'S':
		return nil
	case 'N':
		return errNoSSL
	case 'E':
		return errors.New("the server answered the SSL request with an error (a very old PostgreSQL?)")
	}
	return fmt.Errorf("the server answered the SSL request with %q: is this a PostgreSQL port?", answer[0])
}

// explain puts a failed connection into words.
func (p *prober) explain(err error) *dialFailure {
	budget := "the check's timeout"
	if p.budget > 0 {
		budget = kind.FormatDuration(p.budget)
	}
	var se *stageError
	stage := ""
	if errors.As(err, &se) {
		stage = se.stage
	}
	var remote *net.OpError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(err, errNoSSL):
		return &dialFailure{noTLS: true, msg: "PostgreSQL does not accept SSL (ssl = off)",
			remedy: "turn on ssl in postgresql.conf with a certificate (ssl = on, ssl_cert_file, ssl_key_file) and reload"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &dialFailure{msg: "connection refused",
			remedy: fmt.Sprintf("start the TLS service on port %s of every address behind the name, or remove the address from DNS", p.c.target.port)}
	case cut(err) && stage == stageConnect:
		return &dialFailure{msg: fmt.Sprintf("no answer to the connection attempt within %s", budget),
			remedy: "check that the host is up and that no firewall drops the traffic, or remove the address from DNS"}
	case cut(err):
		what := "did not complete the TLS handshake"
		if stage == stagePostgres {
			what = "did not answer the PostgreSQL SSL request"
		}
		return &dialFailure{msg: fmt.Sprintf("accepted the connection but %s within %s", what, budget),
			remedy: "check that this port serves TLS and that the server is not stuck"}
	case errors.As(err, &rec):
		return &dialFailure{msg: "answered with something that is not TLS (plain HTTP on a TLS port?)",
			remedy: "check the port: it does not speak TLS"}
	case errors.As(err, &remote) && remote.Op == "remote error":
		// crypto/tls reports an alert from the server as a "remote error" OpError.
		return &dialFailure{msg: fmt.Sprintf("refused the TLS handshake with the alert %q", strings.TrimPrefix(remote.Err.Error(), "tls: ")),
			remedy: "check the server's TLS configuration (protocols, ciphers, certificate for this name)"}
	case errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		if stage == stageHandshake {
			return &dialFailure{msg: "closed the connection during the TLS handshake (no TLS on this port, or no protocol or cipher in common)",
				remedy: "check that this port serves TLS 1.2 or later"}
		}
		return &dialFailure{msg: "closed the connection before TLS started",
			remedy: "check that this port serves TLS"}
	}
	return &dialFailure{msg: redactErr(err), remedy: "check that the address is reachable from here and serves TLS"}
}

// cut says a connection ended because its time ran out or because the run was stopped from
// outside (an interrupt, fail-fast): either way the server said nothing about TLS, so a cut
// version probe is inconclusive, not a refusal, and a cut handshake is not retried.
func cut(err error) bool { return probe.IsTimeout(err) || errors.Is(err, context.Canceled) }

// secureSuites is what the main handshake offers for TLS 1.0-1.2: every suite Go calls secure,
// including RSA key exchange, so that an older but acceptable server still shows its certificate.
func secureSuites() []uint16 {
	var ids []uint16
	for _, s := range tls.CipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// allSuites adds the insecure suites for the version probes: a server that accepts TLS 1.0 only
// with 3DES still accepts TLS 1.0.
func allSuites() []uint16 {
	ids := secureSuites()
	for _, s := range tls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}

// insecureSuite reports whether a negotiated suite is one Go lists as insecure.
func insecureSuite(id uint16) bool {
	for _, s := range tls.InsecureCipherSuites() {
		if s.ID == id {
			return true
		}
	}
	return false
}
