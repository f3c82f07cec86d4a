package httpcheck

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/watch"
)

// Histogram ranges, in microseconds: latencies from 1µs to an hour. Three significant digits
// for the whole run (about 190 KB); two for each second and each target (about 27 KB each),
// which is all a per-second p95 needs.
const (
	histMin     = 1
	histMax     = int64(time.Hour / time.Microsecond)
	histDigits  = 3
	smallDigits = 2
)

// loadDrainLimit is how much of each response body is read before the connection is reused; a
// larger body is cut off, which costs that connection.
const loadDrainLimit = 1 << 20

// plan is when each arrival is meant to be sent: a linear ramp from 0 to rate over ramp, then
// rate for duration. Arrival i is due when the arrivals so far reach i.
type plan struct {
	rate       float64 // per second
	ramp, full float64 // seconds
	total      int64
}

func newPlan(l *Load) plan {
	return plan{rate: l.Rate.PerSecond(), ramp: l.Ramp.D().Seconds(), full: l.Duration.D().Seconds(), total: l.requests()}
}

// at is arrival i's intended offset from the start of the load. The ramp's arrivals up to t
// number rate·t²/(2·ramp), so arrival i is due at √(2·ramp·i/rate).
func (p plan) at(i int64) time.Duration {
	n := float64(i)
	inRamp := p.rate * p.ramp / 2
	var s float64
	if n < inRamp {
		s = math.Sqrt(2 * p.ramp * n / p.rate)
	} else {
		s = p.ramp + (n-inRamp)/p.rate
	}
	return time.Duration(s * float64(time.Second))
}

// length is how long arrivals keep coming.
func (p plan) length() time.Duration {
	return time.Duration((p.ramp + p.full) * float64(time.Second))
}

// errKind counts one kind of transport failure and keeps the first one's words.
type errKind struct {
	n       int64
	example probe.Failure
}

// targetStats are one target's figures.
type targetStats struct {
	sent, failed int64
	hist         *hdrhistogram.Histogram
}

// meter records everything the load measures in constant memory: histograms, counters, maps
// bounded by the number of distinct statuses and failure kinds, and per-second timelines.
type meter struct {
	start time.Time // of the check, so that seconds line up with the watched series

	mu        sync.Mutex
	all       *hdrhistogram.Histogram
	slowest   time.Duration
	sec       *hdrhistogram.Histogram
	cur       int // the second sec and the counters below cover
	curSent   int64
	curErrors int64
	sent      int64
	dropped   int64
	answered  int64
	failed    int64 // transport failures and error statuses
	aborted   int64 // cut short by an interrupt: not counted
	peak      int64
	statuses  map[int]int64
	errKinds  map[string]*errKind
	targets   []targetStats
	p95       *watch.Timeline
	rate      *watch.Timeline
	errors    *watch.Timeline

	// fullFrom and fullTo bound the full-rate phase; fullDone counts the requests that ended
	// in it, which is the rate achieved.
	fullFrom, fullTo time.Time
	fullDone         int64
	// lag is how late arrivals were dispatched: the generator's own delay, in every latency.
	lag *hdrhistogram.Histogram
	// closed: the figures are final and being judged; requests that end later (after an
	// interrupt) are not counted.
	closed bool
}

// close makes the figures final: after it, nothing changes them, so they may be read without
// the lock.
func (m *meter) close(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur >= 0 {
		m.advance(m.second(now))
	}
	m.closed = true
}

func newMeter(start time.Time, targets int) *meter {
	m := &meter{start: start,
		all: hdrhistogram.New(histMin, histMax, histDigits), sec: hdrhistogram.New(histMin, histMax, smallDigits),
		statuses: map[int]int64{}, errKinds: map[string]*errKind{}, targets: make([]targetStats, targets),
		p95: watch.NewTimeline(false), rate: watch.NewTimeline(true), errors: watch.NewTimeline(true), cur: -1,
		lag: hdrhistogram.New(histMin, histMax, smallDigits)}
	for i := range m.targets {
		m.targets[i].hist = hdrhistogram.New(histMin, histMax, smallDigits)
	}
	return m
}

func (m *meter) second(t time.Time) int { return int(t.Sub(m.start) / time.Second) }

// advance closes the seconds before s, under m.mu.
func (m *meter) advance(s int) {
	if m.cur < 0 {
		m.cur = s
		return
	}
	for m.cur < s {
		m.rate.Set(m.cur, float64(m.curSent))
		m.errors.Set(m.cur, float64(m.curErrors))
		if m.sec.TotalCount() > 0 {
			m.p95.Set(m.cur, float64(m.sec.ValueAtQuantile(95))/1000)
		}
		m.sec.Reset()
		m.curSent, m.curErrors = 0, 0
		m.cur++
	}
}

// tick closes the seconds that have passed, so that quiet seconds still show.
func (m *meter) tick(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur >= 0 && !m.closed {
		m.advance(m.second(now))
	}
}

func (m *meter) arrival(at time.Time, lag time.Duration, target int, dropped bool, inFlight int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.advance(m.second(at))
	_ = m.lag.RecordValue(min(max(lag.Microseconds(), histMin), histMax))
	if dropped {
		m.dropped++
		return
	}
	m.sent++
	m.curSent++
	m.targets[target].sent++
	m.peak = max(m.peak, inFlight)
}

// outcome is how one request ended.
type outcome struct {
	target  int
	status  int
	latency time.Duration
	failure *probe.Failure
	aborted bool
}

func (m *meter) record(now time.Time, o outcome, errorStatus StatusRanges) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return
	}
	m.advance(m.second(now))
	if o.aborted {
		m.aborted++
		return
	}
	if !now.Before(m.fullFrom) && now.Before(m.fullTo) {
		m.fullDone++
	}
	t := &m.targets[o.target]
	if o.failure != nil {
		m.failed++
		m.curErrors++
		t.failed++
		k := m.errKinds[o.failure.Kind]
		if k == nil {
			k = &errKind{example: *o.failure}
			m.errKinds[o.failure.Kind] = k
		}
		k.n++
		return
	}
	m.answered++
	m.statuses[o.status]++
	if errorStatus.Contains(o.status) {
		m.failed++
		m.curErrors++
		t.failed++
	}
	us := min(max(o.latency.Microseconds(), histMin), histMax)
	_ = m.all.RecordValue(us)
	_ = m.sec.RecordValue(us)
	_ = t.hist.RecordValue(us)
	m.slowest = max(m.slowest, o.latency)
}

// progress is what the live line shows: the requests sent in the last whole second, p95 so
// far, failures and drops.
func (m *meter) progress() (lastSecond float64, p95 time.Duration, failed, dropped int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, v, ok := m.rate.Last(); ok {
		lastSecond = v
	}
	return lastSecond, micros(m.all.ValueAtQuantile(95)), m.failed, m.dropped
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// generator sends the plan's arrivals. Each arrival is sent at its intended time by a goroutine
// of its own, unless max_in_flight requests are outstanding: then it is dropped, never queued,
// so that a slow server cannot slow the arrivals down.
type generator struct {
	l        *Load
	env      *kind.Env
	client   *http.Client
	meter    *meter
	plan     plan
	inFlight atomic.Int64
	wg       sync.WaitGroup
}

// run sends every arrival due from start on, until the plan ends or ctx is done. It returns
// when the last arrival was dispatched; wait waits for the requests still outstanding.
func (g *generator) run(ctx context.Context, start time.Time) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i := int64(0); i < g.plan.total; {
		elapsed := time.Since(start)
		// Catch up with every arrival already due: a scheduler that woke late must not send
		// fewer requests, only record their lateness as latency.
		for ; i < g.plan.total && g.plan.at(i) <= elapsed; i++ {
			g.dispatch(ctx, i, start.Add(g.plan.at(i)))
		}
		if i >= g.plan.total {
			return
		}
		timer.Reset(g.plan.at(i) - elapsed)
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

func (g *generator) dispatch(ctx context.Context, i int64, intended time.Time) {
	target := g.l.schedule[int(i%int64(len(g.l.schedule)))]
	lag := time.Since(intended)
	if g.inFlight.Load() >= int64(g.l.MaxInFlight) {
		g.meter.arrival(intended, lag, target, true, 0)
		return
	}
	n := g.inFlight.Add(1)
	g.meter.arrival(intended, lag, target, false, n)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer g.inFlight.Add(-1)
		o := g.send(ctx, target, intended)
		g.meter.record(time.Now(), o, g.l.Thresholds.Statuses)
	}()
}

// send makes one request; its latency runs from the intended send time, so that a server that
// makes requests wait is charged for the wait (no coordinated omission).
func (g *generator) send(ctx context.Context, target int, intended time.Time) outcome {
	t := &g.l.Targets[target]
	rctx, cancel := context.WithTimeout(ctx, g.l.Timeout.D())
	defer cancel()
	tctx, trace := probe.WithTrace(rctx)
	o := outcome{target: target}
	req, err := newRequest(tctx, g.env, t.Method, t.URL, t.Headers, t.body)
	if err != nil {
		o.failure = &probe.Failure{Kind: "request", Summary: "cannot build the request: " + err.Error(), Remedy: "fix the request's url and headers"}
		return o
	}
	resp, err := g.client.Do(req)
	if err == nil {
		o.status = resp.StatusCode
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, loadDrainLimit))
		resp.Body.Close()
	}
	o.latency = time.Since(intended)
	if err != nil {
		if ctx.Err() != nil {
			// The load was stopped (an interrupt, the check's deadline): not the server's doing.
			o.aborted = true
			return o
		}
		f := probe.Explain(err, t.Name+" ("+urlHost(t.URL)+")", g.l.Timeout.D(), trace)
		o.failure = &f
	}
	return o
}

// wait waits for the outstanding requests, at most until ctx is done.
func (g *generator) wait(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// urlHost names a URL's host for messages; queries may carry tokens, and userinfo passwords.
func urlHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
