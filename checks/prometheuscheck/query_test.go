package prometheuscheck

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// burstCounters serves http_requests_total for a service that answers 100 requests a second and
// fails all of them for burst out of every period: "503 for one second, every hour", with the
// hour made a few seconds so that the test runs in seconds. The counters are a function of the
// time, so every scrape sees what the service would have counted.
func burstCounters(start time.Time, period, burst time.Duration) func() string {
	return func() string {
		elapsed := time.Since(start)
		cycles := elapsed / period
		failing := cycles*burst + min(elapsed%period, burst)
		total := 100 * elapsed.Seconds()
		errors := 100 * failing.Seconds()
		return fmt.Sprintf("# TYPE http_requests_total counter\n"+
			"http_requests_total{code=\"200\"} %f\nhttp_requests_total{code=\"503\"} %f\n", total-errors, errors)
	}
}

const errorRatio = `sum(rate(http_requests_total{job="web",code=~"5.."}[2s])) / sum(rate(http_requests_total{job="web"}[2s]))`

// TestQueryFindsTheHourlySpike: a one-shot probe sees a healthy service; the window shows a
// spike every period, and the check names the times and the rhythm.
func TestQueryFindsTheHourlySpike(t *testing.T) {
	t.Parallel()
	const period = 4 * time.Second
	web := serveMetrics(t, burstCounters(time.Now(), period, time.Second))
	base := startPrometheus(t, promSetup{jobs: map[string][]string{"web": {web.addr}}})
	waitHealth(t, base, "up", "web "+web.addr)

	query := func(q string) *Query {
		c := &Query{Query: q}
		c.URL = base
		return c
	}
	limit := func(v float64) *float64 { return &v }

	// Three periods of history make three spikes and show their rhythm.
	window := query(errorRatio)
	window.Over, window.Step, window.Max, window.Unit = kind.Duration(3*period+2*time.Second), kind.Duration(time.Second), limit(0.01), UnitRatio
	var r kind.Result
	eventually(t, "three spikes in the window", func() (bool, string) {
		r = run(t, window)
		return strings.Contains(r.Summary, "recurring about every 4s"), golden.Result(r)
	})
	t.Logf("the spike:\n%s", golden.Result(r))
	if r.Status != kind.Fail || !strings.Contains(r.Summary, "peaked at ") || !strings.Contains(r.Summary, "above the 1% limit") ||
		!regexpTimes.MatchString(r.Summary) {
		t.Errorf("want the peak, its times and the limit:\n%s", golden.Result(r))
	}

	// The default step is the scrape interval, read from Prometheus.
	window.Step = 0
	if r := run(t, window); r.Status != kind.Fail || !strings.Contains(golden.Result(r), "(step 1s, the scrape interval)") {
		t.Errorf("default step:\n%s", golden.Result(r))
	}

	traffic := query(`sum(rate(http_requests_total{job="web"}[5s]))`)
	traffic.Min = limit(50)
	if r := run(t, traffic); r.Status != kind.Pass || !regexp.MustCompile(`^value \d+(\.\d+)? now, within ≥ 50$`).MatchString(r.Summary) {
		t.Errorf("instant query:\n%s", golden.Result(r))
	}

	counted := query(errorRatio + " > 0.1")
	counted.Over, counted.Aggregate, counted.Max = kind.Duration(2*period), "count_over", limit(0)
	if r := run(t, counted); r.Status != kind.Fail || !strings.Contains(r.Summary, "steps had a value") {
		t.Errorf("count_over of the spikes:\n%s", golden.Result(r))
	}
	never := query(errorRatio + " > 2")
	never.Over, never.Aggregate, never.Max = kind.Duration(2*period), "count_over", limit(0)
	if r := run(t, never); r.Status != kind.Pass {
		t.Errorf("count_over of a filter that keeps nothing is 0:\n%s", golden.Result(r))
	}
	filtered := query(errorRatio + " > 2")
	filtered.Over, filtered.Max = kind.Duration(2*period), limit(0)
	if r := run(t, filtered); r.Status != kind.Error || !strings.Contains(r.Summary, "a filter in it") {
		t.Errorf("max of a filter that keeps nothing:\n%s", golden.Result(r))
	}

	missing := query(`sum(rate(checkout_errors_total[1m]))`)
	missing.Max = limit(1)
	if r := run(t, missing); r.Status != kind.Error || !strings.Contains(r.Summary, "no data: checkout_errors_total has no series in the last 5m: is the metric scraped?") {
		t.Errorf("no data:\n%s", golden.Result(r))
	}
	teapot := query(`sum(rate(http_requests_total{code="418"}[1m]))`)
	teapot.Over, teapot.Max = kind.Duration(5*time.Second), limit(1)
	if r := run(t, teapot); r.Status != kind.Error || !strings.Contains(r.Summary, `though http_requests_total does`) || !strings.Contains(r.Remedy, "or vector(0)") {
		t.Errorf("no data for one label value:\n%s", golden.Result(r))
	}
	nan := query(`sum(rate(http_requests_total{job="web",code="503"}[2s])) / 0`)
	nan.Max = limit(1)
	if r := run(t, nan); r.Status == kind.Pass {
		t.Errorf("x/0 passed:\n%s", golden.Result(r))
	}
	undefined := query(`vector(0) / vector(0)`)
	undefined.Max = limit(1)
	if r := run(t, undefined); r.Status != kind.Error || !strings.Contains(r.Summary, "NaN") {
		t.Errorf("0/0:\n%s", golden.Result(r))
	}
	bad := query(`sum(rate(http_requests_total[1m]))`)
	bad.URL += "/nope"
	bad.Max = limit(1)
	if r := run(t, bad); r.Status != kind.Error || !strings.Contains(r.Summary, "no Prometheus API at") {
		t.Errorf("wrong base URL:\n%s", golden.Result(r))
	}
}

var regexpTimes = regexp.MustCompile(`at \d\d:\d\d:\d\d, \d\d:\d\d:\d\d`)

func TestEpisodesAndRhythm(t *testing.T) {
	at := func(s float64) model.Time { return model.TimeFromUnixNano(int64(s * float64(time.Second))) }
	pts := func(pairs ...float64) []model.SamplePair {
		var out []model.SamplePair
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, model.SamplePair{Timestamp: at(pairs[i]), Value: model.SampleValue(pairs[i+1])})
		}
		return out
	}
	hourly := pts(3600, 0.5, 3601, 1, 3602, 0.2, 7201, 0.9, 10800, 0.7, 10801, 0.6)
	eps := episodes(hourly, 15*time.Second, true)
	if len(eps) != 3 || eps[0].peak != 1 || !eps[0].peakAt.Equal(at(3601).Time()) || eps[1].peak != 0.9 {
		t.Fatalf("episodes %+v", eps)
	}
	if p, ok := period(eps, 15*time.Second); !ok || describePeriod(p) != "recurring every hour" {
		t.Errorf("period %s %v", p, ok)
	}
	if got := episodeTimes(eps, time.Hour); got != "01:00:01, 02:00:01 and 03:00:00 UTC" {
		t.Errorf("times %q", got)
	}
	uneven := episodes(pts(0, 1, 100, 1, 1000, 1), time.Second, true)
	if _, ok := period(uneven, time.Second); ok {
		t.Error("uneven episodes have no period")
	}
	low := episodes(pts(0, 5, 1, 2, 2, 3), time.Second, false)
	if len(low) != 1 || low[0].peak != 2 {
		t.Errorf("a min limit's worst point is the lowest: %+v", low)
	}
	if got := describePeriod(25*time.Minute + 20*time.Second); got != "recurring about every 25m" {
		t.Errorf("describePeriod %q", got)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		unit Unit
		v    float64
		want string
	}{
		{UnitRatio, 1, "100%"},
		{UnitRatio, 0.01, "1%"},
		{UnitRatio, 0.123456, "12.35%"},
		{UnitRatio, 0.99999, "99.999%"},
		{UnitRatio, 0.0000001, "<0.001%"},
		{UnitRatio, 0, "0%"},
		{UnitRatio, 1.5, "150%"},
		{UnitPercent, 12.5, "12.5%"},
		{UnitSeconds, 0.2, "200ms"},
		{UnitSeconds, 90, "1m30s"},
		{UnitBytes, 3 << 20, "3MiB"},
		{UnitBytes, 1536, "1.5KiB"},
		{UnitNone, 0.000123, "0.000123"},
		{UnitNone, 123456.789, "123500"},
		{UnitNone, 42, "42"},
		{UnitNone, 1e20, "1e+20"},
		{UnitRatio, math.NaN(), "NaN"},
		{UnitNone, math.Inf(1), "+Inf"},
	} {
		if got := c.unit.format(c.v); got != c.want {
			t.Errorf("%q.format(%v) = %q, want %q", c.unit, c.v, got, c.want)
		}
	}
}

// TestJudgeBound pins the result for fixed series: one spiking hourly, one fine, one NaN.
func TestJudgeBound(t *testing.T) {
	at := func(h, m, s int) model.Time {
		return model.TimeFromUnixNano(time.Date(2026, 11, 23, h, m, s, 0, time.UTC).UnixNano())
	}
	vec := model.Vector{
		sample(map[string]string{"service": "search"}, 0.002),
		sample(map[string]string{"service": "checkout"}, 1),
		sample(map[string]string{"service": "idle"}, math.NaN()),
	}
	peaks := map[string][]episode{
		seriesKey(vec[1].Metric): episodes([]model.SamplePair{
			{Timestamp: at(14, 0, 1), Value: 1}, {Timestamp: at(15, 0, 0), Value: 0.8}, {Timestamp: at(16, 0, 2), Value: 1},
		}, 15*time.Second, true),
	}
	var j kind.Judgement
	w := window{over: 24 * time.Hour, step: 15 * time.Second, stepWhy: "the scrape interval"}
	judgeBound(&j, w, bound{above: true, limit: 0.01, agg: "max"}, UnitRatio, vec, peaks)
	r := j.Result()
	golden.Check(t, "query_hourly.golden", []byte(golden.Result(r)))
}
