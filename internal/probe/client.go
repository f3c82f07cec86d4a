package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"

	"github.com/launchgate/launchgate/internal/kind"
)

// ClientOptions tunes a client for one check.
type ClientOptions struct {
	InsecureSkipVerify bool
	// FollowRedirects makes the client follow up to MaxRedirects redirects; otherwise the
	// redirect response itself is returned, so a check can judge it.
	FollowRedirects bool
	MaxRedirects    int
	// DisableHTTP2 keeps the client on HTTP/1.1.
	DisableHTTP2 bool
	// MaxConnsPerHost bounds parallel connections (0: no bound).
	MaxConnsPerHost int
	// ForwardCredentials keeps the request's headers on a redirect to another origin (the
	// checklist's forward_credentials_on_redirect). Without it they are removed: see
	// redirectPolicy.
	ForwardCredentials bool
}

// maxHeaderBytes bounds the header block of a response.
const maxHeaderBytes = 1 << 20

// NewClient returns a client that dials through the environment's resolver and dialer, trusts
// the environment's roots, and has no timeout of its own: every request carries the check's
// context, whose deadline bounds it.
func NewClient(env *kind.Env, o ClientOptions) *http.Client {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         DialContext(env),
		ForceAttemptHTTP2:   !o.DisableHTTP2,
		MaxConnsPerHost:     o.MaxConnsPerHost,
		MaxIdleConnsPerHost: 64,
		// Go's default allows 10 MiB of response headers; no check needs more than a few KiB.
		MaxResponseHeaderBytes: maxHeaderBytes,
		TLSClientConfig: &tls.Config{
			RootCAs:            env.RootCAs,
			InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // opt-in per check, documented
			MinVersion:         tls.VersionTLS10,
		},
	}
	if o.DisableHTTP2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: tr, CheckRedirect: redirectPolicy(o)}
}

// ReadBody reads at most limit bytes of a body and reports whether there was more.
func ReadBody(r io.Reader, limit int64) (body []byte, truncated bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(body)) > limit {
		return body[:limit], true, err
	}
	return body, false, err
}

// IsTimeout reports whether err is a deadline or network timeout.
func IsTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, http.ErrHandlerTimeout) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
