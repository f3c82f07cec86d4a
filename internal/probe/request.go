package probe

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/launchgate/launchgate/internal/redact"
)

// ParseHTTPURL parses a checklist's absolute http:// or https:// URL. Its error shows the URL
// with any credentials masked.
func ParseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q must be an absolute http:// or https:// URL", redact.String(raw))
	}
	return u, nil
}

// SetMethod reads *method with ParseMethod and writes back its canonical form (def when empty).
func SetMethod(method *string, def string) error {
	m, err := ParseMethod(*method, def)
	if err == nil {
		*method = m
	}
	return err
}

// ValidHeaderName reports whether s may name a header: an RFC 9110 token.
func ValidHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// CheckHeaders refuses, in the order of their names, the request headers a checklist may not
// give: a name that is no token, a line break in a value (it would start a header of its own),
// and a User-Agent, which is always launchgate's.
func CheckHeaders(h map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		switch {
		case !ValidHeaderName(k):
			return fmt.Errorf("%q is not a valid header name", k)
		case strings.ContainsAny(h[k], "\r\n\x00"):
			return fmt.Errorf("the value of %s contains a line break", k)
		case strings.EqualFold(k, "User-Agent"):
			return fmt.Errorf("User-Agent is always launchgate/<version>, so that operators can recognise the probe; remove it")
		}
	}
	return nil
}
