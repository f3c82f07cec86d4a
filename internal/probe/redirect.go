package probe

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// keptAcrossOrigins are the only request headers a redirect may carry to another origin: the
// ones launchgate sets itself and that carry nothing of the user's. Every other header came from
// the checklist (headers:, a token) and may be a credential.
var keptAcrossOrigins = map[string]bool{"User-Agent": true, "Origin": true}

// redirectPolicy follows redirects, if asked to, without handing credentials to anyone but the
// origin they were configured for. Go's own rule keeps Authorization and Cookie for subdomains
// and across ports, and every other header (X-Api-Key) everywhere; here, once the chain has left
// the first request's origin (scheme, host and port), every header but keptAcrossOrigins is
// removed, for the rest of the chain, and a request body is never resent there (a 307 or 308
// after a login POST would resend the password).
func redirectPolicy(o ClientOptions) func(*http.Request, []*http.Request) error {
	max := o.MaxRedirects
	if max == 0 {
		max = 10
	}
	return func(req *http.Request, via []*http.Request) error {
		if !o.FollowRedirects {
			return http.ErrUseLastResponse
		}
		if len(via) >= max {
			return fmt.Errorf("stopped after %d redirects", max)
		}
		if o.ForwardCredentials || !leftOrigin(via[0].URL, via[1:], req) {
			return nil
		}
		for k := range req.Header {
			if !keptAcrossOrigins[http.CanonicalHeaderKey(k)] {
				req.Header.Del(k)
			}
		}
		if req.Body != nil && req.Body != http.NoBody {
			return errCrossOriginBody(req.URL)
		}
		return nil
	}
}

// ErrCrossOriginBody is returned (wrapped) when a redirect asks to resend a request body to
// another origin.
var ErrCrossOriginBody = errors.New("not resending the request body to another origin")

func errCrossOriginBody(u *url.URL) error {
	return fmt.Errorf("%w (%s)", ErrCrossOriginBody, origin(u))
}

// leftOrigin reports whether the hops after the first request, or the next one, go to an
// origin other than first's.
func leftOrigin(first *url.URL, hops []*http.Request, next *http.Request) bool {
	o := origin(first)
	for _, r := range hops {
		if origin(r.URL) != o {
			return true
		}
	}
	return origin(next.URL) != o
}

// origin is scheme://host:port with the default port written out, so that http://a and
// http://a:80 are one origin, and http://a and https://a are two.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return scheme + "://" + host + ":" + port
}
