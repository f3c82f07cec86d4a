package httpcheck

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Bounds of one flow, enforced when the checklist loads: a flow is a journey, not a load test.
const (
	maxFlowRequests  = 200
	maxRepeat        = 50
	maxParallel      = 32
	maxFlowBody      = 1 << 20
	minFinallyBudget = 2 * time.Second
)

// Flow runs a short, explicit journey of real requests (signup, then profile, then a replayed
// webhook), carrying captured values from step to step and judging every response.
type Flow struct {
	BaseURL                string              `yaml:"base_url" doc:"The URL every step's path is joined to, e.g. ${APP_URL}."`
	Let                    Lets                `yaml:"let" doc:"Values computed once per run and used as {{name}}, e.g. email: lg-{{uuid}}@example.invalid; each may use the ones above it."`
	Headers                map[string]Template `yaml:"headers" doc:"Headers sent with every request (a step's own headers win); they may use let: values."`
	Steps                  []FlowStep          `yaml:"steps" required:"true" doc:"The steps, in order; the first step that fails ends the journey."`
	Finally                []FlowStep          `yaml:"finally" doc:"Cleanup steps that always run, after a failure or at the deadline too; they may use every captured value."`
	FinallyBudget          kind.Duration       `yaml:"finally_budget" doc:"Time kept for finally inside the check's timeout (default: 20% of it, at least 2s)."`
	OpenAPI                string              `yaml:"openapi" doc:"An OpenAPI 3 document (a file, relative to the checklist, or a URL): every response is validated against its operation."`
	OpenAPIStrict          bool                `yaml:"openapi_strict" doc:"Treat response properties the document does not list as drift, as if every object said additionalProperties: false."`
	OpenAPIAllowRemoteRefs bool                `yaml:"openapi_allow_remote_refs" doc:"Fetch $refs to http:// and https:// URLs; by default they are refused."`
	InsecureSkipVerify     bool                `yaml:"insecure_skip_verify" doc:"Do not verify TLS certificates (use the tls check to judge them)."`

	base *url.URL
}

// FlowCall is one request and what its response must be.
type FlowCall struct {
	Name    string              `yaml:"name" required:"true" doc:"The step's name in the report."`
	Request *FlowRequest        `yaml:"request" doc:"The request to send."`
	Expect  FlowExpect          `yaml:"expect" doc:"What the response must be (default: a 2xx status)."`
	Capture map[string]Capture  `yaml:"capture" doc:"Values later steps use as {{name}}: a JSON path ($.id), {header: Location}, or {regex: 'code=(\\w+)'}."`
	readsOf string              // the writing step whose captured value this call's request uses
	uses    map[string]position // the variables its request uses
}

// FlowStep is a call, a repeated call, a replayed call, or calls fired together.
type FlowStep struct {
	FlowCall `yaml:",inline"`
	Repeat   int           `yaml:"repeat" doc:"Send the request this many times back to back (at most 50); every one must pass."`
	Interval kind.Duration `yaml:"interval" doc:"Pause between repeats (default: none)."`
	Parallel []FlowCall    `yaml:"parallel" doc:"Calls fired together behind a start barrier, like an app's first screen (at most 32), instead of request."`
	Replay   *FlowReplay   `yaml:"replay" doc:"Send the identical request again and compare the answers: {times: 1, expect: same}."`
}

// FlowRequest is a request as written; its text may use {{…}}.
type FlowRequest struct {
	Method          string              `yaml:"method" doc:"GET (the default), HEAD, POST, PUT, PATCH, DELETE, OPTIONS or TRACE."`
	Path            Template            `yaml:"path" doc:"The path, joined to base_url: /users/{{user_id}}."`
	URL             Template            `yaml:"url" doc:"An absolute URL, instead of path."`
	Headers         map[string]Template `yaml:"headers" doc:"Request headers; they win over the flow's."`
	Query           map[string]Template `yaml:"query" doc:"Query parameters."`
	JSON            JSONBody            `yaml:"json" doc:"A body written as YAML and sent as JSON (Content-Type application/json)."`
	Body            Template            `yaml:"body" doc:"A body sent as written."`
	Form            map[string]Template `yaml:"form" doc:"A body sent as application/x-www-form-urlencoded."`
	FollowRedirects bool                `yaml:"follow_redirects" doc:"Follow redirects (credentials never go to another origin); by default the redirect itself is judged, so a Location can be captured."`
}

// FlowExpect is what a response must be.
type FlowExpect struct {
	Status     StatusRanges         `yaml:"status" doc:"Accepted status codes: 201, [200, 201], 2xx or 200-299 (default 2xx)."`
	JSON       map[string]FlowMatch `yaml:"json" doc:"JSON paths ($.user.id, $.items[0].id, or dotted) and their values: a value (may use {{…}}), /regex/ or {exists: true}."`
	Body       Template             `yaml:"body" doc:"A substring the body must contain (may use {{…}}), or a /regular expression/."`
	Headers    map[string]FlowMatch `yaml:"headers" doc:"Response headers and their values: a value, /regex/ or {exists: true}."`
	MaxLatency kind.Duration        `yaml:"max_latency" doc:"Fail when the response takes longer than this."`

	jsonPaths map[string]probe.JSONPath
	bodyRE    textPattern
}

// FlowReplay re-sends a step's identical request (same headers, same body, same idempotency key).
type FlowReplay struct {
	Times  int          `yaml:"times" doc:"How many times to re-send it (default 1)."`
	Expect ReplayExpect `yaml:"expect" required:"true" doc:"same (the same status and body), or {status: [200, 409], same: [$.order_id]}."`
	Ignore []string     `yaml:"ignore" doc:"JSON paths that may differ under expect: same, e.g. [$.created_at]."`

	ignore []probe.JSONPath
}

func init() {
	kind.Register(kind.Kind{
		Name:    "http.flow",
		Summary: "A user journey (signup, login, profile, a replayed webhook) works end to end, request after request.",
		Title:   "User journey works end to end",
		New:     func() kind.Check { return &Flow{} },
		Example: `base_url: ${APP_URL}
let:
  email: "lg-{{uuid}}@example.invalid"
  password: "{{random 20}}"
steps:
  - name: signup
    request: {method: POST, path: /signup, json: {email: "{{email}}", password: "{{password}}"}}
    expect: {status: 201, max_latency: 1s}
    capture: {user_id: $.id, token: $.token}
  - name: profile-right-after-signup
    request: {path: "/users/{{user_id}}", headers: {Authorization: "Bearer {{token}}"}}
    expect: {status: 200, json: {$.email: "{{email}}"}}
    repeat: 5
finally:
  - name: delete-user
    request: {method: DELETE, path: "/users/{{user_id}}", headers: {Authorization: "Bearer {{token}}"}}
    expect: {status: [200, 204, 404]}`,
	})
}

// Title names the journey by its steps.
func (f *Flow) Title() string {
	names := make([]string, 0, len(f.Steps))
	for _, s := range f.Steps {
		names = append(names, s.Name)
	}
	return "Journey: " + strings.Join(names, " → ")
}

// Effects: a flow always sends traffic, and writes when any of its requests may change state.
func (f *Flow) Effects() kind.Effects {
	e := kind.Effects{SendsTraffic: true}
	for _, c := range f.calls() {
		if c.Request == nil {
			continue
		}
		if m, err := probe.ParseMethod(c.Request.Method, http.MethodGet); err != nil || (m != http.MethodGet && m != http.MethodHead) {
			e.Writes = true
		}
	}
	return e
}

// calls lists every call of the flow, finally included, parallel ones one by one.
func (f *Flow) calls() []*FlowCall {
	var out []*FlowCall
	for _, list := range [][]FlowStep{f.Steps, f.Finally} {
		for i := range list {
			out = append(out, &list[i].FlowCall)
			for j := range list[i].Parallel {
				out = append(out, &list[i].Parallel[j])
			}
		}
	}
	return out
}

// requests is how many requests the flow sends at most.
func (f *Flow) requests() int {
	n := 0
	for _, list := range [][]FlowStep{f.Steps, f.Finally} {
		for _, s := range list {
			n += s.requests()
		}
	}
	return n
}

func (s *FlowStep) requests() int {
	if len(s.Parallel) > 0 {
		return len(s.Parallel)
	}
	n := max(s.Repeat, 1)
	if s.Replay != nil {
		n *= 1 + max(s.Replay.Times, 1)
	}
	return n
}

// Validate checks every step, every template's variables and the bounds.
func (f *Flow) Validate() error {
	v := &flowValidator{f: f, known: map[string]varOrigin{}}
	v.baseURL()
	v.lets()
	v.headers("headers", f.Headers, nil)
	if len(f.Steps) == 0 {
		v.bad("steps", "list at least one step")
	}
	for i := range f.Steps {
		v.step(fmt.Sprintf("steps[%d]", i), &f.Steps[i])
	}
	for i := range f.Finally {
		v.step(fmt.Sprintf("finally[%d]", i), &f.Finally[i])
	}
	v.bounds()
	return errors.Join(v.errs...)
}

// varOrigin says where a variable comes from: a let: value, or a capture by a step (and
// whether that step wrote, which makes a later read of it a read-after-write).
type varOrigin struct {
	step   string
	writes bool
}

type flowValidator struct {
	f     *Flow
	known map[string]varOrigin
	names map[string]bool
	errs  []error
}

func (v *flowValidator) bad(param, format string, args ...any) {
	v.errs = append(v.errs, kind.BadParam(param, format, args...))
}

func (v *flowValidator) baseURL() {
	if v.f.BaseURL == "" {
		return
	}
	u, err := probe.ParseHTTPURL(v.f.BaseURL)
	switch {
	case err != nil:
		v.bad("base_url", "%v", err)
	case u.RawQuery != "" || u.Fragment != "":
		v.bad("base_url", "%q: give query parameters in a step's query, not in base_url", redact.String(v.f.BaseURL))
	default:
		v.f.base = u
	}
}

func (v *flowValidator) lets() {
	for i, name := range v.f.Let.names {
		v.templateVars(fmt.Sprintf("let.%s", name), v.f.Let.values[i], nil)
		v.known[name] = varOrigin{}
	}
}

// templateVars reports the variables of t that are not known yet, and records the ones it uses.
func (v *flowValidator) templateVars(param string, t Template, uses map[string]position) {
	for _, r := range t.vars() {
		if _, ok := v.known[r.name]; !ok {
			hint := ""
			if s := kind.Suggest(r.name, v.knownNames()); s != "" {
				hint = fmt.Sprintf(", did you mean %s?", s)
			}
			v.bad(param, "unknown variable {{%s}}%s: define it under let: or capture it in an earlier step%s", r.name, r.pos.at(), hint)
			continue
		}
		if uses != nil {
			uses[r.name] = r.pos
		}
	}
}

func (v *flowValidator) knownNames() []string { return slices.Sorted(maps.Keys(v.known)) }

func (v *flowValidator) headers(param string, h map[string]Template, uses map[string]position) {
	for _, k := range slices.Sorted(maps.Keys(h)) {
		if !probe.ValidHeaderName(k) {
			v.bad(param, "%q is not a valid header name", k)
		}
		if strings.ContainsAny(h[k].raw, "\r\n\x00") {
			v.bad(param, "the value of %s contains a line break", k)
		}
		if uses != nil {
			v.templateVars(param, h[k], uses)
			continue
		}
		// The flow's own headers go with every request, before anything is captured.
		for _, r := range h[k].vars() {
			if _, ok := v.known[r.name]; !ok {
				v.bad(param, "%s uses {{%s}}%s, which is not a let: value: the flow's headers go with every request, so a captured value belongs in the steps' own headers", k, r.name, r.pos.at())
			}
		}
	}
}
