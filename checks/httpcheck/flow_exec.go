package httpcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// prepared is a request with every {{…}} filled in: what is sent, and re-sent by a replay.
type prepared struct {
	method string
	url    *url.URL
	header http.Header
	body   []byte
	follow bool
	line   string // the request line for the report, redacted
}

// flowAttempt is one request sent and what came of it.
type flowAttempt struct {
	call      *FlowCall
	n         int // which repeat or replay, from 1
	req       *prepared
	code      int
	header    http.Header
	body      []byte
	truncated bool
	started   time.Time
	latency   time.Duration
	verdict   kind.Status
	problem   string // the first mismatch, or the transport failure, in words
	remedy    string
	transport bool // no response to judge
	notFound  bool // a 404, 410 or empty answer: what a read from a lagging replica sees
	captured  []capturedValue

	parsed bool
	doc    any
	docErr error
}

type capturedValue struct {
	name, value string
	secret      bool
}

// newAttempt starts as passing: each expectation that does not hold fails it.
func newAttempt(c *FlowCall, n int, p *prepared) *flowAttempt {
	return &flowAttempt{call: c, n: n, req: p, verdict: kind.Pass}
}

func (a *flowAttempt) fail(st kind.Status, problem, remedy string) {
	if a.verdict.Problem() {
		return // the first mismatch is the one reported
	}
	a.verdict, a.problem, a.remedy = st, problem, remedy
}

// json is the body decoded as JSON, or nil.
func (a *flowAttempt) json() any {
	if !a.parsed {
		a.parsed = true
		a.doc, a.docErr = parseJSON(a.header.Get("Content-Type"), a.body)
	}
	return a.doc
}

func (a *flowAttempt) statusLine() string {
	return fmt.Sprintf("%d %s", a.code, http.StatusText(a.code))
}

// stepOutcome is what one step did: its request (once or repeated) or its parallel calls, and
// its replays.
type stepOutcome struct {
	step     *FlowStep
	finally  bool
	attempts []*flowAttempt
	replays  []*flowAttempt
	skipped  string // why the step did not run
	cut      bool   // the deadline came before every repeat was sent
}

func (o *stepOutcome) status() kind.Status {
	if o.skipped != "" {
		return kind.Skip
	}
	st := kind.Pass
	for _, a := range o.all() {
		st = kind.Worst(st, a.verdict)
	}
	if o.cut && st == kind.Pass {
		st = kind.Error
	}
	return st
}

func (o *stepOutcome) all() []*flowAttempt {
	return append(append([]*flowAttempt(nil), o.attempts...), o.replays...)
}

func (r *flowRun) runStep(ctx context.Context, s *FlowStep, finally bool) *stepOutcome {
	o := &stepOutcome{step: s, finally: finally}
	budget := r.budget
	if finally {
		budget = r.reserved
	}
	if len(s.Parallel) > 0 {
		r.runParallel(ctx, o, budget)
	} else {
		r.runRepeats(ctx, o, budget)
	}
	if s.Replay != nil && o.status() == kind.Pass {
		r.runReplays(ctx, o, budget)
	}
	return o
}

func (r *flowRun) runRepeats(ctx context.Context, o *stepOutcome, budget time.Duration) {
	s := o.step
	n := max(s.Repeat, 1)
	for i := 1; i <= n; i++ {
		if i > 1 && (ctx.Err() != nil || !pause(ctx, s.Interval.D())) {
			o.cut = true
			return
		}
		a, skip := r.exec(ctx, &s.FlowCall, i, budget)
		if skip != "" {
			o.skipped = skip
			return
		}
		o.attempts = append(o.attempts, a)
		if a.transport {
			return // nothing answered: repeating would only wait for the deadline again
		}
	}
}

// pause waits d, or until ctx ends (false).
func pause(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// runParallel fires the calls together: every request is built first, then each goroutine
// waits at the start barrier, which opens for all of them at once.
func (r *flowRun) runParallel(ctx context.Context, o *stepOutcome, budget time.Duration) {
	calls := o.step.Parallel
	atts := make([]*flowAttempt, len(calls))
	for i := range calls {
		p, err := r.prepare(&calls[i])
		if skip := skipReason(err); skip != "" {
			o.skipped = skip
			return
		}
		atts[i] = newAttempt(&calls[i], 1, p)
		if err != nil {
			atts[i].fail(kind.Error, "cannot build the request: "+r.safe(err.Error()), "fix the call's request")
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for _, a := range atts {
		if a.verdict.Problem() {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r.sendAndJudge(ctx, a, budget)
		}()
	}
	close(start)
	wg.Wait()
	o.attempts = atts
}

// exec prepares, sends and judges one call. A call whose variables were never captured is not
// sent, and skip says why.
func (r *flowRun) exec(ctx context.Context, c *FlowCall, n int, budget time.Duration) (*flowAttempt, string) {
	p, err := r.prepare(c)
	if skip := skipReason(err); skip != "" {
		return nil, skip
	}
	a := newAttempt(c, n, p)
	if err != nil {
		a.fail(kind.Error, "cannot build the request: "+r.safe(err.Error()), "fix the step's request")
		return a, ""
	}
	r.sendAndJudge(ctx, a, budget)
	return a, ""
}

func skipReason(err error) string {
	var unc *uncapturedError
	if errors.As(err, &unc) {
		return fmt.Sprintf("not run: {{%s}} was never captured (the step capturing it did not pass)", unc.name)
	}
	return ""
}

func (r *flowRun) sendAndJudge(ctx context.Context, a *flowAttempt, budget time.Duration) {
	r.send(ctx, a, budget)
	if a.verdict.Problem() {
		return
	}
	r.judgeResponse(ctx, a)
	if a.verdict.Problem() {
		return
	}
	r.capture(a)
	if m := a.req.method; a.verdict == kind.Pass && m != http.MethodGet && m != http.MethodHead {
		r.mu.Lock()
		r.wroteAt[a.call.Name] = a.started.Add(a.latency)
		r.mu.Unlock()
	}
}

// prepare fills in a call's request.
func (r *flowRun) prepare(c *FlowCall) (*prepared, error) {
	rq := c.Request
	u, err := r.target(rq)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("User-Agent", r.env.UserAgent())
	for _, m := range []map[string]Template{r.f.Headers, rq.Headers} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v, err := m[k].render(r.vars)
			if err != nil {
				return nil, err
			}
			if strings.ContainsAny(v, "\r\n\x00") {
				return nil, fmt.Errorf("the value of header %s has a line break", k)
			}
			h.Set(k, v)
		}
	}
	body, ctype, err := r.body(rq)
	if err != nil {
		return nil, err
	}
	if ctype != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", ctype)
	}
	return &prepared{method: rq.Method, url: u, header: h, body: body, follow: rq.FollowRedirects, line: r.requestLine(rq.Method, u)}, nil
}

func (r *flowRun) target(rq *FlowRequest) (*url.URL, error) {
	var raw string
	if rq.Path.IsSet() {
		p, err := rq.Path.render(r.vars)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(p, "/") {
			return nil, fmt.Errorf("path %q does not start with /", p)
		}
		raw = strings.TrimSuffix(r.f.BaseURL, "/") + p
	} else {
		var err error
		if raw, err = rq.URL.render(r.vars); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http:// or https:// URL", redact.String(raw))
	}
	if len(rq.Query) > 0 {
		q := u.Query()
		for _, k := range slices.Sorted(maps.Keys(rq.Query)) {
			v, err := rq.Query[k].render(r.vars)
			if err != nil {
				return nil, err
			}
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func (r *flowRun) body(rq *FlowRequest) ([]byte, string, error) {
	switch {
	case rq.JSON.IsSet():
		b, err := rq.JSON.render(r.vars)
		return b, "application/json", err
	case rq.Body.IsSet():
		s, err := rq.Body.render(r.vars)
		ctype := ""
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[") {
			ctype = "application/json"
		}
		return []byte(s), ctype, err
	case len(rq.Form) > 0:
		form := url.Values{}
		for _, k := range slices.Sorted(maps.Keys(rq.Form)) {
			v, err := rq.Form[k].render(r.vars)
			if err != nil {
				return nil, "", err
			}
			form.Set(k, v)
		}
		return []byte(form.Encode()), "application/x-www-form-urlencoded", nil
	}
	return nil, "", nil
}

// requestLine is "POST /signup" for base_url's origin, the full URL elsewhere; secrets in
// it (a captured token in the query) are masked.
func (r *flowRun) requestLine(method string, u *url.URL) string {
	target := u.Redacted()
	if b := r.f.base; b != nil && strings.EqualFold(b.Scheme, u.Scheme) && strings.EqualFold(b.Host, u.Host) {
		target = u.RequestURI()
	}
	return method + " " + r.red.String(target)
}

func (r *flowRun) send(ctx context.Context, a *flowAttempt, budget time.Duration) {
	p := a.req
	var body io.Reader
	if p.body != nil {
		body = bytes.NewReader(p.body)
	}
	tctx, trace := probe.WithTrace(ctx)
	req, err := http.NewRequestWithContext(tctx, p.method, p.url.String(), body)
	if err != nil {
		a.fail(kind.Error, "cannot build the request: "+r.safe(err.Error()), "fix the step's request")
		return
	}
	req.Header = p.header.Clone()
	client := r.plain
	if p.follow {
		client = r.follow
	}
	r.countSent()
	a.started = r.now()
	resp, err := client.Do(req)
	if err != nil {
		r.transportFailure(a, err, trace, budget)
		return
	}
	defer resp.Body.Close()
	a.code, a.header = resp.StatusCode, resp.Header
	a.body, a.truncated, err = probe.ReadBody(resp.Body, maxFlowBody)
	a.latency = r.now().Sub(a.started)
	if err != nil {
		r.transportFailure(a, err, trace, budget)
		return
	}
	r.markAnswered(originOf(p.url))
}

// transportFailure records a request that got no response to judge. Before the target has
// answered anything the check could not decide (error); once it has answered earlier steps,
// the journey broke at this one (fail).
func (r *flowRun) transportFailure(a *flowAttempt, err error, trace *probe.Trace, budget time.Duration) {
	f := probe.Explain(err, a.req.url.Host, budget, trace)
	a.transport = true
	summary, remedy := r.red.String(f.Summary), f.Remedy
	if a.code != 0 {
		summary = fmt.Sprintf("status %d, then: %s", a.code, summary)
	}
	if probe.IsTimeout(err) && r.reserved > 0 {
		remedy += fmt.Sprintf(" (the steps have %s of the check's timeout; %s is kept for finally)",
			kind.FormatDuration(r.budget), kind.FormatDuration(r.reserved))
	}
	if r.hasAnswered(originOf(a.req.url)) {
		a.fail(kind.Fail, summary+" (it answered the earlier steps)", remedy)
		return
	}
	a.fail(kind.Error, summary, remedy)
}

func originOf(u *url.URL) string { return strings.ToLower(u.Scheme + "://" + u.Host) }

// safe makes text fit for the report: secrets masked whole first, then cut to length.
func (r *flowRun) safe(s string) string { return probe.Clip(r.red.String(s)) }

// excerpt is a redacted, cut body for evidence; in a JSON body, fields named like secrets are
// masked whatever their value.
func (r *flowRun) excerpt(a *flowAttempt) string {
	text := a.body
	if doc := a.json(); doc != nil {
		if b, err := jsonMarshal(maskSecretFields(doc)); err == nil {
			text = b
		}
	}
	return excerpt([]byte(r.red.String(string(text))))
}

func maskSecretFields(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, c := range t {
			if redact.IsSecretName(k) {
				out[k] = redact.Mask
			} else {
				out[k] = maskSecretFields(c)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, c := range t {
			out[i] = maskSecretFields(c)
		}
		return out
	}
	return v
}
