package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http/httptrace"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Trace records how far a request got, which is what tells "could not connect" apart from
// "connected, and the server never answered".
type Trace struct {
	mu           sync.Mutex
	connected    bool
	remote       string
	wroteRequest bool
	firstByte    bool
}

// WithTrace attaches a Trace to ctx; requests made with the returned context fill it in.
func WithTrace(ctx context.Context) (context.Context, *Trace) {
	t := &Trace{}
	ct := &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			t.mu.Lock()
			t.connected = true
			if info.Conn != nil {
				t.remote = info.Conn.RemoteAddr().String()
			}
			t.mu.Unlock()
		},
		ConnectDone: func(_, addr string, err error) {
			if err == nil {
				t.mu.Lock()
				t.connected, t.remote = true, addr
				t.mu.Unlock()
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			t.mu.Lock()
			t.wroteRequest = true
			t.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			t.mu.Lock()
			t.firstByte = true
			t.mu.Unlock()
		},
	}
	return httptrace.WithClientTrace(ctx, ct), t
}

// Failure is a transport failure put into words.
type Failure struct {
	// Kind is a stable short name: dns, refused, tls, connect-timeout, no-response, timeout,
	// reset, network.
	Kind    string
	Summary string
	Remedy  string
}

// Explain turns a request error into a Failure. target names what was requested (a URL or
// host:port); timeout is the timeout the request ran under as configured (kind.Timeout, or a
// per-request timeout parameter), printed as given; tr may be nil.
func Explain(err error, target string, timeout time.Duration, tr *Trace) Failure {
	connected, wrote, firstByte, remote := false, false, false, ""
	if tr != nil {
		tr.mu.Lock()
		connected, wrote, firstByte, remote = tr.connected, tr.wroteRequest, tr.firstByte, tr.remote
		tr.mu.Unlock()
	}
	var dnsErr *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalidCert x509.CertificateInvalidError
	var certVerify *tls.CertificateVerificationError
	var alert tls.AlertError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &dnsErr):
		return Failure{"dns", fmt.Sprintf("DNS lookup failed for %s: %s", dnsErr.Name, dnsErr.Err),
			"check the host name and that its DNS record exists and resolves from here"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return Failure{"refused", fmt.Sprintf("connection refused by %s", hostOf(target, remote, err)),
			"nothing is listening there: start the service, or fix the host and port"}
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalidCert),
		errors.As(err, &certVerify), errors.As(err, &alert), errors.As(err, &recordErr):
		return Failure{"tls", "TLS handshake failed: " + tlsReason(err),
			"fix the server's certificate or TLS setup (run the tls check for details)"}
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return Failure{"tls", fmt.Sprintf("%s speaks plain HTTP on this port, not TLS", hostOf(target, remote, err)),
			"use an http:// URL, or the port where the server speaks TLS"}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return Failure{"reset", "the connection was reset by " + hostOf(target, remote, err),
			"the server or a proxy in front of it dropped the connection: check its logs"}
	case IsTimeout(err):
		switch {
		case connected && !firstByte:
			what := "accepted the connection but sent no response"
			if !wrote {
				what = "accepted the connection but never completed the request"
			}
			return Failure{"no-response", fmt.Sprintf("%s %s within %s (the server hangs)", hostOf(target, remote, err), what, timeoutText(timeout)),
				"the process is up but stuck: check its worker pool, locks and downstream calls"}
		case !connected:
			return Failure{"connect-timeout", fmt.Sprintf("could not connect to %s within %s (no answer to the connection attempt)", hostOf(target, remote, err), timeoutText(timeout)),
				"check that the host is up and that no firewall drops the traffic"}
		default:
			return Failure{"timeout", fmt.Sprintf("the response from %s did not complete within %s", hostOf(target, remote, err), timeoutText(timeout)),
				"the server answers too slowly: find what makes it slow, or raise the timeout"}
		}
	}
	return Failure{"network", "request failed: " + clipTo(err.Error(), maxErrorShown), "check that the target is reachable from here"}
}

func hostOf(target, remote string, _ error) string {
	if target != "" {
		return target
	}
	if remote != "" {
		return remote
	}
	return "the server"
}

func timeoutText(d time.Duration) string {
	if d <= 0 {
		return "the deadline"
	}
	return kind.FormatDuration(d)
}

// tlsReason is the words after Go's "tls: " or "x509: "; they may quote the certificate's names,
// which the server chose.
func tlsReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "tls: "); i >= 0 {
		msg = msg[i+len("tls: "):]
	} else if i := strings.LastIndex(msg, "x509: "); i >= 0 {
		msg = msg[i+len("x509: "):]
	}
	return clipTo(msg, maxErrorShown)
}
