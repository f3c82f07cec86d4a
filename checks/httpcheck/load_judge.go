package httpcheck

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/watch"
)

// Levels of the verdict.
const (
	// connWarn is the share of a connection limit that warns under load; the limit fails.
	connWarn = 0.8
	// leakTrend is the share of the one-second intervals of the second half of the load in
	// which a memory series must rise to be called a probable leak.
	leakTrend = 0.8
	// minTrendIntervals is how many intervals the trend rule needs to say anything.
	minTrendIntervals = 3
	// lagWarn is how late the generator may dispatch arrivals (99th percentile) before its
	// own delay is worth a warning: it is part of every latency measured.
	lagWarn = 10 * time.Millisecond
)

// judge reads the run as a list of rules, one evidence line each.
func (r *loadRun) judge(env *kind.Env) kind.Result {
	var j kind.Judgement
	m := r.meter
	r.ruleTraffic(&j, env)
	if r.interrupted {
		j.Problem(kind.Error, fmt.Sprintf("interrupted after %s of the %s load: the figures are what was measured until then",
			kind.Elapsed(max(r.loadEnd.Sub(r.loadStart), 0)), kind.FormatDuration(r.plan.length())), "run the load again and let it finish")
	}
	if m.sent > 0 && m.answered == 0 && m.failed > 0 {
		f := r.commonestFailure()
		j.Add(kind.Line{Label: "responses", Observed: "none: " + f.Kind, Expected: "answers", Status: kind.Error,
			Problem: "no request got an answer, so the load says nothing about the service: " + f.Summary, Remedy: f.Remedy})
		r.ruleTransport(&j)
		res := j.Result()
		res.Series = r.series()
		return res
	}
	r.ruleRate(&j)
	r.ruleLatency(&j)
	r.rulePercentile(&j, "p95", 95, r.l.Thresholds.P95)
	r.rulePercentile(&j, "p99", 99, r.l.Thresholds.P99)
	r.ruleErrorRate(&j)
	r.ruleDropped(&j)
	r.ruleStatuses(&j)
	r.ruleTransport(&j)
	r.ruleTargets(&j)
	if r.sampler != nil {
		for i := range r.sampler.Series() {
			r.ruleWatched(&j, i)
		}
	}
	r.ruleGenerator(&j)
	r.rulePhases(&j)
	r.note(&j)
	res := j.Result()
	res.Series = r.series()
	return res
}

// note is the summary of a load that passed: the figures, and each watched value's way there
// and back.
func (r *loadRun) note(j *kind.Judgement) {
	m := r.meter
	j.Note("%d requests at %s: p95 %s, p99 %s, %s failed, %d dropped", m.sent, r.l.Rate,
		kind.Elapsed(micros(m.all.ValueAtQuantile(95))), kind.Elapsed(micros(m.all.ValueAtQuantile(99))),
		percent(ratio(m.failed, m.answered+m.transportFailures())), m.dropped)
	if r.sampler == nil {
		return
	}
	for i := range r.sampler.Series() {
		w := r.readWatched(i)
		if w.haveBase {
			f := func(v float64) string { return formatValue(v, w.s.Unit) }
			j.Note("%s %s → %s → %s", w.s.Label, f(w.base), f(max(w.peak, w.base)), f(w.after))
		}
	}
}

func (r *loadRun) ruleTraffic(j *kind.Judgement, env *kind.Env) {
	m := r.meter
	hosts := strings.Join(r.l.hosts(), ", ")
	obs := fmt.Sprintf("%s sent to %s (%s), User-Agent %s", kind.Count(int(m.sent), "request", "requests"), hosts,
		kind.Count(len(r.l.Targets), "target", "targets"), env.UserAgent())
	shape := fmt.Sprintf("%s for %s", r.l.Rate, r.l.Duration)
	if r.l.Ramp > 0 {
		shape = fmt.Sprintf("ramp %s to %s, then %s", r.l.Ramp, r.l.Rate, shape)
	}
	j.Observe("traffic", obs, fmt.Sprintf("%d arrivals: %s", r.plan.total, shape))
}

// ruleRate compares the rate achieved at full rate (requests that ended per second) with the
// rate requested.
func (r *loadRun) ruleRate(j *kind.Judgement) {
	m := r.meter
	end := m.fullTo
	if r.interrupted && r.loadEnd.Before(end) {
		end = r.loadEnd
	}
	window := end.Sub(m.fullFrom)
	if window < time.Second {
		j.Observe("rate", "the load ended before a second at full rate", r.l.Rate.String())
		return
	}
	achieved := float64(m.fullDone) / window.Seconds()
	j.Observe("rate", fmt.Sprintf("%s achieved at full rate (requests completed per second)", Rate(achieved)), r.l.Rate.String())
}

// ruleGenerator says how late the generator itself dispatched arrivals: that delay is part of
// every latency it measured, so a machine too busy to keep time warns.
func (r *loadRun) ruleGenerator(j *kind.Judgement) {
	lagP99 := micros(r.meter.lag.ValueAtQuantile(99))
	line := kind.Line{Label: "generator", Observed: fmt.Sprintf("dispatch lag p99 %s, max %s", kind.Elapsed(lagP99), kind.Elapsed(micros(r.meter.lag.Max()))),
		Expected: "p99 ≤ " + kind.Elapsed(lagWarn), Status: kind.Pass}
	if lagP99 > lagWarn {
		line.Status = kind.Warn
		line.Problem = fmt.Sprintf("the generator dispatched 1%% of arrivals more than %s late: launchgate's machine is too busy for %s, and its delay is counted in the latencies",
			kind.Elapsed(lagP99), r.l.Rate)
		line.Remedy = "run the load from a machine with CPU to spare, or lower the rate"
	}
	j.Add(line)
}

func (r *loadRun) ruleLatency(j *kind.Judgement) {
	m := r.meter
	if m.answered == 0 {
		j.Observe("latency", "no answers", "")
		return
	}
	q := func(p float64) string { return kind.Elapsed(micros(m.all.ValueAtQuantile(p))) }
	j.Observe("latency", fmt.Sprintf("p50 %s · p90 %s · p95 %s · p99 %s · max %s over %s, each from its intended send time",
		q(50), q(90), q(95), q(99), kind.Elapsed(m.slowest), kind.Count(int(m.answered), "answer", "answers")), "")
}

func (r *loadRun) rulePercentile(j *kind.Judgement, label string, p float64, limit kind.Duration) {
	m := r.meter
	if limit <= 0 || m.answered == 0 {
		return
	}
	got := micros(m.all.ValueAtQuantile(p))
	j.Add(heldTo(kind.Line{Label: label, Observed: kind.Elapsed(got),
		Problem: fmt.Sprintf("%s latency %s under %s, over %s", label, kind.Elapsed(got), r.l.Rate, limit),
		Remedy:  "find where requests wait under load (pool sizes, locks, slow queries, a dependency): the per-target lines say which requests are slow"},
		got, "≤ ", limit))
}

func (r *loadRun) ruleErrorRate(j *kind.Judgement) {
	m := r.meter
	done := m.answered + m.transportFailures()
	rate := ratio(m.failed, done)
	obs := fmt.Sprintf("%s (%d of %d)", percent(rate), m.failed, done)
	if words := r.failureWords(); words != "" {
		obs += ": " + words
	}
	limit := float64(r.l.Thresholds.ErrorRate)
	line := kind.Line{Label: "error rate", Observed: obs,
		Expected: fmt.Sprintf("≤ %s (transport failures and %s)", percent(limit), r.l.Thresholds.Statuses), Status: kind.Pass}
	if rate > limit {
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("%s of requests failed under %s (allowed %s): %s", percent(rate), r.l.Rate, percent(limit), r.failureWords())
		line.Remedy = "read the service's logs for the failing requests at the time of the load: errors that only appear under load come from exhausted pools, timeouts to dependencies and limits"
	}
	j.Add(line)
}

// transportFailures counts the requests that got no answer.
func (m *meter) transportFailures() int64 {
	var n int64
	for _, k := range m.errKinds {
		n += k.n
	}
	return n
}

func (r *loadRun) ruleDropped(j *kind.Judgement) {
	m := r.meter
	arrivals := m.sent + m.dropped
	rate := ratio(m.dropped, arrivals)
	limit := float64(r.l.Thresholds.Dropped)
	obs := fmt.Sprintf("%s (%d of %d arrivals); at most %d in flight of max_in_flight %d", percent(rate), m.dropped, arrivals, m.peak, r.l.MaxInFlight)
	line := kind.Line{Label: "dropped", Observed: obs, Expected: "≤ " + percent(limit), Status: kind.Pass}
	if rate > limit {
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("%d arrivals dropped: %d requests were outstanding at once, so the service answered slower than they arrived", m.dropped, r.l.MaxInFlight)
		line.Remedy = "the service cannot keep up with this rate: find what it waits on under load, or add capacity; raise max_in_flight only if real clients would wait longer"
	}
	j.Add(line)
}

func (r *loadRun) ruleStatuses(j *kind.Judgement) {
	m := r.meter
	if len(m.statuses) == 0 {
		return
	}
	hist := map[int]int{}
	for c, n := range m.statuses {
		hist[c] = int(n)
	}
	j.Observe("statuses", statusHistogram(hist), "")
}

// ruleTransport lists the transport failures by kind, each with the first one's words: refused,
// reset, timeout, and servers that accepted connections but sent no response.
func (r *loadRun) ruleTransport(j *kind.Judgement) {
	m := r.meter
	if len(m.errKinds) == 0 {
		return
	}
	var parts []string
	for _, k := range r.failureKinds() {
		e := m.errKinds[k]
		parts = append(parts, fmt.Sprintf("%d× %s: %s", e.n, k, e.example.Summary))
	}
	j.Observe("transport failures", strings.Join(parts, "\n"), "")
}

// failureKinds are the kinds of transport failure, commonest first.
func (r *loadRun) failureKinds() []string {
	m := r.meter
	ks := slices.Sorted(maps.Keys(m.errKinds))
	slices.SortStableFunc(ks, func(a, b string) int { return int(m.errKinds[b].n - m.errKinds[a].n) })
	return ks
}

func (r *loadRun) commonestFailure() probe.Failure {
	ks := r.failureKinds()
	if len(ks) == 0 {
		return probe.Failure{Kind: "error", Summary: "every request failed"}
	}
	return r.meter.errKinds[ks[0]].example
}

// failureWords says how requests failed: "40× 503, 16× timeout".
func (r *loadRun) failureWords() string {
	m := r.meter
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(m.statuses)) {
		if r.l.Thresholds.Statuses.Contains(c) {
			parts = append(parts, fmt.Sprintf("%d× %d", m.statuses[c], c))
		}
	}
	for _, k := range r.failureKinds() {
		parts = append(parts, fmt.Sprintf("%d× %s", m.errKinds[k].n, k))
	}
	return strings.Join(parts, ", ")
}

// ruleTargets gives each target its own figures, when there are several.
func (r *loadRun) ruleTargets(j *kind.Judgement) {
	if len(r.l.Targets) < 2 {
		return
	}
	for i, t := range r.l.Targets {
		s := r.meter.targets[i]
		obs := fmt.Sprintf("%d sent, %s failed", s.sent, percent(ratio(s.failed, s.sent)))
		if s.hist.TotalCount() > 0 {
			obs += fmt.Sprintf(", p95 %s, p99 %s", kind.Elapsed(micros(s.hist.ValueAtQuantile(95))), kind.Elapsed(micros(s.hist.ValueAtQuantile(99))))
		}
		j.Observe(t.Name, obs, fmt.Sprintf("weight %d", t.Weight))
	}
}

func (r *loadRun) rulePhases(j *kind.Judgement) {
	baseline, settle := r.l.phases()
	var parts []string
	if baseline > 0 {
		parts = append(parts, "baseline "+kind.FormatDuration(baseline))
	}
	if r.l.Ramp > 0 {
		parts = append(parts, "ramp "+r.l.Ramp.String())
	}
	parts = append(parts, r.l.Duration.String()+" at full rate")
	if r.sampler != nil {
		took := kind.Elapsed(r.end.Sub(r.loadEnd))
		switch {
		case r.interrupted:
		case r.settledEarly:
			parts = append(parts, "settled in "+took+" (every watched value back within its growth)")
		default:
			parts = append(parts, fmt.Sprintf("settle %s (waited %s)", kind.FormatDuration(settle), took))
		}
	}
	j.Observe("phases", strings.Join(parts, " · ")+fmt.Sprintf("; the load ran from second %d to %d of the series",
		r.second(r.loadStart), r.second(r.loadStart.Add(r.plan.length()))), "")
}

// series are the per-second measurements, for JSON and the terminal's sparklines.
func (r *loadRun) series() []kind.Series {
	m := r.meter
	out := []kind.Series{
		m.p95.Series("p95 latency per second", "ms"),
		m.rate.Series("requests sent per second", "requests/s"),
		m.errors.Series("failed requests per second", "requests/s"),
	}
	if r.sampler != nil {
		for i, s := range r.sampler.Series() {
			r.sampler.Read(i, func(t *watch.Timeline) { out = append(out, t.Series(s.Label, s.Unit)) })
		}
	}
	return out
}

func ratio(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// formatValue prints a watched value in its unit.
func formatValue(v float64, unit string) string {
	if math.IsNaN(v) {
		return "—"
	}
	if unit == "bytes" {
		return kind.FormatBytes(v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}
