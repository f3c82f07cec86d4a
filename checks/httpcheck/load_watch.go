package httpcheck

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/watch"
)

// watched is what one watched series did over the run.
type watched struct {
	s                     watch.Series
	base, lo, peak, after float64
	rises, intervals      int
	missed                int
	missedWhy             string
	haveBase              bool
}

func (r *loadRun) readWatched(i int) watched {
	w := watched{s: r.sampler.Series()[i], lo: math.Inf(1), peak: math.Inf(-1)}
	w.missed, w.missedWhy = r.sampler.Missed(i)
	loadFrom, loadTo := r.second(r.loadStart), r.second(r.loadEnd)
	r.sampler.Read(i, func(t *watch.Timeline) {
		w.base, w.haveBase = median(t.Range(0, r.baselineEnd()))
		for _, v := range t.Range(0, math.MaxInt32) {
			if !math.IsNaN(v) {
				w.lo = min(w.lo, v)
			}
		}
		for _, v := range t.Range(loadFrom, math.MaxInt32) {
			if !math.IsNaN(v) {
				w.peak = max(w.peak, v)
			}
		}
		_, w.after, _ = t.Last()
		// The trend: in how many intervals of the second half of the load the value rose, up
		// to the first sample after it, which shows its last second.
		prev := math.NaN()
		for _, v := range t.Range(r.second(r.loadStart.Add(r.loadEnd.Sub(r.loadStart)/2)), loadTo+2) {
			if !math.IsNaN(v) && !math.IsNaN(prev) {
				w.intervals++
				if v > prev {
					w.rises++
				}
			}
			if !math.IsNaN(v) {
				prev = v
			}
		}
	})
	return w
}

// trending reports a memory series that rose in most intervals of the second half of the load.
func (w watched) trending() bool {
	return w.s.Memory && w.intervals >= minTrendIntervals && float64(w.rises) >= leakTrend*float64(w.intervals)
}

// ruleWatched judges one watched series: its connection limit under load, and whether it came
// back to its baseline after the settle.
func (r *loadRun) ruleWatched(j *kind.Judgement, i int) {
	w := r.readWatched(i)
	f := func(v float64) string { return formatValue(v, w.s.Unit) }
	if !w.haveBase {
		why := w.missedWhy
		if why == "" {
			why = "no sample was taken"
		}
		j.Add(kind.Line{Label: w.s.Label, Observed: "no sample during the baseline: " + why, Expected: "a baseline", Status: kind.Error,
			Problem: "could not read " + w.s.Label + " before the load, so leaks cannot be judged: " + why,
			Remedy:  "make the watched resource answer within 2s from here, or lengthen baseline:"})
		return
	}
	if math.IsInf(w.peak, -1) {
		w.peak = w.base
	}
	growth := r.l.growthFor(w.s)
	allowed := growth.Allowed(w.base)
	obs := fmt.Sprintf("min %s · baseline %s · peak %s · after %s", f(w.lo), f(w.base), f(w.peak), f(w.after))
	if w.missed > 0 {
		obs += fmt.Sprintf("; %s missed", kind.Count(w.missed, "sample", "samples"))
		if w.missedWhy != "" {
			obs += " (" + w.missedWhy + ")"
		}
	}
	exp := fmt.Sprintf("after settle ≤ baseline + %s", f(allowed))
	if growth.IsPercent {
		exp = fmt.Sprintf("after settle ≤ baseline + %s (%s)", growth, f(allowed))
	}
	line := kind.Line{Label: w.s.Label, Observed: obs, Status: kind.Pass}
	var problems, remedies []string
	if st, p := r.limitRule(w); st > kind.Pass {
		line.Status = kind.Worst(line.Status, st)
		problems = append(problems, p)
		remedies = append(remedies, "size the application's pool (and every other client's) to stay well below the server's limit, and return every connection")
	}
	if w.s.Limit > 0 {
		exp += fmt.Sprintf("; under load < %d%% of %s (%s)", int(connWarn*100), f(w.s.Limit), w.s.LimitWhy)
	}
	if !r.interrupted && w.after-w.base > allowed {
		line.Status = kind.Fail
		problems = append(problems, r.leakWords(w, f))
		remedies = append(remedies, leakRemedy(w.s))
	}
	line.Expected = exp
	line.Problem = strings.Join(problems, "; ")
	line.Remedy = strings.Join(remedies, "; ")
	j.Add(line)
}

// limitRule judges the peak under load against the connection limit: at the limit fails,
// above 80 % of it warns.
func (r *loadRun) limitRule(w watched) (kind.Status, string) {
	if w.s.Limit <= 0 {
		return kind.Pass, ""
	}
	words := fmt.Sprintf("%s reached %s of %s (%s) under %s", w.s.Label, formatValue(w.peak, w.s.Unit), formatValue(w.s.Limit, w.s.Unit), w.s.LimitWhy, r.l.Rate)
	switch {
	case w.peak >= w.s.Limit:
		return kind.Fail, words + ": at the limit, the next connection is refused"
	case w.peak >= connWarn*w.s.Limit:
		return kind.Warn, fmt.Sprintf("%s, over %d%% of the limit", words, int(connWarn*100))
	}
	return kind.Pass, ""
}

// leakWords says what stayed: "PostgreSQL client connections on … 12 → 61 under load and
// still 58 after 15s: connections are not returned".
func (r *loadRun) leakWords(w watched, f func(float64) string) string {
	// The last value is the final reading, taken at the end of the run.
	after := kind.FormatDuration(r.end.Sub(r.loadEnd).Round(time.Second))
	s := fmt.Sprintf("%s %s → %s under load and still %s after %s", w.s.Label, f(w.base), f(w.peak), f(w.after), after)
	switch {
	case w.trending():
		return s + fmt.Sprintf("; it rose in %d of %d one-second intervals of the second half of the load: a probable leak", w.rises, w.intervals)
	case w.s.Key == watch.KeyConnections:
		return s + ": connections are not returned"
	case w.s.Memory:
		return s + ": memory is not released"
	}
	return s + ": it did not come back to its baseline"
}

func leakRemedy(s watch.Series) string {
	switch {
	case s.Key == watch.KeyConnections:
		return "find the code path that takes a connection and never returns it (the server's session list shows the idle ones and their last query); use a pool with a maximum size, and release every connection (defer rows.Close, conn.Release) on every path, errors included"
	case s.Memory:
		return "profile the heap under load and after it (pprof, a heap dump): memory that stays is held by something that grows per request (an unbounded cache, a global map, listeners never removed)"
	}
	return "find what keeps " + s.Key + " above its baseline after the load"
}
