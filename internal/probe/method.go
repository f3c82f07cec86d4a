package probe

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// methods are the methods a check may send: those of RFC 9110 and PATCH, without CONNECT, which
// opens a tunnel rather than asking for a resource.
var methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace,
}

// ParseMethod reads a checklist's method parameter, in any case; empty gives def. Anything else
// is refused when the checklist is loaded: a server answers an unknown method (FETCH) with 405
// or 501, and the check would then judge a request nobody makes.
func ParseMethod(s, def string) (string, error) {
	m := strings.ToUpper(strings.TrimSpace(s))
	if m == "" {
		return def, nil
	}
	for _, k := range methods {
		if m == k {
			return m, nil
		}
	}
	hint := ""
	if best := kind.Suggest(m, methods); best != "" {
		hint = fmt.Sprintf(", did you mean %s?", best)
	}
	return "", fmt.Errorf("%q is not an HTTP method%s (use %s or %s)", s, hint,
		strings.Join(methods[:len(methods)-1], ", "), methods[len(methods)-1])
}

// Reads reports whether a request with this method only reads: GET (the default, for an empty
// method), HEAD and OPTIONS. Any other may change state on the target, which makes a check that
// sends it one that writes (kind.Effects).
func Reads(method string) bool {
	switch strings.ToUpper(strings.TrimSpace(method)) {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}
