// Package httpcheck holds the HTTP endpoint checks.
package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
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
	var errs []error
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, kind.BadParam("url", "%q must be an absolute http:// or https:// URL", redact.String(h.URL)))
	}
	if m, err := probe.ParseMethod(h.Method, http.MethodGet); err != nil {
		errs = append(errs, kind.BadParam("method", "%v", err))
	} else {
		h.Method = m
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

func (h *Health) judge(resp *http.Response, body []byte, truncated bool, latency time.Duration) kind.Result {
	var r kind.Result
	r.Status = kind.Pass
	statusLine := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	var problems, remedies []string

	st := kind.Pass
	if !h.ExpectStatus.Contains(resp.StatusCode) {
		st = kind.Fail
		problems = append(problems, "status "+statusLine)
		remedies = append(remedies, "make the endpoint answer "+h.ExpectStatus.String())
	}
	r.Add(kind.Evidence{Label: "status", Observed: statusLine, Expected: h.ExpectStatus.String(), Status: st})

	st = kind.Pass
	exp := ""
	if h.MaxLatency > 0 {
		exp = "≤ " + h.MaxLatency.String()
		if latency > h.MaxLatency.D() {
			st = kind.Fail
			problems = append(problems, fmt.Sprintf("slow: %s over the %s budget", probe.Elapsed(latency), h.MaxLatency))
			remedies = append(remedies, "find what makes the endpoint slow (cold caches, slow dependencies) before launch")
		}
	}
	r.Add(kind.Evidence{Label: "latency", Observed: probe.Elapsed(latency), Expected: exp, Status: st})

	if h.ExpectBody != "" {
		st, obs := kind.Pass, "matches"
		if !h.body.match(body) {
			st, obs = kind.Fail, "no match in "+excerpt(body)
			problems = append(problems, "body does not match "+h.ExpectBody)
			remedies = append(remedies, "check that the endpoint returns the expected body")
		}
		r.Add(kind.Evidence{Label: "body", Observed: obs, Expected: h.ExpectBody, Status: st})
	}

	doc, jsonErr := parseJSON(resp.Header.Get("Content-Type"), body)
	if len(h.JSON) > 0 {
		paths := make([]string, 0, len(h.JSON))
		for p := range h.JSON {
			paths = append(paths, p)
		}
		sort.Strings(paths)
		for _, p := range paths {
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
			if st == kind.Fail {
				problems = append(problems, fmt.Sprintf("json %s is %s, want %s", p, obs, want))
				remedies = append(remedies, "check the dependency the health body reports as unhealthy")
			}
			r.Add(kind.Evidence{Label: "json " + p, Observed: obs, Expected: want, Status: st})
		}
	}

	if hb, ok := interpretHealthBody(doc); ok {
		r.Add(kind.Evidence{Label: hb.format + " status", Observed: hb.raw, Expected: hb.expected, Status: hb.status})
		r.Evidence = append(r.Evidence, shownComponents(hb.components)...)
		switch hb.status {
		case kind.Fail:
			problems = append(problems, fmt.Sprintf("body reports %s", hb.raw))
			remedies = append(remedies, "the service says it is unhealthy: fix the failing components listed in the evidence")
		case kind.Warn:
			if len(problems) == 0 {
				r.Summary = fmt.Sprintf("%s in %s, but the body reports %s", statusLine, probe.Elapsed(latency), hb.raw)
				r.Remedy = "look at the components the body reports as degraded"
			}
		}
	}

	if len(problems) > 0 {
		r.Status = kind.Fail
		r.Summary = strings.Join(problems, "; ")
		r.Remedy = strings.Join(kind.Unique(remedies), "; ")
	} else if r.Summary == "" {
		r.Summary = fmt.Sprintf("%s in %s", statusLine, probe.Elapsed(latency))
	}
	return r
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
