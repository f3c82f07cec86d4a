package prometheuscheck

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"
	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// defaultStep is the step when Prometheus does not say its scrape interval.
const defaultStep = 15 * time.Second

// maxSeriesLines bounds the evidence lines of a query that returns many series.
const maxSeriesLines = 10

// aggregates maps each aggregate a checklist may name to the PromQL function that computes it
// over the points of the window.
var aggregates = map[string]string{
	"max":        "max_over_time(%s)",
	"min":        "min_over_time(%s)",
	"avg":        "avg_over_time(%s)",
	"last":       "last_over_time(%s)",
	"p99":        "quantile_over_time(0.99, %s)",
	"count_over": "count_over_time(%s)",
}

// Query checks that a PromQL expression stayed within bounds, now or at every step of a window.
type Query struct {
	Conn      `yaml:",inline"`
	Query     string        `yaml:"query" required:"true" doc:"The PromQL expression to judge, e.g. sum(rate(http_requests_total{code=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))."`
	Over      kind.Duration `yaml:"over" doc:"The window to judge, e.g. 24h: the query is evaluated at every step of it, as the subquery (query)[over:step]. Without it, the value now is judged."`
	Step      kind.Duration `yaml:"step" doc:"The resolution within over (default: Prometheus's scrape interval, 15s when it cannot be read). A coarser step can miss a short spike."`
	Aggregate string        `yaml:"aggregate" doc:"What is compared with the limits over the window: max, min, avg, last, p99 or count_over (the number of steps with a value). Default: max for the max limit, min for the min limit."`
	Max       *float64      `yaml:"max" doc:"Fail when the value is above this."`
	Min       *float64      `yaml:"min" doc:"Fail when the value is below this."`
	Unit      Unit          `yaml:"unit" doc:"How values read in the report: ratio (0.01 reads 1%), percent, seconds or bytes."`

	expr parser.Expr
}

func init() {
	kind.Register(kind.Kind{
		Name:    "prometheus.query",
		Summary: "A PromQL expression stays within bounds, now or at every step of a window (a 5xx ratio over 24h, say).",
		Title:   "Query stays within bounds",
		New:     func() kind.Check { return &Query{} },
		Example: `url: ${PROMETHEUS_URL}
query: sum(rate(http_requests_total{job="api",code=~"5.."}[1m])) / sum(rate(http_requests_total{job="api"}[1m]))
over: 24h
aggregate: max
max: 0.01
unit: ratio`,
	})
}

// Title shows the query.
func (q *Query) Title() string { return "Query " + probe.Clip(q.Query) + " stays within bounds" }

// Validate parses the query and checks that the limits and the window make sense together.
func (q *Query) Validate() error {
	errs := q.Conn.validate()
	if expr, err := promql.ParseExpr(q.Query); err != nil {
		errs = append(errs, kind.BadParam("query", "%v", err))
	} else if t := expr.Type(); t != parser.ValueTypeVector && t != parser.ValueTypeScalar {
		errs = append(errs, kind.BadParam("query", "%s is a %s; write an expression whose value is a number at each instant (rate(x[5m]), not x[5m]), and give the window as over", probe.Clip(q.Query), t))
	} else {
		q.expr = expr
	}
	errs = append(errs, q.validateLimits()...)
	if !slices.Contains(units, q.Unit) && q.Unit != UnitNone {
		errs = append(errs, kind.BadParam("unit", "unknown unit %q: use ratio, percent, seconds or bytes", q.Unit))
	}
	return errors.Join(errs...)
}

func (q *Query) validateLimits() []error {
	var errs []error
	switch {
	case q.Max == nil && q.Min == nil:
		errs = append(errs, kind.BadParam("max", "give max, min or both: a query without a limit judges nothing"))
	case q.Max != nil && q.Min != nil && *q.Min > *q.Max:
		errs = append(errs, kind.BadParam("min", "%s is above max (%s)", number(*q.Min), number(*q.Max)))
	}
	if _, ok := aggregates[q.Aggregate]; q.Aggregate != "" && !ok {
		errs = append(errs, kind.BadParam("aggregate", "unknown aggregate %q: use max, min, avg, last, p99 or count_over", q.Aggregate))
	} else if q.Aggregate != "" && q.Over == 0 {
		errs = append(errs, kind.BadParam("aggregate", "%s needs a window: set over (e.g. 24h)", q.Aggregate))
	}
	switch {
	case q.Over < 0:
		errs = append(errs, kind.BadParam("over", "must not be negative"))
	case q.Step < 0:
		errs = append(errs, kind.BadParam("step", "must be positive"))
	case q.Step > 0 && q.Over == 0:
		errs = append(errs, kind.BadParam("step", "needs a window: set over (e.g. 24h)"))
	case q.Step > q.Over:
		errs = append(errs, kind.BadParam("step", "%s is longer than over (%s)", q.Step, q.Over))
	}
	return errs
}

// bound is one limit and the aggregate it is compared with.
type bound struct {
	above bool // a max limit: values above it fail
	limit float64
	agg   string // "" for the value now
}

func (b bound) String() string {
	if b.above {
		return "≤ " + number(b.limit)
	}
	return "≥ " + number(b.limit)
}

func (b bound) breached(v float64) bool {
	if b.above {
		return v > b.limit
	}
	return v < b.limit
}

// pointwise reports whether the aggregate is broken by single points, so that the times of the
// points beyond the limit explain it (they do for max and avg, not for a count).
func (b bound) pointwise() bool { return b.agg != "count_over" && b.agg != "last" }

func (q *Query) bounds() []bound {
	var out []bound
	for _, l := range []struct {
		v     *float64
		above bool
		agg   string
	}{{q.Max, true, "max"}, {q.Min, false, "min"}} {
		if l.v == nil {
			continue
		}
		b := bound{above: l.above, limit: *l.v}
		if q.Over > 0 {
			b.agg = l.agg
			if q.Aggregate != "" {
				b.agg = q.Aggregate
			}
		}
		out = append(out, b)
	}
	return out
}

// window is where the query is evaluated: now (over 0) or every step of the last over.
type window struct {
	over, step time.Duration
	stepWhy    string
}

func (w window) subquery(q string) string {
	return fmt.Sprintf("(%s)[%s:%s]", q, promDuration(w.over), promDuration(w.step))
}

func (w window) describe() string {
	if w.over == 0 {
		return "now"
	}
	s := fmt.Sprintf("over the last %s (step %s", kind.FormatDuration(w.over), kind.FormatDuration(w.step))
	if w.stepWhy != "" {
		s += ", " + w.stepWhy
	}
	return s + ")"
}

// Run evaluates the query for each limit and judges every series it returns.
func (q *Query) Run(ctx context.Context, env *kind.Env) kind.Result {
	c, err := q.connect(ctx, env)
	if err != nil {
		return errorResult(err)
	}
	defer c.close()
	now := env.Now()
	w := window{over: q.Over.D()}
	if w.over > 0 {
		w.step, w.stepWhy = q.stepFor(ctx, c, w.over)
	}
	var j kind.Judgement
	for _, b := range q.bounds() {
		expr := q.Query
		if b.agg != "" {
			expr = fmt.Sprintf(aggregates[b.agg], w.subquery(q.Query))
		}
		vec, err := c.instant(ctx, expr, now)
		if err != nil {
			return errorResult(err)
		}
		if len(vec) == 0 {
			if r, isCount := q.noData(ctx, c, now, w, b); !isCount {
				return r
			}
			vec = model.Vector{{Metric: model.Metric{}, Value: 0}}
		}
		var peaks map[string][]episode
		if w.over > 0 && b.pointwise() && anyBreached(vec, b) {
			peaks = q.breaches(ctx, c, now, w, b, &j)
		}
		judgeBound(&j, w, b, q.Unit, vec, peaks)
	}
	return j.Result()
}

// stepFor is the step of the window: the step parameter, or Prometheus's global scrape
// interval, so that no scrape falls between two steps.
func (q *Query) stepFor(ctx context.Context, c *client, over time.Duration) (time.Duration, string) {
	if q.Step > 0 {
		return q.Step.D(), ""
	}
	var cfg struct {
		YAML string `json:"yaml"`
	}
	step, why := defaultStep, "the scrape interval is unknown"
	if err := c.api(ctx, "/api/v1/status/config", nil, &cfg); err == nil {
		var doc struct {
			Global struct {
				ScrapeInterval string `yaml:"scrape_interval"`
			} `yaml:"global"`
		}
		if yaml.Unmarshal([]byte(cfg.YAML), &doc) == nil {
			if d, err := model.ParseDuration(doc.Global.ScrapeInterval); err == nil && d > 0 {
				step, why = time.Duration(d), "the scrape interval"
			}
		}
	}
	if step > over {
		step = over
	}
	return step, why
}

func anyBreached(vec model.Vector, b bound) bool {
	for _, s := range vec {
		if b.breached(float64(s.Value)) {
			return true
		}
	}
	return false
}

// seriesKey identifies a series across queries: its labels without the metric name, which
// functions drop.
func seriesKey(m model.Metric) string {
	m = m.Clone()
	delete(m, model.MetricNameLabel)
	return m.String()
}

// breaches fetches the points beyond the limit, by series, to say when they happened. Only the
// evidence depends on them: when they cannot be had, the verdict stands and a line says why.
func (q *Query) breaches(ctx context.Context, c *client, now time.Time, w window, b bound, j *kind.Judgement) map[string][]episode {
	op := ">"
	if !b.above {
		op = "<"
	}
	expr := w.subquery(fmt.Sprintf("(%s) %s %s", q.Query, op, strconv.FormatFloat(b.limit, 'g', -1, 64)))
	m, err := c.matrix(ctx, expr, now)
	if err != nil {
		j.Add(kind.Line{Label: "times", Observed: "not known: " + err.Error(), Status: kind.Skip})
		return nil
	}
	out := map[string][]episode{}
	for _, s := range m {
		out[seriesKey(s.Metric)] = episodes(s.Values, w.step, b.above)
	}
	return out
}

// judgeBound adds a line per series, those beyond the limit first.
func judgeBound(j *kind.Judgement, w window, b bound, unit Unit, vec model.Vector, peaks map[string][]episode) {
	if b.agg == "count_over" {
		unit = UnitNone
	}
	bad := func(s *model.Sample) bool { return b.breached(float64(s.Value)) || math.IsNaN(float64(s.Value)) }
	sort.SliceStable(vec, func(a, c int) bool {
		ba, bc := bad(vec[a]), bad(vec[c])
		if ba != bc {
			return ba
		}
		return seriesKey(vec[a].Metric) < seriesKey(vec[c].Metric)
	})
	for i, s := range vec {
		if i == maxSeriesLines {
			hidden, n := vec[i:], 0
			for _, h := range hidden {
				if bad(h) {
					n++
				}
			}
			st := kind.Pass
			if n > 0 {
				st = kind.Fail
			}
			j.Add(kind.Line{Label: "more series", Observed: fmt.Sprintf("%d not shown, %d of them beyond the limit", len(hidden), n),
				Expected: b.String(), Status: st, Problem: fmt.Sprintf("%d more series beyond the limit", n)})
			return
		}
		j.Add(seriesLine(w, b, unit, s, peaks[seriesKey(s.Metric)], len(vec) > 1))
	}
	if len(vec) == 1 && !b.breached(float64(vec[0].Value)) {
		j.Note("%s %s %s, within %s", aggName(b), unit.format(float64(vec[0].Value)), w.describe(), limitText(b, unit))
	}
}

func aggName(b bound) string {
	switch b.agg {
	case "":
		return "value"
	case "count_over":
		return "steps with a value"
	}
	return b.agg
}

func limitText(b bound, unit Unit) string {
	if b.above {
		return "≤ " + unit.format(b.limit)
	}
	return "≥ " + unit.format(b.limit)
}

// seriesLine judges one series against one limit.
func seriesLine(w window, b bound, unit Unit, s *model.Sample, eps []episode, several bool) kind.Line {
	v := float64(s.Value)
	label := seriesKey(s.Metric)
	if label == "{}" {
		label = "value"
	}
	label = probe.Clip(label)
	line := kind.Line{Label: label, Observed: fmt.Sprintf("%s %s %s", aggName(b), unit.format(v), w.describe()),
		Expected: limitText(b, unit), Status: kind.Pass}
	prefix := ""
	if several {
		prefix = label + ": "
	}
	switch {
	case math.IsNaN(v):
		line.Status = kind.Error
		line.Problem = prefix + "the value is NaN " + w.describe() + ", which no limit can judge (a ratio with no traffic is 0/0)"
		line.Remedy = "make the query defined when there is no traffic, e.g. divide by clamp_min(…, 1), or judge a window with traffic"
	case b.breached(v):
		line.Status = kind.Fail
		line.Problem = prefix + breachProblem(w, b, unit, v, eps)
		line.Remedy = "find the cause in the times shown before launch; if the limit is wrong, change it in the checklist"
	}
	return line
}

func breachProblem(w window, b bound, unit Unit, v float64, eps []episode) string {
	beyond := "above"
	if !b.above {
		beyond = "below"
	}
	limit := fmt.Sprintf("%s the %s limit", beyond, unit.format(b.limit))
	if b.agg == "count_over" {
		return fmt.Sprintf("%s steps had a value %s, %s", number(v), w.describe(), limit)
	}
	if len(eps) == 0 {
		return fmt.Sprintf("%s %s %s, %s", aggName(b), unit.format(v), w.describe(), limit)
	}
	verb := "peaked at"
	if !b.above {
		verb = "fell to"
	}
	worst := eps[0].peak
	for _, e := range eps[1:] {
		if (b.above && e.peak > worst) || (!b.above && e.peak < worst) {
			worst = e.peak
		}
	}
	s := fmt.Sprintf("%s %s at %s, %s", verb, unit.format(worst), episodeTimes(eps, w.over), limit)
	if p, ok := period(eps, w.step); ok {
		s += ": " + describePeriod(p)
	}
	return s
}

// noData explains an empty answer. A selector of the query that has no series in the window is
// the usual cause ("is the metric scraped?"); when every selector has data, a filter in the query
// removed every point, which is a count of zero for count_over and an error for the others.
func (q *Query) noData(ctx context.Context, c *client, now time.Time, w window, b bound) (kind.Result, bool) {
	look := w.over
	if look == 0 {
		look = 5 * time.Minute // Prometheus's lookback: an instant query sees samples this old
	}
	span := kind.FormatDuration(look)
	for i, sel := range selectors(q.expr) {
		if i == 5 {
			break
		}
		has, err := hasSeries(ctx, c, sel, look, now)
		if err != nil {
			return errorResult(err), false
		}
		if has {
			continue
		}
		vs, _ := promql.ParseExpr(sel)
		name := ""
		if v, ok := vs.(*parser.VectorSelector); ok {
			name = v.Name
		}
		if name != "" && name != sel {
			if nameHas, err := hasSeries(ctx, c, name, look, now); err == nil && nameHas {
				return kind.Errorf(`if none is expected yet (no 5xx so far), write the query as (…) or vector(0)`,
					"no data: %s has no series in the last %s, though %s does", sel, span, name), false
			}
		}
		return kind.Errorf("check that the target exposing it is scraped (prometheus.targets), and the metric's name and labels",
			"no data: %s has no series in the last %s: is the metric scraped?", probe.Clip(sel), span), false
	}
	if b.agg == "count_over" {
		return kind.Result{}, true
	}
	return kind.Errorf("drop the filter, or count the steps it keeps with aggregate: count_over",
		"the query returned no series %s though its metrics have data: a filter in it (a comparison such as > 0) removed every point, leaving nothing to compare with the limit", w.describe()), false
}

func hasSeries(ctx context.Context, c *client, selector string, look time.Duration, now time.Time) (bool, error) {
	v, err := c.instant(ctx, fmt.Sprintf("count(count_over_time(%s[%s]))", selector, promDuration(look)), now)
	return len(v) > 0, err
}

// episode is a run of consecutive points beyond a limit.
type episode struct {
	start, end time.Time
	peak       float64
	peakAt     time.Time
}

// episodes groups points beyond a limit into runs: points further apart than one and a half
// steps belong to different runs. above says whether the worst point is the highest.
func episodes(points []model.SamplePair, step time.Duration, above bool) []episode {
	var out []episode
	for _, p := range points {
		t, v := p.Timestamp.Time(), float64(p.Value)
		if n := len(out); n > 0 && t.Sub(out[n-1].end) <= step*3/2 {
			e := &out[n-1]
			e.end = t
			if (above && v > e.peak) || (!above && v < e.peak) {
				e.peak, e.peakAt = v, t
			}
			continue
		}
		out = append(out, episode{start: t, end: t, peak: v, peakAt: t})
	}
	return out
}

// maxTimes is how many times a summary lists.
const maxTimes = 5

// episodeTimes lists when the runs peaked, in order: "14:00:01, 15:00:00 and 16:00:02 UTC".
func episodeTimes(eps []episode, over time.Duration) string {
	shown := eps
	if len(shown) > maxTimes {
		shown = shown[:maxTimes]
	}
	times := make([]string, len(shown))
	for i, e := range shown {
		times[i] = clock(e.peakAt, over)
	}
	if len(eps) > maxTimes {
		return strings.Join(times, ", ") + fmt.Sprintf(" UTC and %d more times", len(eps)-maxTimes)
	}
	return enumerate(times) + " UTC"
}

// period is the common spacing of the runs when there are at least three and they are evenly
// spaced (within a tenth, or two steps): a cron job's hourly outage, say.
func period(eps []episode, step time.Duration) (time.Duration, bool) {
	if len(eps) < 3 {
		return 0, false
	}
	gaps := make([]time.Duration, len(eps)-1)
	for i := range gaps {
		gaps[i] = eps[i+1].start.Sub(eps[i].start)
	}
	sorted := slices.Clone(gaps)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	slack := max(median/10, 2*step)
	for _, g := range gaps {
		if g < median-slack || g > median+slack {
			return 0, false
		}
	}
	return median, true
}

func describePeriod(p time.Duration) string {
	near := func(d time.Duration) bool { return p > d*95/100 && p < d*105/100 }
	switch {
	case near(time.Hour):
		return "recurring every hour"
	case near(24 * time.Hour):
		return "recurring every day"
	}
	unit := time.Second
	if p >= 10*time.Minute {
		unit = time.Minute
	}
	return "recurring about every " + kind.FormatDuration(p.Round(unit))
}
