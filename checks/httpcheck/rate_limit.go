package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

const (
	// maxRateLimitRequests is the hard ceiling on max_requests: a probe, not a load test.
	maxRateLimitRequests = 500
	// maxConcurrency bounds the workers of one rate_limit probe.
	maxConcurrency = 50
	// drainLimit is how much of each response body is read (and thrown away) so that the
	// connection can be reused.
	drainLimit = 64 << 10
)

// RateLimit sends a bounded run of requests to one endpoint and passes when the endpoint shows
// a rate limit in time.
type RateLimit struct {
	URL                string            `yaml:"url" required:"true" doc:"The endpoint to probe, e.g. https://api.example.com/v1/signup."`
	Method             string            `yaml:"method" doc:"The HTTP method."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers (the User-Agent is always launchgate/<version>)."`
	Body               Body              `yaml:"body" doc:"The request body: a string, or a mapping sent as JSON (JSON gets Content-Type application/json unless headers set one). Use reserved addresses (@example.invalid) and an invalid password."`
	MaxRequests        int               `yaml:"max_requests" doc:"Stop after this many requests with no sign of a limit (at most 500)."`
	ExpectLimitWithin  int               `yaml:"expect_limit_within" doc:"The request number by which a limit must show (default: max_requests)."`
	Concurrency        int               `yaml:"concurrency" doc:"How many requests are in flight at once (1: one after another)."`
	Timeout            kind.Duration     `yaml:"timeout" doc:"Timeout of each request; the check's own timeout bounds the whole probe."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`
}

func init() {
	kind.Register(kind.Kind{
		Name:       "http.rate_limit",
		Summary:    "An endpoint (signup, login, password reset) rate-limits a client that hammers it.",
		Title:      "Endpoint is rate limited",
		Positional: "url",
		New: func() kind.Check {
			return &RateLimit{Method: http.MethodPost, MaxRequests: 30, Concurrency: 1, Timeout: kind.Duration(5 * time.Second)}
		},
		Example: `url: ${API_URL}/v1/signup
method: POST
# Sent as JSON. A reserved address and a password no policy accepts: no account can result.
body:
  email: launchgate-probe@example.invalid
  password: x
max_requests: 40
expect_limit_within: 20`,
	})
}

// Title names the endpoint.
func (c *RateLimit) Title() string { return "Rate limit on " + redact.String(c.URL) }

// Effects: the probe sends a run of requests meant to trip the limit.
func (c *RateLimit) Effects() kind.Effects { return kind.Effects{SendsTraffic: true} }

// Validate checks the URL and the bounds.
func (c *RateLimit) Validate() error {
	var errs []error
	if _, err := probe.ParseHTTPURL(c.URL); err != nil {
		errs = append(errs, kind.BadParam("url", "%v", err))
	}
	if err := probe.SetMethod(&c.Method, http.MethodPost); err != nil {
		errs = append(errs, kind.BadParam("method", "%v", err))
	}
	if c.MaxRequests < 1 || c.MaxRequests > maxRateLimitRequests {
		errs = append(errs, kind.BadParam("max_requests", "must be between 1 and %d (a probe, not a load test), got %d", maxRateLimitRequests, c.MaxRequests))
	} else {
		// expect_limit_within is judged against max_requests only when that is right.
		if c.ExpectLimitWithin == 0 {
			c.ExpectLimitWithin = c.MaxRequests
		}
		if c.ExpectLimitWithin < 1 || c.ExpectLimitWithin > c.MaxRequests {
			errs = append(errs, kind.BadParam("expect_limit_within", "must be between 1 and max_requests (%d), got %d", c.MaxRequests, c.ExpectLimitWithin))
		}
	}
	if c.Concurrency < 1 || c.Concurrency > maxConcurrency {
		errs = append(errs, kind.BadParam("concurrency", "must be between 1 and %d, got %d", maxConcurrency, c.Concurrency))
	}
	if c.Timeout <= 0 {
		errs = append(errs, kind.BadParam("timeout", "must be positive, got %s", c.Timeout))
	}
	if err := probe.CheckHeaders(c.Headers); err != nil {
		errs = append(errs, kind.BadParam("headers", "%v", err))
	}
	return errors.Join(errs...)
}

// attempt is what happened to one request of the probe.
type attempt struct {
	n       int // 1-based number of the request, in the order it was started
	status  int
	proto   string
	sig     signal
	err     error
	failure probe.Failure
	cut     bool // the check's own deadline ended the request
	// location is where a redirect pointed (redacted).
	location string
}

// rateProbe is the shared state of the workers. Every decision to start a request is taken
// under mu, so no request starts once the cap is reached or once a limit (or an inconclusive
// answer) has been seen.
type rateProbe struct {
	mu       sync.Mutex
	max      int
	started  int
	stopped  bool
	attempts []attempt
}

func (p *rateProbe) claim(ctx context.Context) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped || p.started >= p.max || ctx.Err() != nil {
		return 0, false
	}
	p.started++
	return p.started, true
}

func (p *rateProbe) record(a attempt) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts = append(p.attempts, a)
	if a.sig.Limited || a.err != nil || a.status >= 500 || isRedirect(a.status) {
		p.stopped = true
	}
}

// Run sends the requests and judges what came back.
func (c *RateLimit) Run(ctx context.Context, env *kind.Env) kind.Result {
	if err := c.Validate(); err != nil {
		return kind.Errorf("fix the check's parameters", "invalid parameters: %v", err)
	}
	checkTimeout := kind.Timeout(ctx)
	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: c.InsecureSkipVerify, MaxConnsPerHost: c.Concurrency})
	defer client.CloseIdleConnections()

	p := &rateProbe{max: c.MaxRequests}
	var wg sync.WaitGroup
	for i := 0; i < c.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, ok := p.claim(ctx)
				if !ok {
					return
				}
				p.record(c.send(ctx, env, client, n, checkTimeout))
			}
		}()
	}
	wg.Wait()
	sort.Slice(p.attempts, func(i, j int) bool { return p.attempts[i].n < p.attempts[j].n })
	return c.judge(ctx, env, p.attempts)
}

// send makes request n; checkTimeout is the check's own timeout, named when it is what ended
// the request.
func (c *RateLimit) send(ctx context.Context, env *kind.Env, client *http.Client, n int, checkTimeout time.Duration) attempt {
	a := attempt{n: n}
	rctx, cancel := context.WithTimeout(ctx, c.Timeout.D())
	defer cancel()
	req, err := newRequest(rctx, env, c.Method, c.URL, c.Headers, c.Body)
	if err != nil {
		a.err, a.failure = err, probe.Failure{Kind: "request", Summary: "cannot build the request: " + err.Error(), Remedy: "fix the url and headers parameters"}
		return a
	}
	tctx, trace := probe.WithTrace(rctx)
	resp, err := client.Do(req.WithContext(tctx))
	if err == nil {
		a.status, a.proto = resp.StatusCode, resp.Proto
		a.sig = inspect(resp.StatusCode, resp.Header, env.Now())
		if isRedirect(a.status) {
			a.location = probe.Clip(redact.String(resp.Header.Get("Location")))
		}
		// The status and headers decide; the body is drained only so the connection can be
		// reused, and a body cut short changes nothing.
		_, _, _ = probe.ReadBody(resp.Body, drainLimit)
		resp.Body.Close()
		return a
	}
	a.err = err
	a.cut = ctx.Err() != nil
	timeout := c.Timeout.D()
	if a.cut {
		timeout = checkTimeout
	}
	a.failure = probe.Explain(err, redact.String(req.URL.Redacted()), timeout, trace)
	return a
}

// judge shows the traffic and the answers, then lets the limit rule decide: what the server
// advertised, and any odd answer beside the limit, are shown but do not change the status.
func (c *RateLimit) judge(ctx context.Context, env *kind.Env, attempts []attempt) kind.Result {
	var j kind.Judgement
	sent := len(attempts)
	mode := "one after another"
	if c.Concurrency > 1 {
		mode = fmt.Sprintf("%d at a time", c.Concurrency)
	}
	j.Observe("traffic sent",
		fmt.Sprintf("%d %s %s to %s, %s, User-Agent %s", sent, c.Method, kind.Plural(sent, "request", "requests"), redact.String(c.URL), mode, env.UserAgent()),
		fmt.Sprintf("at most %d", c.MaxRequests))
	t := tallyAttempts(attempts)
	if len(t.statuses) > 0 {
		j.Observe("responses", statusHistogram(t.statuses), "")
	}
	if len(t.protos) > 0 {
		j.Observe("protocol", strings.Join(slices.Sorted(maps.Keys(t.protos)), ", "), "")
	}
	limit, advertised := c.judgeLimit(ctx, t, sent)
	j.Add(limit)
	if advertised {
		addAdvert(&j, t.last)
	}
	if t.limit != nil && t.inconclusive != nil {
		j.Show(kind.Line{Label: "other answers", Observed: describeAttempt(*t.inconclusive), Status: kind.Warn})
	}
	if limit.Status == kind.Pass {
		j.Note("%s", c.limitedSummary(t))
	}
	r := j.Result()
	r.Status = limit.Status
	return r
}

// attemptTally is what the run of requests adds up to.
type attemptTally struct {
	// limit is the first request that showed a limit; inconclusive the first that failed,
	// errored (5xx) or redirected without one.
	limit, inconclusive *attempt
	// last holds the latest value the server advertised of each kind.
	last     signal
	statuses map[int]int
	protos   map[string]bool
	// all4xx says every request was refused as a client error.
	all4xx bool
}

func tallyAttempts(attempts []attempt) attemptTally {
	t := attemptTally{statuses: map[int]int{}, protos: map[string]bool{}, all4xx: len(attempts) > 0}
	for i := range attempts {
		a := &attempts[i]
		if a.err == nil {
			t.statuses[a.status]++
			t.protos[a.proto] = true
			mergeAdvert(&t.last, a.sig)
		}
		if a.sig.Limited {
			if t.limit == nil {
				t.limit = a
			}
			continue
		}
		if t.inconclusive == nil && (a.err != nil || a.status >= 500 || isRedirect(a.status)) {
			t.inconclusive = a
		}
		if a.err != nil || a.status < 400 || a.status >= 500 {
			t.all4xx = false
		}
	}
	return t
}

// judgeLimit is the rule that decides: the limit line, with its problem and remedy, and whether
// what the server advertised belongs beside it.
func (c *RateLimit) judgeLimit(ctx context.Context, t attemptTally, sent int) (kind.Line, bool) {
	within := fmt.Sprintf("a limit within %d requests", c.ExpectLimitWithin)
	switch {
	case t.limit != nil:
		return c.limitSeen(t.limit, within), true
	case t.inconclusive != nil:
		return c.undecided(t.inconclusive, t.last, within)
	}
	return c.noLimit(ctx, t, sent, within), true
}

// limitSeen passes a limit that shows by expect_limit_within.
func (c *RateLimit) limitSeen(a *attempt, within string) kind.Line {
	l := kind.Line{Label: "limit", Observed: fmt.Sprintf("%s at request %d", a.sig.Reason, a.n), Expected: within, Status: kind.Pass}
	if a.n > c.ExpectLimitWithin {
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("limit shows only at request %d (%s), later than the %d expected", a.n, a.sig.Reason, c.ExpectLimitWithin)
		l.Remedy = fmt.Sprintf("tighten the limit on %s so that a single client is limited within %d requests (or raise expect_limit_within if %d is intended)", redact.String(c.URL), c.ExpectLimitWithin, a.n)
	}
	return l
}

func (c *RateLimit) limitedSummary(t attemptTally) string {
	s := fmt.Sprintf("rate limited at request %d of at most %d: %s%s", t.limit.n, c.MaxRequests, t.limit.sig.Reason, retryNote(t.last))
	if t.limit.n == 1 {
		// A limiter exists, but it was already counting this client (an earlier run, or
		// other traffic from this address), so the number says nothing about its size.
		s += " (limited from the first request: an earlier run from this address may still be counted)"
	}
	return s
}

// undecided is the limit line when a request failed, redirected or hit a server error before
// any limit showed: the probe stopped there, so it cannot say whether a limit exists. Behind a
// redirect the probe never reached the endpoint, so nothing it advertised is shown.
func (c *RateLimit) undecided(a *attempt, last signal, within string) (kind.Line, bool) {
	l := kind.Line{Label: "limit", Observed: fmt.Sprintf("undecided: request %d answered %s", a.n, statusLine(a.status)), Expected: within, Status: kind.Error}
	switch {
	case a.err != nil && a.cut:
		l.Observed = fmt.Sprintf("undecided: request %d failed (%s)", a.n, a.failure.Kind)
		l.Problem = fmt.Sprintf("inconclusive: the check's timeout ran out during request %d of %d with no sign of a limit yet (%s)", a.n, c.MaxRequests, a.failure.Summary)
		l.Remedy = "raise the check's timeout or lower max_requests so the probe can finish; " + a.failure.Remedy
	case a.err != nil:
		l.Observed = fmt.Sprintf("undecided: request %d failed (%s)", a.n, a.failure.Kind)
		l.Problem = fmt.Sprintf("inconclusive: request %d of %d failed: %s", a.n, c.MaxRequests, a.failure.Summary)
		l.Remedy = a.failure.Remedy
	case isRedirect(a.status):
		to := ""
		if a.location != "" {
			to = " to " + a.location
		}
		l.Problem = fmt.Sprintf("inconclusive: %s redirects (%s%s); the probe does not follow redirects, so it never reached the endpoint", redact.String(c.URL), statusLine(a.status), to)
		l.Remedy = "point url at the final address (https, trailing slash, host), so the probe reaches the endpoint itself"
		return l, false
	default:
		l.Problem = fmt.Sprintf("inconclusive: request %d answered %s: a server error, not a limit (a limiter answering 503 must add Retry-After)", a.n, statusLine(a.status))
		l.Remedy = fmt.Sprintf("fix the server error on %s first (see its logs), then run the probe again; a limiter answering 503 should add Retry-After, or better answer 429", redact.String(c.URL))
	}
	return l, true
}

// noLimit is the limit line when every request was answered without a limit: a failure when the
// probe reached max_requests with requests the limiter would count.
func (c *RateLimit) noLimit(ctx context.Context, t attemptTally, sent int, within string) kind.Line {
	switch {
	case sent < c.MaxRequests:
		// Nothing failed, yet the cap was not reached: the check's deadline stopped the probe.
		l := kind.Line{Label: "limit", Observed: fmt.Sprintf("none in %d requests (stopped early)", sent), Expected: within, Status: kind.Error,
			Problem: fmt.Sprintf("inconclusive: the check's timeout ran out after %d of %d requests, with no sign of a limit yet", sent, c.MaxRequests),
			Remedy:  "raise the check's timeout, or lower max_requests, so the probe can reach its cap"}
		if ctx.Err() == nil {
			l.Problem = fmt.Sprintf("inconclusive: the probe stopped after %d of %d requests", sent, c.MaxRequests)
		}
		return l
	case t.all4xx:
		return kind.Line{Label: "limit", Observed: fmt.Sprintf("none: all %d requests rejected (%s)", sent, statusHistogram(t.statuses)), Expected: within, Status: kind.Error,
			Problem: fmt.Sprintf("inconclusive: all %d requests were rejected with 4xx (%s), so a limiter behind the validation would never count them", sent, statusHistogram(t.statuses)),
			Remedy:  "send a request the endpoint accepts as far as its limiter (valid JSON shape, a reserved address such as probe@example.invalid, the headers it requires), or put the limiter in front of validation"}
	}
	l := kind.Line{Label: "limit", Observed: fmt.Sprintf("none in %d requests", sent), Expected: within, Status: kind.Fail,
		Problem: fmt.Sprintf("no rate limit: %d of %d requests answered (%s) with no 429, Retry-After or exhausted RateLimit quota", sent, c.MaxRequests, statusHistogram(t.statuses)),
		Remedy:  fmt.Sprintf("put a rate limit on %s (per client IP and per account or address) that answers 429 with Retry-After, so a bot cannot hammer it", redact.String(c.URL))}
	if t.last.Policy != "" || t.last.Quota != "" || t.last.Legacy != "" {
		l.Remedy += "; the server advertises a policy but never reached it: check that the limiter counts this endpoint and that its quota is not larger than intended"
	}
	return l
}

// mergeAdvert keeps the latest advertised values of every kind.
func mergeAdvert(dst *signal, s signal) {
	if s.Policy != "" {
		dst.Policy = s.Policy
	}
	if s.Quota != "" {
		dst.Quota = s.Quota
	}
	if s.RetryAfter != "" {
		dst.RetryAfter = s.RetryAfter
	}
	if s.Legacy != "" {
		dst.Legacy = s.Legacy
	}
	for _, m := range s.Malformed {
		if !slices.Contains(dst.Malformed, m) {
			dst.Malformed = append(dst.Malformed, m)
		}
	}
}

// addAdvert shows what the server advertised; a field it could not parse is a warning.
func addAdvert(j *kind.Judgement, s signal) {
	shown := false
	add := func(label, v string) {
		if v != "" {
			shown = true
			j.Observe(label, v, "")
		}
	}
	add("RateLimit-Policy", s.Policy)
	add("RateLimit", s.Quota)
	add("Retry-After", s.RetryAfter)
	add("X-RateLimit", s.Legacy)
	for _, m := range s.Malformed {
		shown = true
		j.Show(kind.Line{Label: "malformed field", Observed: m, Expected: "the syntax of draft-ietf-httpapi-ratelimit-headers (Structured Fields)", Status: kind.Warn})
	}
	if !shown {
		j.Observe("advertised policy", "none (no RateLimit-Policy, RateLimit, X-RateLimit-* or Retry-After)", "")
	}
}

func retryNote(s signal) string {
	if s.RetryAfter != "" {
		return ", Retry-After " + s.RetryAfter
	}
	return ""
}

func describeAttempt(a attempt) string {
	if a.err != nil {
		return fmt.Sprintf("request %d failed: %s", a.n, a.failure.Summary)
	}
	return fmt.Sprintf("request %d answered %s", a.n, statusLine(a.status))
}

func isRedirect(code int) bool { return code >= 300 && code < 400 && code != http.StatusNotModified }

// statusHistogram writes "29× 201 Created, 1× 429 Too Many Requests".
func statusHistogram(m map[int]int) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d× %s", m[c], statusLine(c))
	}
	return strings.Join(parts, ", ")
}

// newRequest builds one probe request. The User-Agent is always launchgate's, so operators can
// recognise the probe in their logs whatever the checklist sets.
func newRequest(ctx context.Context, env *kind.Env, method, rawURL string, headers map[string]string, body Body) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		t := strings.TrimSpace(string(body))
		if strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	req.Header.Set("User-Agent", env.UserAgent())
	return req, nil
}
