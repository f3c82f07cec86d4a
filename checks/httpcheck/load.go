package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/watch"
)

// Ceilings of a load test. The defaults hold unless max_requests and max_rate raise them, which
// they may only up to the hard ceilings.
const (
	defaultMaxRequests = 100_000
	hardMaxRequests    = 1_000_000
	defaultMaxRate     = 5_000
	hardMaxRate        = 50_000
	maxLoadTargets     = 100
	maxTargetWeight    = 1000
	maxInFlightCeiling = 10_000
	// timeoutMargin is what the check's timeout must leave beyond the load's own phases: opening
	// the watchers, the last samples, the report.
	timeoutMargin = 10 * time.Second
)

// Load is an open-model load test: arrivals at a fixed rate whatever the server does, latency
// from each arrival's intended send time, and a watch on the resources that leak under load.
type Load struct {
	AllowLoad          bool              `yaml:"allow_load" doc:"Must be true: the check sends real traffic at scale and refuses to run without it."`
	Targets            []LoadTarget      `yaml:"targets" required:"true" doc:"The requests, picked round-robin (or by weight)."`
	Rate               Rate              `yaml:"rate" required:"true" doc:"Arrivals per second (200/s) or minute (12000/m); they keep coming however slow the server gets."`
	Ramp               kind.Duration     `yaml:"ramp" doc:"A linear ramp from 0 to rate before the full-rate duration."`
	Duration           kind.Duration     `yaml:"duration" required:"true" doc:"How long the load runs at full rate, after the ramp."`
	MaxInFlight        int               `yaml:"max_in_flight" doc:"A hard cap on concurrent requests: an arrival that finds this many outstanding is dropped, never queued."`
	Timeout            kind.Duration     `yaml:"timeout" doc:"Timeout of each request."`
	Thresholds         LoadThresholds    `yaml:"thresholds" doc:"What the load must stay within: p95 and p99 (durations), error_rate and dropped (percentages), statuses (the codes that count as errors)."`
	Watch              LoadWatch         `yaml:"watch" doc:"Resources sampled every second before, during and after the load: postgres, mysql and redis (lists of DSNs and URLs), metrics (a list of {url, name, labels, headers})."`
	Baseline           kind.Duration     `yaml:"baseline" doc:"How long watched values are sampled before the load starts (only when something is watched)."`
	Settle             kind.Duration     `yaml:"settle" doc:"After the load, watched values must come back to baseline within this (only when something is watched)."`
	MaxGrowth          map[string]Growth `yaml:"max_growth" doc:"How far a watched value may stay above its baseline after settle, by key: connections (every database), redis_memory, or a watched metric's name. Defaults: connections 5, redis_memory 20%, any metric 20%."`
	MaxRequests        int               `yaml:"max_requests" doc:"Raise the ceiling of rate × (ramp/2 + duration) from 100000 (up to 1000000)."`
	MaxRate            Rate              `yaml:"max_rate" doc:"Raise the ceiling of rate from 5000/s (up to 50000/s)."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`

	schedule []int
}

// LoadTarget is one request of a load test.
type LoadTarget struct {
	Name    string            `yaml:"name" doc:"What the request is, for the report (default: method and path)."`
	Method  string            `yaml:"method" doc:"The HTTP method (default GET)."`
	URL     string            `yaml:"url" required:"true" doc:"The URL to request."`
	Headers map[string]string `yaml:"headers" doc:"Request headers (the User-Agent is always launchgate/<version>)."`
	Body    Body              `yaml:"body" doc:"The request body: a string, or a mapping sent as JSON."`
	JSON    LoadJSON          `yaml:"json" doc:"A body written as YAML and sent as JSON, with Content-Type application/json."`
	Weight  int               `yaml:"weight" doc:"How often this request is picked relative to the others (default 1)."`

	body Body
}

// LoadThresholds are what the load must stay within.
type LoadThresholds struct {
	P95       kind.Duration `yaml:"p95" doc:"Fail when the 95th percentile latency is above this."`
	P99       kind.Duration `yaml:"p99" doc:"Fail when the 99th percentile latency is above this."`
	ErrorRate Fraction      `yaml:"error_rate" doc:"The share of requests that may fail: transport errors and the statuses below."`
	Dropped   Fraction      `yaml:"dropped" doc:"The share of arrivals that may be dropped because max_in_flight requests were outstanding."`
	Statuses  StatusRanges  `yaml:"statuses" doc:"Statuses that count as errors besides transport failures."`
}

// String is the defaults as `launchgate explain` shows them.
func (t LoadThresholds) String() string {
	parts := []string{}
	if t.P95 > 0 {
		parts = append(parts, "p95 "+t.P95.String())
	}
	if t.P99 > 0 {
		parts = append(parts, "p99 "+t.P99.String())
	}
	parts = append(parts, "error_rate "+t.ErrorRate.String(), "dropped "+t.Dropped.String(), "statuses "+t.Statuses.String())
	return strings.Join(parts, ", ")
}

// LoadWatch lists the resources to watch.
type LoadWatch struct {
	Postgres []string      `yaml:"postgres" doc:"PostgreSQL DSNs: client backends, as postgres.connections counts them."`
	MySQL    []string      `yaml:"mysql" doc:"MySQL DSNs: Threads_connected."`
	Redis    []string      `yaml:"redis" doc:"Redis URLs: connected_clients and used_memory."`
	Metrics  []WatchMetric `yaml:"metrics" doc:"Prometheus text endpoints: any gauge by name and labels."`
}

// WatchMetric is one series of a Prometheus text endpoint.
type WatchMetric struct {
	URL     string            `yaml:"url" required:"true" doc:"The metrics endpoint, e.g. ${APP_URL}/metrics."`
	Name    string            `yaml:"name" required:"true" doc:"The metric, e.g. process_resident_memory_bytes."`
	Labels  map[string]string `yaml:"labels" doc:"Labels that pick one series when the metric has several."`
	Headers map[string]string `yaml:"headers" doc:"Headers sent with every scrape, e.g. an Authorization."`
}

func init() {
	kind.Register(kind.Kind{
		Name:    "http.load",
		Summary: "The service holds a spike of traffic: latency, errors, and no connections or memory leaked under load.",
		Title:   "Service holds the launch spike",
		New: func() kind.Check {
			return &Load{
				MaxInFlight: 1000,
				Timeout:     kind.Duration(10 * time.Second),
				Baseline:    kind.Duration(5 * time.Second),
				Settle:      kind.Duration(15 * time.Second),
				Thresholds: LoadThresholds{ErrorRate: 0.01, Dropped: 0.001,
					Statuses: StatusRanges{{500, 599}}},
			}
		},
		ExampleTimeout: "3m",
		Example: `allow_load: true
targets:
  - {method: GET, url: "${APP_URL}/api/feed"}
  - {method: POST, url: "${APP_URL}/api/search", json: {q: shoes}, weight: 2}
rate: 200/s
ramp: 10s
duration: 60s
thresholds:
  p95: 300ms
  p99: 1s
  error_rate: 1%
  dropped: 0.1%
watch:
  postgres: ["${DATABASE_URL}"]
  metrics:
    - {url: "${APP_URL}/metrics", name: process_resident_memory_bytes}
max_growth: {connections: 5, process_resident_memory_bytes: 20%}`,
	})
}

// Title says how hard and where.
func (l *Load) Title() string {
	hosts := l.hosts()
	if len(hosts) == 0 || l.Rate <= 0 {
		return "Service holds the launch spike"
	}
	return fmt.Sprintf("Load of %s on %s", l.Rate, strings.Join(hosts, ", "))
}

// hosts names the targets' hosts, in order, once each.
func (l *Load) hosts() []string {
	var out []string
	for _, t := range l.Targets {
		if u, err := url.Parse(t.URL); err == nil && u.Host != "" && !slices.Contains(out, u.Host) {
			out = append(out, u.Host)
		}
	}
	return out
}

// Effects: a load test, which writes when any of its requests may.
func (l *Load) Effects() kind.Effects {
	e := kind.Effects{SendsTraffic: true, Load: true}
	for _, t := range l.Targets {
		e.Writes = e.Writes || !probe.Reads(t.Method)
	}
	return e
}

// watching reports whether anything is watched: baseline and settle exist only then.
func (w LoadWatch) watching() bool {
	return len(w.Postgres)+len(w.MySQL)+len(w.Redis)+len(w.Metrics) > 0
}

// phases are the load's own durations, with the baseline and settle that apply.
func (l *Load) phases() (baseline, settle time.Duration) {
	if !l.Watch.watching() {
		return 0, 0
	}
	return l.Baseline.D(), l.Settle.D()
}

// MinTimeout is how long the check runs at most, plus a margin: the baseline, the ramp, the
// duration, then the settle or the last requests' timeout, whichever is longer.
func (l *Load) MinTimeout() (time.Duration, string) {
	baseline, settle := l.phases()
	tail, tailWhy := settle, "settle "+kind.FormatDuration(settle)
	if l.Timeout.D() > settle {
		tail, tailWhy = l.Timeout.D(), "request timeout "+l.Timeout.String()
	}
	var parts []string
	if baseline > 0 {
		parts = append(parts, "baseline "+kind.FormatDuration(baseline))
	}
	if l.Ramp > 0 {
		parts = append(parts, "ramp "+l.Ramp.String())
	}
	parts = append(parts, "duration "+l.Duration.String(), tailWhy, kind.FormatDuration(timeoutMargin))
	return baseline + l.Ramp.D() + l.Duration.D() + tail + timeoutMargin, strings.Join(parts, " + ")
}

// requests is how many arrivals the load has: the ramp's, which average half the rate, and
// the full-rate duration's.
func (l *Load) requests() int64 {
	return int64(math.Floor(l.Rate.PerSecond() * (l.Ramp.D().Seconds()/2 + l.Duration.D().Seconds())))
}

// Validate checks every parameter and the ceilings.
func (l *Load) Validate() error {
	var errs []error
	if !l.AllowLoad {
		what := "real traffic at scale"
		if n := l.requests(); n > 0 && len(l.hosts()) > 0 {
			what = fmt.Sprintf("about %d requests to %s", n, redact.String(strings.Join(l.hosts(), ", ")))
		}
		errs = append(errs, kind.BadParam("allow_load", "must be true: this check sends %s; set allow_load: true to confirm", what))
	}
	errs = append(errs, l.validateTargets()...)
	errs = append(errs, l.validateCeilings()...)
	if l.MaxInFlight < 1 || l.MaxInFlight > maxInFlightCeiling {
		errs = append(errs, kind.BadParam("max_in_flight", "must be between 1 and %d, got %d", maxInFlightCeiling, l.MaxInFlight))
	}
	if l.Timeout <= 0 {
		errs = append(errs, kind.BadParam("timeout", "must be positive"))
	}
	if l.Thresholds.P95 < 0 || l.Thresholds.P99 < 0 {
		errs = append(errs, kind.BadParam("thresholds", "latency limits must not be negative"))
	}
	if len(l.Thresholds.Statuses) == 0 {
		l.Thresholds.Statuses = StatusRanges{{500, 599}}
	}
	errs = append(errs, l.validateWatch()...)
	return errors.Join(errs...)
}

func (l *Load) validateTargets() []error {
	var errs []error
	if len(l.Targets) == 0 {
		errs = append(errs, kind.BadParam("targets", "list at least one request"))
	}
	if len(l.Targets) > maxLoadTargets {
		errs = append(errs, kind.BadParam("targets", "at most %d requests, got %d", maxLoadTargets, len(l.Targets)))
	}
	names := requestNames{}
	for i := range l.Targets {
		t := &l.Targets[i]
		where := fmt.Sprintf("request %d", i+1)
		errs = append(errs, checkRequest("targets", where, t.URL, &t.Method, t.Headers)...)
		switch {
		case t.Body != "" && t.JSON != "":
			errs = append(errs, kind.BadParam("targets", "%s: give body or json, not both", where))
		case t.JSON != "":
			t.body = Body(t.JSON)
			if t.Headers["Content-Type"] == "" {
				t.Headers = withHeader(t.Headers, "Content-Type", "application/json")
			}
		default:
			t.body = t.Body
		}
		if t.Weight == 0 {
			t.Weight = 1
		}
		if t.Weight < 1 || t.Weight > maxTargetWeight {
			errs = append(errs, kind.BadParam("targets", "%s: weight must be between 1 and %d, got %d", where, maxTargetWeight, t.Weight))
		}
		names.give(&t.Name, t.Method, t.URL)
	}
	if len(errs) == 0 {
		l.schedule = weightedOrder(l.Targets)
	}
	return errs
}

// withHeader returns h with k set, copying it so that a shared map is not changed.
func withHeader(h map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(h)+1)
	for hk, hv := range h {
		out[hk] = hv
	}
	out[k] = v
	return out
}

// weightedOrder is one cycle of smooth weighted round-robin (nginx's): with weights 1 and 2 it
// is [1 0 1], so that a heavier request is spread through the cycle, not sent in runs.
func weightedOrder(ts []LoadTarget) []int {
	total := 0
	for _, t := range ts {
		total += t.Weight
	}
	current := make([]int, len(ts))
	order := make([]int, 0, total)
	for range total {
		best := 0
		for i, t := range ts {
			current[i] += t.Weight
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		order = append(order, best)
	}
	return order
}

func (l *Load) validateCeilings() []error {
	var errs []error
	if l.Rate <= 0 {
		errs = append(errs, kind.BadParam("rate", "must be more than 0/s"))
	}
	if l.Duration <= 0 {
		errs = append(errs, kind.BadParam("duration", "must be positive"))
	}
	if l.MaxRequests < 0 || l.MaxRequests > hardMaxRequests {
		errs = append(errs, kind.BadParam("max_requests", "must be between 1 and %d, got %d", hardMaxRequests, l.MaxRequests))
	}
	if l.MaxRate > hardMaxRate {
		errs = append(errs, kind.BadParam("max_rate", "must be at most %d/s, got %s", hardMaxRate, l.MaxRate))
	}
	// A ceiling that is itself wrong is reported once, not again as the load's.
	maxRate, maxReqs := Rate(defaultMaxRate), int64(defaultMaxRequests)
	if l.MaxRate > 0 {
		maxRate = min(l.MaxRate, hardMaxRate+1)
	}
	if l.MaxRequests > 0 {
		maxReqs = min(int64(l.MaxRequests), hardMaxRequests+1)
	}
	if l.Rate > maxRate && maxRate <= hardMaxRate {
		errs = append(errs, kind.BadParam("rate", "%s is over the ceiling of %s: raise it with max_rate (at most %d/s)", l.Rate, maxRate, hardMaxRate))
	}
	if n := l.requests(); l.Rate > 0 && l.Duration > 0 && n > maxReqs && maxReqs <= hardMaxRequests {
		errs = append(errs, kind.BadParam("duration", "%s × (ramp %s/2 + duration %s) is %d requests, over the ceiling of %d: shorten the load, or raise the ceiling with max_requests (at most %d)",
			l.Rate, l.Ramp, l.Duration, n, maxReqs, hardMaxRequests))
	}
	return errs
}

func (l *Load) validateWatch() []error {
	var errs []error
	check := func(s watch.Spec, what string, i int) {
		if err := watch.Check(s); err != nil {
			errs = append(errs, kind.BadParam("watch", "%s[%d]: %v", what, i, err))
		}
	}
	for _, spec := range l.watchSpecs() {
		check(spec.Spec, string(spec.Kind), spec.index)
	}
	keys := map[string]bool{watch.KeyConnections: true, watch.KeyRedisMemory: true}
	for _, m := range l.Watch.Metrics {
		keys[m.Name] = true
	}
	for _, k := range slices.Sorted(maps.Keys(l.MaxGrowth)) {
		g := l.MaxGrowth[k]
		if !keys[k] {
			hint := ""
			if s := kind.Suggest(k, slices.Sorted(maps.Keys(keys))); s != "" {
				hint = fmt.Sprintf(" (did you mean %s?)", s)
			}
			errs = append(errs, kind.BadParam("max_growth", "unknown key %q%s: use connections, redis_memory or the name of a watched metric", k, hint))
		}
		if g.Amount < 0 || g.Percent < 0 {
			errs = append(errs, kind.BadParam("max_growth", "%s must not be negative", k))
		}
	}
	return errs
}

// indexedSpec is a watch spec and its place in its list, for messages.
type indexedSpec struct {
	watch.Spec
	index int
}

func (l *Load) watchSpecs() []indexedSpec {
	var out []indexedSpec
	for i, d := range l.Watch.Postgres {
		out = append(out, indexedSpec{watch.Spec{Kind: watch.Postgres, Target: d}, i})
	}
	for i, d := range l.Watch.MySQL {
		out = append(out, indexedSpec{watch.Spec{Kind: watch.MySQL, Target: d}, i})
	}
	for i, d := range l.Watch.Redis {
		out = append(out, indexedSpec{watch.Spec{Kind: watch.Redis, Target: d}, i})
	}
	for i, m := range l.Watch.Metrics {
		out = append(out, indexedSpec{watch.Spec{Kind: watch.Metrics, Target: m.URL, Name: m.Name, Labels: m.Labels,
			Headers: m.Headers, InsecureSkipVerify: l.InsecureSkipVerify}, i})
	}
	return out
}

// growthFor is the growth allowed to a watched series after settle.
func (l *Load) growthFor(s watch.Series) Growth {
	if g, ok := l.MaxGrowth[s.Key]; ok {
		return g
	}
	if s.Key == watch.KeyConnections {
		return Growth{Amount: 5}
	}
	return Growth{Percent: 20, IsPercent: true}
}

// notice is the line printed before traffic goes to a host that is not this machine.
func (l *Load) notice(ctx context.Context, env *kind.Env) string {
	var remote []string
	for _, h := range l.hosts() {
		if !loopbackHost(ctx, env, h) {
			remote = append(remote, h)
		}
	}
	if len(remote) == 0 {
		return ""
	}
	shape := fmt.Sprintf("%s for %s", l.Rate, l.Duration)
	if l.Ramp > 0 {
		shape = fmt.Sprintf("ramp %s to %s, then %s", l.Ramp, l.Rate, shape)
	}
	return fmt.Sprintf("launchgate: http.load will send about %d requests to %s (%s)\n",
		l.requests(), redact.String(strings.Join(remote, ", ")), shape)
}

// loopbackHost reports whether every address of host is a loopback address.
func loopbackHost(ctx context.Context, env *kind.Env, hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback()
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	if env.Resolver == nil {
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	addrs, err := env.Resolver.LookupIPAddr(rctx, host)
	if err != nil || len(addrs) == 0 {
		return false
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return false
		}
	}
	return true
}
