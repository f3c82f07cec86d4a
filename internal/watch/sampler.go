package watch

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// maxPoints bounds a timeline: past it, neighbouring values merge and each covers twice as long,
// so that a run of any length keeps a few kilobytes per series.
const maxPoints = 2048

// Timeline holds one value per second from the start of a run. It is not safe for concurrent
// use; the Sampler guards its own.
type Timeline struct {
	step   int
	values []float64
	counts []int32
	mean   bool
}

// NewTimeline returns an empty timeline. Values that fall into one interval (once it covers
// more than a second) are merged by their mean when mean is set (a rate), else by their maximum
// (a peak is what a leak or a slowdown shows).
func NewTimeline(mean bool) *Timeline { return &Timeline{step: 1, mean: mean} }

// Set records v as the value of second sec; NaN records nothing.
func (t *Timeline) Set(sec int, v float64) {
	if sec < 0 || math.IsNaN(v) {
		return
	}
	for sec/t.step >= maxPoints {
		t.halve()
	}
	i := sec / t.step
	for len(t.values) <= i {
		t.values = append(t.values, math.NaN())
		t.counts = append(t.counts, 0)
	}
	t.values[i] = t.merge(t.values[i], t.counts[i], v, 1)
	t.counts[i]++
}

// Put records v as the value of second sec, replacing what that second held: a later reading
// of the same second is the more current.
func (t *Timeline) Put(sec int, v float64) {
	if sec >= 0 && sec/t.step < len(t.values) {
		t.values[sec/t.step], t.counts[sec/t.step] = math.NaN(), 0
	}
	t.Set(sec, v)
}

func (t *Timeline) merge(a float64, na int32, b float64, nb int32) float64 {
	switch {
	case math.IsNaN(a) || na == 0:
		return b
	case math.IsNaN(b) || nb == 0:
		return a
	case t.mean:
		return (a*float64(na) + b*float64(nb)) / float64(na+nb)
	}
	return max(a, b)
}

func (t *Timeline) halve() {
	n := (len(t.values) + 1) / 2
	for i := 0; i < n; i++ {
		a, na := t.values[2*i], t.counts[2*i]
		if 2*i+1 < len(t.values) {
			a, na = t.merge(a, na, t.values[2*i+1], t.counts[2*i+1]), na+t.counts[2*i+1]
		}
		t.values[i], t.counts[i] = a, na
	}
	t.values, t.counts = t.values[:n], t.counts[:n]
	t.step *= 2
}

// Range returns the values of the intervals that overlap seconds [from, to), NaN where nothing
// was measured.
func (t *Timeline) Range(from, to int) []float64 {
	var out []float64
	for i := max(from, 0) / t.step; i*t.step < to && i < len(t.values); i++ {
		out = append(out, t.values[i])
	}
	return out
}

// Last is the latest value recorded and its second; ok is false when there is none.
func (t *Timeline) Last() (sec int, v float64, ok bool) {
	for i := len(t.values) - 1; i >= 0; i-- {
		if !math.IsNaN(t.values[i]) {
			return i * t.step, t.values[i], true
		}
	}
	return 0, math.NaN(), false
}

// Series exports the timeline for a report, from its first value on.
func (t *Timeline) Series(label, unit string) kind.Series {
	first := 0
	for first < len(t.values) && math.IsNaN(t.values[first]) {
		first++
	}
	return kind.Series{Label: label, Unit: unit, Start: first * t.step, Step: t.step,
		Values: append([]float64(nil), t.values[first:]...)}
}

// Sampler reads every watcher once a second, each in its own goroutine so that a slow one
// only misses its own samples, from the start it is given.
type Sampler struct {
	start    time.Time
	watchers []Watcher
	series   []Series
	// first[i] is the index in series of watcher i's first series.
	first []int

	mu     sync.Mutex
	lines  []*Timeline
	missed []int
	errs   []string

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// Sample starts reading the watchers: the first read at start, then one a second. Reads stop
// when ctx is done or Stop is called.
func Sample(ctx context.Context, watchers []Watcher, start time.Time) *Sampler {
	s := &Sampler{start: start, watchers: watchers}
	for _, w := range watchers {
		s.first = append(s.first, len(s.series))
		for _, se := range w.Series() {
			s.series = append(s.series, se)
			s.lines = append(s.lines, NewTimeline(false))
		}
	}
	s.missed, s.errs = make([]int, len(watchers)), make([]string, len(watchers))
	ctx, s.cancel = context.WithCancel(ctx)
	for i := range watchers {
		s.wg.Add(1)
		go s.run(ctx, i)
	}
	return s
}

func (s *Sampler) run(ctx context.Context, i int) {
	defer s.wg.Done()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for sec := 0; ; sec++ {
		// A read that took longer than a second skips the seconds it overran.
		if late := int(time.Since(s.start) / time.Second); late > sec {
			s.miss(i, late-sec, "")
			sec = late
		}
		timer.Reset(time.Until(s.start.Add(time.Duration(sec) * time.Second)))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		rctx, cancel := context.WithTimeout(ctx, readTimeout)
		vals, err := s.watchers[i].Read(rctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.miss(i, 1, err.Error())
			continue
		}
		s.mu.Lock()
		for j, v := range vals {
			s.lines[s.first[i]+j].Set(sec, v)
		}
		s.mu.Unlock()
	}
}

func (s *Sampler) miss(i, n int, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missed[i] += n
	if why != "" {
		s.errs[i] = why
	}
}

// Series lists what is sampled, in watcher order.
func (s *Sampler) Series() []Series { return s.series }

// Read calls f with the timeline of series i, under the sampler's lock.
func (s *Sampler) Read(i int, f func(*Timeline)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.lines[i])
}

// Missed says how many samples the watcher of series i missed, and the last reason given.
func (s *Sampler) Missed(i int) (n int, why string) {
	w := 0
	for j, f := range s.first {
		if f <= i {
			w = j
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.missed[w], s.errs[w]
}

// Final stops the sampling and reads every watcher once more, now, so that the last values
// are those at the end of the run rather than up to a second before it.
func (s *Sampler) Final(ctx context.Context) {
	s.Stop()
	sec := int(time.Since(s.start) / time.Second)
	var wg sync.WaitGroup
	for i, w := range s.watchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(ctx, readTimeout)
			defer cancel()
			vals, err := w.Read(rctx)
			if err != nil {
				s.miss(i, 1, err.Error())
				return
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			for j, v := range vals {
				s.lines[s.first[i]+j].Put(sec, v)
			}
		}()
	}
	wg.Wait()
}

// Stop ends the sampling and waits for reads in progress (a cancelled read returns at once).
func (s *Sampler) Stop() {
	s.cancel()
	s.wg.Wait()
}

// Close stops the sampling and closes every watcher.
func (s *Sampler) Close() {
	s.Stop()
	for _, w := range s.watchers {
		w.Close()
	}
}
