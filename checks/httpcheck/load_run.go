package httpcheck

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/watch"
)

// openTimeout bounds connecting a watcher before the load: a watch that cannot connect stops
// the check before any traffic is sent.
const openTimeout = 10 * time.Second

// settlePoll is how often the settle phase looks whether every watched value is back.
const settlePoll = 200 * time.Millisecond

// interruptWait is how long an interrupted load waits for its requests to notice: the runner
// keeps a cancelled check's result only if it comes within half a second.
const interruptWait = 200 * time.Millisecond

// loadRun is one run of a load test, as the judge reads it.
type loadRun struct {
	l       *Load
	plan    plan
	meter   *meter
	sampler *watch.Sampler // nil when nothing is watched

	// Seconds since the check started: the load runs from loadStart to loadEnd, the baseline
	// before it.
	t0                 time.Time
	loadStart, loadEnd time.Time
	end                time.Time
	settledEarly       bool
	interrupted        bool
}

// Run opens the watchers, samples the baseline, sends the load, waits for the watched values to
// settle and judges what it saw. An interrupt stops everything at once and reports the figures
// measured so far.
func (l *Load) Run(ctx context.Context, env *kind.Env) kind.Result {
	if err := l.Validate(); err != nil {
		return kind.Errorf("fix the check's parameters", "invalid parameters: %v", err)
	}
	watchers, failed := l.openWatchers(ctx, env)
	if failed != nil {
		return *failed
	}
	if n := l.notice(ctx, env); n != "" && env.Stderr != nil {
		fmt.Fprint(env.Stderr, n)
	}
	baseline, settle := l.phases()
	r := l.start(ctx, watchers, baseline)

	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: l.InsecureSkipVerify})
	// Keep a connection for every request that may be in flight, so that the load does not
	// open and close connections the way no real client pool would.
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = l.MaxInFlight
	defer client.CloseIdleConnections()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	g := &generator{l: l, env: env, client: client, meter: r.meter, plan: r.plan}
	stopProgress := r.progress(env)

	if sleepCtx(ctx, time.Until(r.loadStart)) {
		g.run(loadCtx, r.loadStart)
	}
	r.loadEnd = time.Now()
	if ctx.Err() == nil {
		r.settledEarly = r.settle(ctx, g, settle)
	}
	r.interrupted = ctx.Err() != nil
	if r.interrupted {
		stopLoad()
		wctx, cancel := context.WithTimeout(context.Background(), interruptWait)
		g.wait(wctx)
		cancel()
	}
	stopProgress()
	r.close(ctx)
	return r.judge(env)
}

// start begins a run's clock and its meter, and the sampler that reads the watchers through the
// baseline that comes before the load.
func (l *Load) start(ctx context.Context, watchers []watch.Watcher, baseline time.Duration) *loadRun {
	r := &loadRun{l: l, plan: newPlan(l), t0: time.Now()}
	if len(watchers) > 0 {
		r.sampler = watch.Sample(ctx, watchers, r.t0)
	}
	r.loadStart = r.t0.Add(baseline)
	r.meter = newMeter(r.t0, len(l.Targets))
	r.meter.fullFrom = r.loadStart.Add(l.Ramp.D())
	r.meter.fullTo = r.meter.fullFrom.Add(l.Duration.D())
	return r
}

// close ends the measurements and the watch.
func (r *loadRun) close(ctx context.Context) {
	r.end = time.Now()
	r.meter.close(r.end)
	if r.sampler == nil {
		return
	}
	// Closing says goodbye to each server; after an interrupt that must not delay the result,
	// nor may a last reading.
	if r.interrupted {
		r.sampler.Stop()
		go r.sampler.Close()
		return
	}
	r.end = time.Now()
	r.sampler.Final(ctx)
	r.sampler.Close()
}

// sleepCtx waits d, and reports false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// openWatchers connects every watch before any traffic: a resource that cannot be watched
// makes the check an error, since it could not look where it was told to.
func (l *Load) openWatchers(ctx context.Context, env *kind.Env) ([]watch.Watcher, *kind.Result) {
	var ws []watch.Watcher
	for _, s := range l.watchSpecs() {
		octx, cancel := context.WithTimeout(ctx, openTimeout)
		w, err := watch.Open(octx, env, s.Spec)
		cancel()
		if err != nil {
			for _, w := range ws {
				w.Close()
			}
			res := kind.Errorf("make the watched resource reachable from here with the given credentials, or remove it from watch:",
				"cannot watch %s[%d], so no load was sent: %v", s.Kind, s.index, err)
			return nil, &res
		}
		ws = append(ws, w)
	}
	return ws, nil
}

// settle waits for the outstanding requests, then for every watched value to come back within
// its growth of baseline, at most until the settle time has passed since the load ended. It
// reports whether everything came back before that.
func (r *loadRun) settle(ctx context.Context, g *generator, settle time.Duration) bool {
	// Each request is bounded by its own timeout.
	g.wait(ctx)
	if r.sampler == nil {
		return false
	}
	deadline := r.loadEnd.Add(settle)
	for time.Now().Before(deadline) {
		if r.backToBaseline() {
			return true
		}
		if !sleepCtx(ctx, min(settlePoll, time.Until(deadline))) {
			return false
		}
	}
	return false
}

// backToBaseline reports whether every watched series has a sample taken after the load ended
// that is within its allowed growth of baseline.
func (r *loadRun) backToBaseline() bool {
	after := r.second(r.loadEnd) + 1
	for i, s := range r.sampler.Series() {
		ok := false
		r.sampler.Read(i, func(t *watch.Timeline) {
			base, have := median(t.Range(0, r.baselineEnd()))
			sec, last, got := t.Last()
			ok = have && got && sec >= after && last-base <= r.l.growthFor(s).Allowed(base)
		})
		if !ok {
			return false
		}
	}
	return true
}

func (r *loadRun) second(t time.Time) int { return int(t.Sub(r.t0) / time.Second) }

// baselineEnd is the second the baseline window ends: at least the first sample's, so that a
// zero baseline still has one.
func (r *loadRun) baselineEnd() int { return max(r.second(r.loadStart), 1) }

// median of the values measured (NaN left out); ok is false when there are none.
func median(vals []float64) (m float64, ok bool) {
	var have []float64
	for _, v := range vals {
		if !math.IsNaN(v) {
			have = append(have, v)
		}
	}
	if len(have) == 0 {
		return math.NaN(), false
	}
	sort.Float64s(have)
	n := len(have)
	if n%2 == 1 {
		return have[n/2], true
	}
	return (have[n/2-1] + have[n/2]) / 2, true
}

// progress closes the meter's seconds as they pass and, on a terminal, redraws a live line on
// stderr: elapsed of total, the rate of the last second, p95 so far, failures and drops. The
// returned function stops it and erases the line.
func (r *loadRun) progress(env *kind.Env) func() {
	show := env.Stderr != nil && env.StderrTTY
	baseline, settle := r.l.phases()
	total := baseline + r.plan.length() + settle
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				r.meter.tick(now)
				if show {
					rate, p95, failed, dropped := r.meter.progress()
					fmt.Fprintf(env.Stderr, "\r\x1b[Khttp.load %s/%s · %.0f/s · p95 %s · %s · %d dropped",
						kind.FormatDuration(now.Sub(r.t0).Round(time.Second)), kind.FormatDuration(total),
						rate, kind.Elapsed(p95), kind.Count(int(failed), "error", "errors"), dropped)
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		if show {
			fmt.Fprint(env.Stderr, "\r\x1b[K")
		}
	}
}
