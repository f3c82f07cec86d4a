package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxBurstRequests is the hard ceiling on the requests of one burst check (calls × rounds).
const maxBurstRequests = 1000

// Burst fires a set of calls at the same instant, the way a mobile app does on startup, and
// judges how the backend copes: errors, per-call latency and the 95th percentile.
type Burst struct {
	Requests           []BurstRequest `yaml:"requests" required:"true" doc:"The calls fired together, e.g. everything the app sends on startup before login."`
	Rounds             int            `yaml:"rounds" doc:"How many times the burst is fired, one round after the other (calls × rounds is at most 1000)."`
	MaxLatency         kind.Duration  `yaml:"max_latency" doc:"Fail when any single call takes longer than this."`
	MaxP95             kind.Duration  `yaml:"max_p95" doc:"Fail when the 95th percentile latency over all calls is above this."`
	MaxErrorRate       float64        `yaml:"max_error_rate" doc:"The fraction of calls allowed to fail, from 0 to 1 (0.05 is 5%)."`
	Timeout            kind.Duration  `yaml:"timeout" doc:"Timeout of each request; the check's own timeout bounds the whole burst."`
	InsecureSkipVerify bool           `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`
}

// BurstRequest is one call of a burst.
type BurstRequest struct {
	Name         string            `yaml:"name" doc:"What the call is, for the report (default: method and path)."`
	Method       string            `yaml:"method" doc:"The HTTP method (default GET)."`
	URL          string            `yaml:"url" required:"true" doc:"The URL to call."`
	Headers      map[string]string `yaml:"headers" doc:"Request headers (the User-Agent is always launchgate/<version>)."`
	Body         Body              `yaml:"body" doc:"The request body: a string, or a mapping sent as JSON (JSON gets Content-Type application/json unless headers set one)."`
	ExpectStatus StatusRanges      `yaml:"expect_status" doc:"Status codes that count as success (default 2xx and 3xx)."`
}

func init() {
	kind.Register(kind.Kind{
		Name:    "http.burst",
		Summary: "The backend copes when an app fires its startup calls all at once.",
		Title:   "Backend survives the startup burst",
		New: func() kind.Check {
			return &Burst{Rounds: 1, Timeout: kind.Duration(10 * time.Second)}
		},
		Example: `requests:
  - url: ${API_URL}/v1/config
  - url: ${API_URL}/v1/feature-flags
  - url: ${API_URL}/v1/feed?page=1
  - method: POST
    url: ${API_URL}/v1/devices
    body: '{"platform": "ios", "token": "launchgate-probe"}'
rounds: 3
max_latency: 2s
max_p95: 800ms
max_error_rate: 0`,
	})
}

// Title counts the calls.
func (b *Burst) Title() string { return fmt.Sprintf("Burst of %d simultaneous calls", len(b.Requests)) }

// Validate checks every call and the ceilings.
func (b *Burst) Validate() error {
	var errs []error
	if len(b.Requests) == 0 {
		errs = append(errs, kind.BadParam("requests", "list at least one call to fire"))
	}
	if b.Rounds < 1 {
		errs = append(errs, kind.BadParam("rounds", "must be at least 1, got %d", b.Rounds))
	} else if total := len(b.Requests) * b.Rounds; len(b.Requests) > maxBurstRequests || total > maxBurstRequests {
		errs = append(errs, kind.BadParam("rounds", "%d calls × %d rounds is %d requests, over the ceiling of %d (a probe, not a load test)", len(b.Requests), b.Rounds, len(b.Requests)*b.Rounds, maxBurstRequests))
	}
	if b.MaxLatency < 0 {
		errs = append(errs, kind.BadParam("max_latency", "must not be negative"))
	}
	if b.MaxP95 < 0 {
		errs = append(errs, kind.BadParam("max_p95", "must not be negative"))
	}
	if math.IsNaN(b.MaxErrorRate) || b.MaxErrorRate < 0 || b.MaxErrorRate > 1 {
		errs = append(errs, kind.BadParam("max_error_rate", "must be a fraction from 0 to 1 (0.05 is 5%%), got %v", b.MaxErrorRate))
	}
	if b.Timeout <= 0 {
		errs = append(errs, kind.BadParam("timeout", "must be positive, got %s", b.Timeout))
	}
	names := requestNames{}
	for i := range b.Requests {
		r := &b.Requests[i]
		where := fmt.Sprintf("call %d", i+1)
		errs = append(errs, checkRequest("requests", where, r.URL, &r.Method, r.Headers)...)
		if len(r.ExpectStatus) == 0 {
			r.ExpectStatus, _ = ParseStatusRanges("2xx,3xx")
		}
		names.give(&r.Name, r.Method, r.URL)
	}
	return errors.Join(errs...)
}

// Effects: a burst sends traffic by design, and writes when any of its calls may.
func (b *Burst) Effects() kind.Effects {
	e := kind.Effects{SendsTraffic: true}
	for _, r := range b.Requests {
		e.Writes = e.Writes || !probe.Reads(r.Method)
	}
	return e
}

// pathOf names a URL by its path alone: queries may carry tokens.
func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	return p
}

// call is one request of the burst.
type call struct {
	spec    int
	round   int
	status  int
	proto   string
	latency time.Duration
	err     error
	failure probe.Failure
	ok      bool
}

// Run fires the rounds and judges them.
func (b *Burst) Run(ctx context.Context, env *kind.Env) kind.Result {
	if err := b.Validate(); err != nil {
		return kind.Errorf("fix the check's parameters", "invalid parameters: %v", err)
	}
	checkTimeout := kind.Timeout(ctx)
	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: b.InsecureSkipVerify})
	defer client.CloseIdleConnections()

	var calls []call
	rounds := 0
	var slowest time.Duration
	for round := 1; round <= b.Rounds && ctx.Err() == nil; round++ {
		// Start a round only if it can finish before the check's deadline, judging by the
		// slowest call so far: a round cut by the deadline would report healthy calls as
		// failures. (Calls cut in the first round are real: the backend hung.)
		if dl, ok := ctx.Deadline(); ok && round > 1 && time.Until(dl) < 2*slowest+100*time.Millisecond {
			break
		}
		cs := b.fire(ctx, env, client, round, checkTimeout)
		for _, c := range cs {
			slowest = max(slowest, c.latency)
		}
		calls = append(calls, cs...)
		rounds++
	}
	return b.judge(env, calls, rounds)
}

// fire sends every call of one round at the same instant: each goroutine builds its request,
// then waits at the start barrier, which opens once all of them are ready. checkTimeout is the
// check's own timeout, named when it is what ended a call.
func (b *Burst) fire(ctx context.Context, env *kind.Env, client *http.Client, round int, checkTimeout time.Duration) []call {
	out := make([]call, len(b.Requests))
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range b.Requests {
		ready.Add(1)
		done.Add(1)
		go func(i int) {
			defer done.Done()
			spec := b.Requests[i]
			c := call{spec: i, round: round}
			rctx, cancel := context.WithTimeout(ctx, b.Timeout.D())
			defer cancel()
			tctx, trace := probe.WithTrace(rctx)
			req, err := newRequest(tctx, env, spec.Method, spec.URL, spec.Headers, spec.Body)
			ready.Done()
			<-start
			if err != nil {
				c.err, c.failure = err, probe.Failure{Kind: "request", Summary: "cannot build the request: " + err.Error(), Remedy: "fix the call's url and headers"}
				out[i] = c
				return
			}
			t0 := time.Now()
			resp, err := client.Do(req)
			if err == nil {
				c.status, c.proto = resp.StatusCode, resp.Proto
				_, _, err = probe.ReadBody(resp.Body, drainLimit)
				resp.Body.Close()
			}
			c.latency = time.Since(t0)
			if err != nil {
				timeout := b.Timeout.D()
				if ctx.Err() != nil {
					timeout = checkTimeout
				}
				c.err = err
				c.failure = probe.Explain(err, spec.Name+" ("+redact.String(req.URL.Redacted())+")", timeout, trace)
			}
			c.ok = err == nil && spec.ExpectStatus.Contains(c.status)
			out[i] = c
		}(i)
	}
	ready.Wait()
	close(start)
	done.Wait()
	return out
}

// judge first asks whether the burst could be judged at all, then holds it to each ceiling in
// turn. The per-call lines show what each call did; the error rate and latency rules name the
// problems.
func (b *Burst) judge(env *kind.Env, calls []call, rounds int) kind.Result {
	var j kind.Judgement
	j.Observe("traffic sent",
		fmt.Sprintf("%d calls fired together × %d rounds = %d requests, User-Agent %s", len(b.Requests), rounds, len(calls), env.UserAgent()),
		fmt.Sprintf("%d rounds, at most %d requests", b.Rounds, maxBurstRequests))
	if !b.judgeReach(&j, calls) {
		return j.Result()
	}
	t := tallyCalls(calls)
	if len(t.protos) > 0 {
		j.Observe("protocol", strings.Join(slices.Sorted(maps.Keys(t.protos)), ", "), "")
	}
	tooManyErrors := float64(t.failed)/float64(len(calls)) > b.MaxErrorRate
	failedNames, slowNames := b.judgeCalls(&j, calls, tooManyErrors)
	b.judgeErrorRate(&j, t.failed, len(calls), failedNames)
	p95, pmax := b.judgeLatency(&j, t.latencies)
	if len(slowNames) > 0 {
		remedy := "make the slow calls fast under concurrency, or lazy-load them after startup"
		if len(j.Problems()) >= 2 {
			// The error rate and p95 remedies already send the reader to the slow calls.
			remedy = ""
		}
		j.Problem(kind.Fail, fmt.Sprintf("slower than %s: %s", b.MaxLatency, strings.Join(slowNames, ", ")), remedy)
	}
	if rounds < b.Rounds {
		j.Show(kind.Line{Label: "rounds", Observed: fmt.Sprintf("%d of %d (stopped so as to finish within the check's timeout)", rounds, b.Rounds), Expected: fmt.Sprint(b.Rounds), Status: kind.Warn})
	}
	j.Note("%d simultaneous calls × %d rounds: %d of %d answered as expected, p95 %s, max %s", len(b.Requests), rounds, len(calls)-t.failed, len(calls), kind.Elapsed(p95), kind.Elapsed(pmax))
	r := j.Result()
	switch {
	case r.Status == kind.Warn && t.failed > 0:
		r.Remedy = "some calls failed within the allowed error rate: look at them before launch"
	case r.Status == kind.Warn:
		r.Remedy = "raise the check's timeout so every round can run"
	}
	return r
}

// judgeReach says whether the burst can be judged: it was fired, something answered, and every
// call could be made in some round. A call never made (DNS, TLS, a bad request) is a problem of
// the checklist or the environment, not of the backend under load.
func (b *Burst) judgeReach(j *kind.Judgement, calls []call) bool {
	if len(calls) == 0 {
		j.Problem(kind.Error, "the check's timeout ran out before the burst was fired", "raise the check's timeout")
		return false
	}
	if !slices.ContainsFunc(calls, func(c call) bool { return c.err == nil }) {
		f := calls[0].failure
		j.Add(kind.Line{Label: "responses", Observed: "none: " + f.Kind, Expected: "answers", Status: kind.Error,
			Problem: "no call of the burst got an answer: " + f.Summary, Remedy: f.Remedy})
		return false
	}
	for i, spec := range b.Requests {
		if f := neverMade(calls, i); f != nil {
			j.Add(kind.Line{Label: spec.Name, Observed: "never made: " + f.Summary, Expected: "answers", Status: kind.Error,
				Problem: fmt.Sprintf("call %s could not be made: %s", spec.Name, f.Summary), Remedy: f.Remedy})
			return false
		}
	}
	return true
}

// neverMade is the first failure of call spec when no round could make it at all.
func neverMade(calls []call, spec int) *probe.Failure {
	var f *probe.Failure
	for i := range calls {
		c := &calls[i]
		switch {
		case c.spec != spec:
		case c.err == nil:
			return nil
		case c.failure.Kind == "dns" || c.failure.Kind == "tls" || c.failure.Kind == "request":
			if f == nil {
				f = &c.failure
			}
		default:
			return nil
		}
	}
	return f
}

// callTally is what the rounds add up to.
type callTally struct {
	latencies []time.Duration // of the answered calls
	protos    map[string]bool
	failed    int // not answered, or answered with an unexpected status
}

func tallyCalls(calls []call) callTally {
	t := callTally{protos: map[string]bool{}}
	for _, c := range calls {
		if c.err == nil {
			t.latencies = append(t.latencies, c.latency)
			t.protos[c.proto] = true
		}
		if !c.ok {
			t.failed++
		}
	}
	return t
}

// judgeCalls shows one line per call across rounds. A failed call fails its line only when the
// error rate is over the ceiling, and a call slower than max_latency always does; it returns
// those calls for the rules that name the problem.
func (b *Burst) judgeCalls(j *kind.Judgement, calls []call, tooManyErrors bool) (failedNames, slowNames []string) {
	for i, spec := range b.Requests {
		var mine []call
		for _, c := range calls {
			if c.spec == i {
				mine = append(mine, c)
			}
		}
		obs, nFailed, slowest := describeCall(mine)
		st := kind.Pass
		if nFailed > 0 {
			st = kind.Warn
			if tooManyErrors {
				st = kind.Fail
				failedNames = append(failedNames, fmt.Sprintf("%s (%s)", spec.Name, failureWords(mine)))
			}
		}
		exp := "status " + spec.ExpectStatus.String()
		if b.MaxLatency > 0 {
			exp += ", ≤ " + b.MaxLatency.String()
			if slowest > b.MaxLatency.D() {
				st = kind.Fail
				slowNames = append(slowNames, fmt.Sprintf("%s (%s)", spec.Name, kind.Elapsed(slowest)))
			}
		}
		j.Show(kind.Line{Label: spec.Name, Observed: obs, Expected: exp, Status: st})
	}
	return failedNames, slowNames
}

// judgeErrorRate fails the burst when more calls failed than max_error_rate allows; fewer is a
// warning that the remedy, not the summary, speaks of.
func (b *Burst) judgeErrorRate(j *kind.Judgement, failed, total int, failedNames []string) {
	rate := float64(failed) / float64(total)
	l := kind.Line{Label: "error rate", Observed: fmt.Sprintf("%s (%d of %d)", percent(rate), failed, total), Expected: "≤ " + percent(b.MaxErrorRate), Status: kind.Pass}
	switch {
	case rate > b.MaxErrorRate:
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("%d of %d calls failed under the burst (allowed %s): %s", failed, total, percent(b.MaxErrorRate), strings.Join(failedNames, ", "))
		l.Remedy = "find what the failing calls share under concurrency (connection pool, lock, cold cache, a dependency with a small pool) in the backend's logs, and make it take the app's startup burst"
		j.Add(l)
	case failed > 0:
		l.Status = kind.Warn
		j.Show(l)
	default:
		j.Add(l)
	}
}

// judgeLatency holds the 95th percentile over every answer to max_p95.
func (b *Burst) judgeLatency(j *kind.Judgement, lat []time.Duration) (p95, pmax time.Duration) {
	p50, p95, pmax := percentile(lat, 50), percentile(lat, 95), percentile(lat, 100)
	j.Add(heldTo(kind.Line{Label: "latency", Observed: fmt.Sprintf("p50 %s, p95 %s, max %s over %d answers", kind.Elapsed(p50), kind.Elapsed(p95), kind.Elapsed(pmax), len(lat)),
		Problem: fmt.Sprintf("p95 latency %s over %s", kind.Elapsed(p95), b.MaxP95),
		Remedy:  "profile the slowest calls under concurrency: the burst queues them somewhere"},
		p95, "p95 ≤ ", b.MaxP95))
	return p95, pmax
}

// describeCall summarises the rounds of one call: "3 of 3 ok (200 ×3), p50 12ms, max 40ms".
func describeCall(cs []call) (obs string, failed int, slowest time.Duration) {
	statuses := map[int]int{}
	var lat []time.Duration
	errs := map[string]int{}
	firstErr := ""
	for _, c := range cs {
		if c.err != nil {
			errs[c.failure.Kind]++
			if firstErr == "" {
				firstErr = c.failure.Summary
			}
		} else {
			statuses[c.status]++
			lat = append(lat, c.latency)
		}
		if !c.ok {
			failed++
		}
		if c.latency > slowest {
			slowest = c.latency
		}
	}
	var parts []string
	if len(statuses) > 0 {
		parts = append(parts, statusHistogram(statuses))
	}
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		parts = append(parts, fmt.Sprintf("%d× %s", errs[k], k))
	}
	obs = fmt.Sprintf("%d of %d ok: %s", len(cs)-failed, len(cs), strings.Join(parts, ", "))
	if len(lat) > 0 {
		obs += fmt.Sprintf("; p50 %s, max %s", kind.Elapsed(percentile(lat, 50)), kind.Elapsed(percentile(lat, 100)))
	}
	if firstErr != "" {
		obs += "; " + firstErr
	}
	return obs, failed, slowest
}

// failureWords says how a call failed: "503 ×2" or "no-response".
func failureWords(cs []call) string {
	counts := map[string]int{}
	for _, c := range cs {
		if c.ok {
			continue
		}
		if c.err != nil {
			counts[c.failure.Kind]++
		} else {
			counts[fmt.Sprint(c.status)]++
		}
	}
	keys := slices.Sorted(maps.Keys(counts))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k
		if counts[k] > 1 {
			parts[i] = fmt.Sprintf("%s ×%d", k, counts[k])
		}
	}
	return strings.Join(parts, ", ")
}

// percentile is the nearest-rank percentile: the smallest latency at or below which p percent
// of the answers fall.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(s) {
		rank = len(s)
	}
	return s[rank-1]
}

func percent(f float64) string {
	s := fmt.Sprintf("%.1f", f*100)
	s = strings.TrimSuffix(s, ".0")
	return s + "%"
}
