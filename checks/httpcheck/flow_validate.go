package httpcheck

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Validate's parameter names are paths such as steps[1].request.path: they name the place in
// the flow, and the message adds the line and column of the {{…}} at fault.

func (v *flowValidator) step(param string, s *FlowStep) {
	v.uniqueName(param, s.Name)
	switch {
	case s.Request != nil && len(s.Parallel) > 0:
		v.bad(param, "step %q gives both request and parallel: a step is one request, or calls fired together", s.Name)
	case s.Request == nil && len(s.Parallel) == 0:
		v.bad(param, "step %q needs a request, or parallel calls", s.Name)
	}
	if len(s.Parallel) == 0 {
		v.repeatAndReplay(param, s)
		v.call(param, &s.FlowCall)
		v.defineCaptures(param, &s.FlowCall)
		return
	}
	if s.Repeat > 1 || s.Replay != nil || s.Interval > 0 {
		v.bad(param, "step %q: parallel calls are fired once; repeat, interval and replay go with a request", s.Name)
	}
	if len(s.Capture) > 0 || s.Expect.set() {
		v.bad(param, "step %q: with parallel, each call has its own expect and capture", s.Name)
	}
	if len(s.Parallel) < 2 || len(s.Parallel) > maxParallel {
		v.bad(param+".parallel", "step %q fires %d calls: give from 2 to %d", s.Name, len(s.Parallel), maxParallel)
	}
	for j := range s.Parallel {
		p := fmt.Sprintf("%s.parallel[%d]", param, j)
		v.uniqueName(p, s.Parallel[j].Name)
		if s.Parallel[j].Request == nil {
			v.bad(p, "call %q needs a request", s.Parallel[j].Name)
		}
		v.call(p, &s.Parallel[j])
	}
	// What the calls capture is known after the group, not to each other.
	for j := range s.Parallel {
		v.defineCaptures(fmt.Sprintf("%s.parallel[%d]", param, j), &s.Parallel[j])
	}
}

func (v *flowValidator) uniqueName(param, name string) {
	if v.names == nil {
		v.names = map[string]bool{}
	}
	switch {
	case strings.TrimSpace(name) == "":
		v.bad(param+".name", "every step needs a name: it labels the report")
	case v.names[name]:
		v.bad(param+".name", "%q is the name of another step: names label the report, keep them unique", name)
	}
	v.names[name] = true
}

func (v *flowValidator) repeatAndReplay(param string, s *FlowStep) {
	if s.Repeat < 0 || s.Repeat > maxRepeat {
		v.bad(param+".repeat", "must be from 1 to %d, got %d", maxRepeat, s.Repeat)
	}
	if s.Interval < 0 {
		v.bad(param+".interval", "must not be negative")
	} else if s.Interval > 0 && s.Repeat < 2 {
		v.bad(param+".interval", "paces repeats: set repeat too")
	}
	rp := s.Replay
	if rp == nil {
		return
	}
	if s.Repeat > 1 {
		v.bad(param+".replay", "replay re-sends one request again: it does not combine with repeat")
	}
	if rp.Times < 0 || rp.Times > maxRepeat {
		v.bad(param+".replay.times", "must be from 1 to %d, got %d", maxRepeat, rp.Times)
	}
	if !rp.Expect.isSet() {
		v.bad(param+".replay.expect", "say what a replay must give back: same, or {status: [200, 409], same: [$.order_id]}")
	}
	if !rp.Expect.same && len(rp.Ignore) > 0 {
		v.bad(param+".replay.ignore", "ignore goes with expect: same; with {status, same: […]} only the listed paths are compared")
	}
	rp.ignore = rp.ignore[:0]
	for _, p := range rp.Ignore {
		path, err := probe.ParseJSONPath(p)
		if err != nil {
			v.bad(param+".replay.ignore", "%v", err)
			continue
		}
		rp.ignore = append(rp.ignore, path)
	}
}

// call checks a request and its expectations, and finds whether it reads what an earlier
// writing step created (for the read-after-write diagnosis).
func (v *flowValidator) call(param string, c *FlowCall) {
	if c.Request == nil {
		return
	}
	c.uses = map[string]position{}
	v.request(param+".request", c.Name, c.Request, c.uses)
	v.expect(param+".expect", &c.Expect)
	c.readsOf = ""
	names := make([]string, 0, len(c.uses))
	for n := range c.uses {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if o := v.known[n]; o.writes {
			c.readsOf = o.step
			break
		}
	}
}

func (v *flowValidator) request(param, step string, r *FlowRequest, uses map[string]position) {
	if err := probe.SetMethod(&r.Method, http.MethodGet); err != nil {
		v.bad(param+".method", "%v", err)
	}
	switch {
	case r.Path.IsSet() && r.URL.IsSet():
		v.bad(param, "step %q gives both path and url: give one", step)
	case r.Path.IsSet():
		if v.f.BaseURL == "" {
			v.bad("base_url", "step %q gives a path: set base_url, or give the step an absolute url", step)
		}
		if !strings.HasPrefix(r.Path.raw, "/") && !strings.HasPrefix(r.Path.raw, "{{") {
			v.bad(param+".path", "%q must start with /", redact.String(r.Path.raw))
		}
	case r.URL.IsSet():
		v.absoluteURL(param+".url", r.URL)
	default:
		v.bad(param, "step %q needs a path (joined to base_url) or an absolute url", step)
	}
	bodies := 0
	for _, set := range []bool{r.JSON.IsSet(), r.Body.IsSet(), len(r.Form) > 0} {
		if set {
			bodies++
		}
	}
	if bodies > 1 {
		v.bad(param, "step %q gives more than one of json, body and form: give one", step)
	}
	for _, t := range []Template{r.Path, r.URL, r.Body} {
		v.templateVars(param, t, uses)
	}
	if r.JSON.IsSet() {
		for _, t := range r.JSON.root.templates(nil) {
			v.templateVars(param+".json", t, uses)
		}
	}
	for _, m := range []map[string]Template{r.Query, r.Form} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v.templateVars(param, m[k], uses)
		}
	}
	v.headers(param+".headers", r.Headers, uses)
}

// absoluteURL checks a url written without {{…}} that names a scheme. Text without a scheme may be
// what is left of ${VAR}/login while VAR is unset (the check then skips), so it is judged when
// the flow runs.
func (v *flowValidator) absoluteURL(param string, t Template) {
	if !t.literal() || !strings.Contains(t.raw, "://") {
		return
	}
	if _, err := probe.ParseHTTPURL(t.raw); err != nil {
		v.bad(param, "%v", err)
	}
}

func (v *flowValidator) expect(param string, e *FlowExpect) {
	if e.MaxLatency < 0 {
		v.bad(param+".max_latency", "must not be negative")
	}
	e.jsonPaths = map[string]probe.JSONPath{}
	for _, k := range slices.Sorted(maps.Keys(e.JSON)) {
		p, err := probe.ParseJSONPath(k)
		if err != nil {
			v.bad(param+".json", "%v", err)
			continue
		}
		e.jsonPaths[k] = p
		v.templateVars(param+".json", e.JSON[k].want, nil)
	}
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		if !probe.ValidHeaderName(k) {
			v.bad(param+".headers", "%q is not a valid header name", k)
		}
		v.templateVars(param+".headers", e.Headers[k].want, nil)
	}
	e.bodyRE = textPattern{}
	if p, err := parseTextPattern(e.Body.raw); err != nil {
		v.bad(param+".body", "%v", err)
	} else if p.re != nil {
		e.bodyRE = p
	} else {
		v.templateVars(param+".body", e.Body, nil)
	}
}

func (e *FlowExpect) set() bool {
	return len(e.Status) > 0 || len(e.JSON) > 0 || e.Body.IsSet() || len(e.Headers) > 0 || e.MaxLatency != 0
}

func (v *flowValidator) defineCaptures(param string, c *FlowCall) {
	writes := c.Request != nil && c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
	names := make([]string, 0, len(c.Capture))
	for n := range c.Capture {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		o, known := v.known[n]
		switch {
		case !isIdentifier(n):
			v.bad(param+".capture", "%q is not a variable name: use letters, digits and _", n)
		case isFuncName(n):
			v.bad(param+".capture", "%q is the name of a template function: choose another name", n)
		case known && o.step == "":
			v.bad(param+".capture", "%q is a let: value: a capture may not replace it", n)
		default:
			v.known[n] = varOrigin{step: c.Name, writes: writes}
		}
	}
}

func (v *flowValidator) bounds() {
	f := v.f
	if n := f.requests(); n > maxFlowRequests {
		v.bad("flow", "sends up to %d requests (repeats, replays, parallel calls and finally counted), more than the %d a flow may send: a journey, not a load test", n, maxFlowRequests)
	}
	if f.FinallyBudget < 0 {
		v.bad("finally_budget", "must not be negative")
	}
	if f.OpenAPI == "" && (f.OpenAPIStrict || f.OpenAPIAllowRemoteRefs) {
		v.bad("openapi", "openapi_strict and openapi_allow_remote_refs need an openapi document")
	}
	if strings.Contains(f.OpenAPI, "://") {
		if u, err := url.Parse(f.OpenAPI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.bad("openapi", "%q must be a file or an http:// or https:// URL", redact.String(f.OpenAPI))
		}
	}
}
