// Package httpcheck holds the HTTP endpoint checks.
package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// maxBody bounds how much of a response the check reads: health bodies are small, and a server
// that streams forever must not hold the check.
const maxBody = 1 << 20

// Health checks that an endpoint answers, in time, with the expected status and body.
type Health struct {
	URL                string            `yaml:"url" required:"true" doc:"The URL to request, e.g. https://api.example.com/healthz."`
	Method             string            `yaml:"method" doc:"The HTTP method: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS or TRACE."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers, e.g. an Authorization header from ${VAR}."`
	ExpectStatus       StatusRanges      `yaml:"expect_status" doc:"Accepted status codes: a code, a class (2xx), a range (200-299) or a list."`
	MaxLatency         kind.Duration     `yaml:"max_latency" doc:"Fail when the full response takes longer than this."`
	ExpectBody         string            `yaml:"expect_body" doc:"A substring the body must contain, or a regular expression between slashes (/ok|healthy/)."`
	JSON               map[string]string `yaml:"json" doc:"JSON fields and their expected values, by dotted path (status: pass, checks.db.0.status: pass)."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`
	FollowRedirects    bool              `yaml:"follow_redirects" doc:"Follow redirects and judge the final response."`
	ForwardCredentials bool              `yaml:"forward_credentials_on_redirect" doc:"false (the default): headers go only to the url's own origin, and a redirect to another scheme, host or port drops them (Authorization, Cookie, an API key); true keeps them."`

	body textPattern
}

func init() {
	kind.Register(kind.Kind{
		Name:       "http.health",
		Summary:    "An HTTP endpoint answers in time with the expected status and a healthy body.",
		Title:      "Endpoint answers its health check",
		Positional: "url",
		New: func() kind.Check {
			return &Health{Method: http.MethodGet, ExpectStatus: StatusRanges{{200, 299}}, FollowRedirects: true, ForwardCredentials: false}
		},
		Example: `url: ${API_URL}/healthz
max_latency: 500ms
expect_status: 200
json:
  status: pass`,
	})
}

// Title names the endpoint.
func (h *Health) Title() string { return "Health of " + h.URL }

// Validate checks the URL and compiles the body pattern.
func (h *Health) Validate() error {
	errs := checkURLs(namedURL{"url", h.URL})
	if err := probe.SetMethod(&h.Method, http.MethodGet); err != nil {
		errs = append(errs, kind.BadParam("method", "%v", err))
	}
	if p, err := parseTextPattern(h.ExpectBody); err != nil {
		errs = append(errs, kind.BadParam("expect_body", "%v", err))
	} else {
		h.body = p
	}
	return errors.Join(errs...)
}

// Run requests the endpoint once.
func (h *Health) Run(ctx context.Context, env *kind.Env) kind.Result {
	budget := kind.Timeout(ctx)
	req, err := http.NewRequestWithContext(ctx, h.Method, h.URL, nil)
	if err != nil {
		return kind.Errorf("fix the url parameter", "cannot build a request for %s: %v", h.URL, err)
	}
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", env.UserAgent())
	client := probe.NewClient(env, probe.ClientOptions{
		InsecureSkipVerify: h.InsecureSkipVerify,
		FollowRedirects:    h.FollowRedirects,
		ForwardCredentials: h.ForwardCredentials,
	})
	defer client.CloseIdleConnections()

	tctx, trace := probe.WithTrace(ctx)
	// Latency is read from the environment's clock, so that a fixed clock gives stable reports.
	now := env.Now
	if now == nil {
		now = time.Now
	}
	start := now()
	resp, err := client.Do(req.WithContext(tctx))
	if err != nil {
		f := probe.Explain(err, req.URL.Host, budget, trace)
		return kind.Result{Status: kind.Error, Summary: f.Summary, Remedy: f.Remedy,
			Evidence: []kind.Evidence{{Label: "request", Observed: f.Kind, Expected: "a response", Status: kind.Error}}}
	}
	defer resp.Body.Close()
	body, truncated, err := probe.ReadBody(resp.Body, maxBody)
	latency := now().Sub(start)
	if err != nil {
		f := probe.Explain(err, req.URL.Host, budget, trace)
		return kind.Result{Status: kind.Error, Summary: fmt.Sprintf("%s sent status %d, then: %s", req.URL.Host, resp.StatusCode, f.Summary), Remedy: f.Remedy}
	}
	return h.judge(resp, body, truncated, latency)
}

// judge holds the response to each expectation in turn. The body's own health report comes
// last: its components are shown after the verdict, not judged, since the body's status already
// counts them.
func (h *Health) judge(resp *http.Response, body []byte, truncated bool, latency time.Duration) kind.Result {
	var j kind.Judgement
	got := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	h.judgeStatus(&j, resp.StatusCode, got)
	h.judgeLatency(&j, latency)
	h.judgeBody(&j, body)
	doc, jsonErr := parseJSON(resp.Header.Get("Content-Type"), body)
	h.judgeJSON(&j, doc, jsonErr, truncated)
	hb, reported := interpretHealthBody(doc)
	if reported {
		judgeHealthBody(&j, hb)
	}
	if reported && hb.status == kind.Warn {
		j.Note("%s in %s, but the body reports %s", got, kind.Elapsed(latency), hb.raw)
	} else {
		j.Note("%s in %s", got, kind.Elapsed(latency))
	}
	r := j.Result()
	if r.Status == kind.Warn {
		// Only the body's report warns.
		r.Remedy = "look at the components the body reports as degraded"
	}
	if reported {
		r.Evidence = append(r.Evidence, shownComponents(hb.components)...)
	}
	return r
}

func (h *Health) judgeStatus(j *kind.Judgement, code int, got string) {
	l := kind.Line{Label: "status", Observed: got, Expected: h.ExpectStatus.String(), Status: kind.Pass}
	if !h.ExpectStatus.Contains(code) {
		l.Status, l.Problem, l.Remedy = kind.Fail, "status "+got, "make the endpoint answer "+h.ExpectStatus.String()
	}
	j.Add(l)
}

func (h *Health) judgeLatency(j *kind.Judgement, latency time.Duration) {
	j.Add(heldTo(kind.Line{Label: "latency", Observed: kind.Elapsed(latency),
		Problem: fmt.Sprintf("slow: %s over the %s budget", kind.Elapsed(latency), h.MaxLatency),
		Remedy:  "find what makes the endpoint slow (cold caches, slow dependencies) before launch"},
		latency, "≤ ", h.MaxLatency))
}

// judgeBody looks for expect_body, a substring or a /regular expression/.
func (h *Health) judgeBody(j *kind.Judgement, body []byte) {
	if h.ExpectBody == "" {
		return
	}
	l := kind.Line{Label: "body", Observed: "matches", Expected: h.ExpectBody, Status: kind.Pass}
	if !h.body.match(body) {
		l.Status, l.Observed, l.Problem = kind.Fail, "no match in "+excerpt(body), "body does not match "+h.ExpectBody
		l.Remedy = "check that the endpoint returns the expected body"
	}
	j.Add(l)
}

// judgeJSON compares each json field, by path in sorted order, without regard to case.
func (h *Health) judgeJSON(j *kind.Judgement, doc any, jsonErr error, truncated bool) {
	for _, p := range slices.Sorted(maps.Keys(h.JSON)) {
		want := h.JSON[p]
		st, obs := kind.Pass, ""
		switch {
		case doc == nil && truncated:
			st, obs = kind.Fail, fmt.Sprintf("body larger than %d bytes, not parsed", maxBody)
		case doc == nil:
			st, obs = kind.Fail, "body is not JSON"
			if jsonErr != nil {
				obs += ": " + probe.Clip(jsonErr.Error())
			}
		default:
			v, ok := lookupPath(doc, p)
			obs = probe.Clip(v)
			if !ok {
				obs = "missing"
			}
			if !ok || !sameJSONValue(v, want) {
				st = kind.Fail
			}
		}
		j.Add(kind.Line{Label: "json " + p, Observed: obs, Expected: want, Status: st,
			Problem: fmt.Sprintf("json %s is %s, want %s", p, obs, want), Remedy: "check the dependency the health body reports as unhealthy"})
	}
}

// judgeHealthBody holds the status the body reports (health+json or Spring actuator): a 200
// whose body says it is down fails; a degraded one warns without naming a problem.
func judgeHealthBody(j *kind.Judgement, hb healthBody) {
	l := kind.Line{Label: hb.format + " status", Observed: hb.raw, Expected: hb.expected, Status: hb.status}
	if hb.status == kind.Warn {
		j.Show(l)
		return
	}
	l.Problem = fmt.Sprintf("body reports %s", hb.raw)
	l.Remedy = "the service says it is unhealthy: fix the failing components listed in the evidence"
	j.Add(l)
}

// maxComponents bounds the component lines of a health body: the server decides how many it
// lists, and the report must stay readable.
const maxComponents = 30

// shownComponents keeps at most maxComponents lines, the unhealthy ones first, and says how many
// more there were.
func shownComponents(comps []kind.Evidence) []kind.Evidence {
	if len(comps) <= maxComponents {
		return comps
	}
	comps = append([]kind.Evidence(nil), comps...)
	sort.SliceStable(comps, func(i, j int) bool { return comps[i].Status > comps[j].Status })
	hidden := comps[maxComponents:]
	worst := kind.Pass
	for _, c := range hidden {
		worst = kind.Worst(worst, c.Status)
	}
	return append(comps[:maxComponents:maxComponents], kind.Evidence{Label: "components",
		Observed: fmt.Sprintf("%d more not shown (%s at worst)", len(hidden), worst), Status: worst})
}

func excerpt(b []byte) string {
	s := probe.Clip(string(b))
	if s == "" {
		return "an empty body"
	}
	return fmt.Sprintf("%q", s)
}
