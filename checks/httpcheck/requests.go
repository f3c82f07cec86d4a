package httpcheck

import (
	"fmt"
	"net/http"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// checkRequest validates what every request of a list has (url, method, headers) and sets the
// method's default, GET. param and where say which request an error is about.
func checkRequest(param, where, rawURL string, method *string, headers map[string]string) []error {
	var errs []error
	if _, err := probe.ParseHTTPURL(rawURL); err != nil {
		errs = append(errs, kind.BadParam(param, "%s: url %v", where, err))
	}
	if err := probe.SetMethod(method, http.MethodGet); err != nil {
		errs = append(errs, kind.BadParam(param, "%s: method %v", where, err))
	}
	if err := probe.CheckHeaders(headers); err != nil {
		errs = append(errs, kind.BadParam(param, "%s: headers: %v", where, err))
	}
	return errs
}

// namedURL is a URL parameter and its value.
type namedURL struct{ param, raw string }

// checkURLs checks a kind's URL parameters: the first is required, the others may be left out.
func checkURLs(urls ...namedURL) []error {
	var errs []error
	for i, u := range urls {
		if u.raw == "" && i > 0 {
			continue
		}
		if _, err := probe.ParseHTTPURL(u.raw); err != nil {
			errs = append(errs, kind.BadParam(u.param, "%v", err))
		}
	}
	return errs
}

// requestNames counts the names given to the requests of a list, so that each name in the
// evidence stands for one request.
type requestNames map[string]int

// give names a request "METHOD /path" unless it has a name, and numbers a name that repeats:
// "GET /feed #2".
func (n requestNames) give(name *string, method, rawURL string) {
	if *name == "" {
		*name = method + " " + pathOf(rawURL)
	}
	n[*name]++
	if n[*name] > 1 {
		*name = fmt.Sprintf("%s #%d", *name, n[*name])
	}
}
