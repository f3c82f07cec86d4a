package queuejudge

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

func limits() Limits {
	return Limits{DepthParam: "max_ready", Settings: DefaultSettings(), DeadLetters: DefaultDeadLetters()}
}

func TestJudge(t *testing.T) {
	minute := time.Minute
	base := Observation{Name: "lg.jobs", Unit: "messages ready", Elapsed: 5 * time.Second, ConsumersSeen: true, Consumers: 3}
	with := func(edit func(o *Observation)) Observation {
		o := base
		edit(&o)
		return o
	}
	limit := int64(1000)
	tests := []struct {
		name    string
		o       Observation
		l       func(l *Limits)
		want    kind.Status
		summary string
	}{
		{"the issue's growing backlog", with(func(o *Observation) {
			o.First, o.Second, o.Elapsed = 2_000_000-1500, 2_000_000, minute
		}), nil, kind.Fail, "lg.jobs: depth 2,000,000 growing by 1,500/min with 3 consumers: it will never drain"},
		{"the issue's slow drain", with(func(o *Observation) {
			o.First, o.Second, o.Elapsed = 2_000_500, 2_000_000, minute
		}), nil, kind.Fail, "lg.jobs drains in ~66 h at 500/min; limit 10m"},
		{"the issue's queue with no consumer", with(func(o *Observation) {
			o.First, o.Second, o.Consumers = 412_003, 412_003, 0
		}), nil, kind.Fail, "412,003 messages ready and 0 consumers: nothing drains lg.jobs"},
		{"a quick drain passes with its time", with(func(o *Observation) {
			o.First, o.Second = 12_000, 10_000
		}), nil, kind.Pass, "lg.jobs: 10,000 messages ready, drains in ~25 s at 24,000/min"},
		{"steady passes and says so", with(func(o *Observation) { o.First, o.Second = 800, 801 }), nil,
			kind.Pass, "lg.jobs: 801 messages ready, steady (the consumers keep up)"},
		{"steady over the limit fails", with(func(o *Observation) { o.First, o.Second = 5000, 5000 }),
			func(l *Limits) { l.MaxDepth = &limit }, kind.Fail, "lg.jobs holds 5,000 messages ready, over max_ready 1,000"},
		{"a slow drain of a large backlog is not steady", with(func(o *Observation) { o.First, o.Second = 100_000, 99_990 }), nil,
			kind.Fail, "lg.jobs drains in ~13 h at 120/min"},
		{"empty", with(func(o *Observation) {}), nil, kind.Pass, "lg.jobs: empty"},
		{"empty without consumers warns", with(func(o *Observation) { o.Consumers = 0 }), nil,
			kind.Warn, "lg.jobs is empty but has 0 consumers (min_consumers 1): the next message will wait"},
		{"fewer consumers than asked", with(func(o *Observation) { o.First, o.Second, o.Consumers = 10, 10, 1 }),
			func(l *Limits) { l.MinConsumers = 2 }, kind.Fail, "10 messages ready and 1 consumer on lg.jobs, fewer than min_consumers 2"},
		{"growing where consumers cannot be seen", with(func(o *Observation) {
			o.First, o.Second, o.ConsumersSeen, o.ConsumersHow = 100, 200, false, "plain lists do not record consumers"
		}), nil, kind.Fail, "depth 200 growing by 1,200/min (consumers not visible): it will never drain"},
		{"missing", with(func(o *Observation) { o.Missing = "does not exist in vhost /" }), nil,
			kind.Fail, "lg.jobs does not exist in vhost /: the app needs it"},
		{"dead letters", with(func(o *Observation) { o.DeadLetter, o.Second = true, 3 }), nil,
			kind.Fail, "dead-letter queue lg.jobs holds 3 messages ready"},
		{"dead letters that only warn", with(func(o *Observation) { o.DeadLetter, o.Second = true, 3 }),
			func(l *Limits) { l.OnDeadLetters = "warn" }, kind.Warn, "dead-letter queue lg.jobs holds 3"},
		{"dead letters under their limit", with(func(o *Observation) { o.DeadLetter, o.Second = true, 3 }),
			func(l *Limits) { l.MaxDeadLetters = 3 }, kind.Pass, "lg.jobs: 3 messages ready"},
		{"broker rates decide over depth", with(func(o *Observation) {
			o.First, o.Second = 1000, 1000
			o.Flow = &Flow{In: 100, Out: 25, Source: "the management API's rates"}
		}), nil, kind.Fail, "growing by 4,500/min"},
		{"broker rates within 5 % are steady", with(func(o *Observation) {
			o.First, o.Second = 1000, 1200
			o.Flow = &Flow{In: 100, Out: 97}
		}), nil, kind.Pass, "steady"},
		{"one message more against a trickle of counted traffic is steady", with(func(o *Observation) {
			o.First, o.Second = 300, 301
			o.Flow = &Flow{In: 0.6, Out: 0.4}
		}), nil, kind.Pass, "steady"},
		{"three messages more against a trickle of counted traffic grow", with(func(o *Observation) {
			o.First, o.Second = 300, 303
			o.Flow = &Flow{In: 1, Out: 0.4}
		}), nil, kind.Fail, "growing by 36/min"},
		{"broker rates decide over a depth that moved by one", with(func(o *Observation) {
			o.First, o.Second = 300, 301
			o.Flow = &Flow{In: 1, Out: 0.4, Source: "the management API's rates"}
		}), nil, kind.Fail, "growing by 36/min"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := limits()
			if tt.l != nil {
				tt.l(&l)
			}
			var j kind.Judgement
			Judge(&j, tt.o, l)
			r := j.Result()
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Summary, tt.want, tt.summary)
			}
			if r.Status > kind.Pass && r.Remedy == "" {
				t.Error("a problem without a remedy")
			}
		})
	}
}

func TestTrendSaysWhereRatesCameFrom(t *testing.T) {
	var j kind.Judgement
	Judge(&j, Observation{Name: "q", Unit: "messages ready", First: 10, Second: 10, ConsumersSeen: true, Consumers: 1,
		Flow: &Flow{In: 2, Out: 2, Source: "the management API's publish and deliver rates"}}, limits())
	r := j.Result()
	last := r.Evidence[len(r.Evidence)-1]
	if want := "steady at 10, 120/min in and 120/min out (from the management API's publish and deliver rates)"; last.Observed != want {
		t.Errorf("trend %q, want %q", last.Observed, want)
	}
}

func TestFormats(t *testing.T) {
	counts := map[int64]string{0: "0", 999: "999", 1000: "1,000", 2_000_000: "2,000,000", -1500: "-1,500"}
	for n, want := range counts {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	rates := map[float64]string{25: "1,500/min", 0.05: "3.0/min", 1.0 / 60: "1.0/min", 0: "0/min"}
	for r, want := range rates {
		if got := PerMinute(r); got != want {
			t.Errorf("PerMinute(%v) = %q, want %q", r, got, want)
		}
	}
	abouts := map[time.Duration]string{
		1500 * time.Millisecond: "~2 s", 12 * time.Minute: "~12 min", 4000 * time.Minute: "~66 h",
		9 * 24 * time.Hour: "~9 d", 5000 * 24 * time.Hour: "years",
	}
	for d, want := range abouts {
		if got := About(d); got != want {
			t.Errorf("About(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestSample(t *testing.T) {
	n := 0
	read := func(context.Context) (int, error) { n++; return n, nil }
	const gap = 100 * time.Millisecond
	start := time.Now()
	first, second, elapsed, err := Sample(context.Background(), gap, read)
	took := time.Since(start)
	if err != nil || first != 1 || second != 2 {
		t.Fatalf("got %d, %d, %v", first, second, err)
	}
	// The readings are dated at the middle of their reads, so a first read slowed down by a
	// busy machine pulls elapsed below the gap by half its time: half the gap is far from a
	// Sample that did not wait (microseconds), and elapsed can never exceed the whole call.
	if elapsed < gap/2 || elapsed > took {
		t.Errorf("elapsed %s, want about the %s gap (the call took %s)", elapsed, gap, took)
	}

	// A Sample that waited would end with the context's deadline error; NoTimeError says it
	// gave up before waiting.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, _, _, err = Sample(ctx, time.Second, read)
	var nt *NoTimeError
	if !errors.As(err, &nt) {
		t.Errorf("a gap past the deadline: %v, want a NoTimeError at once", err)
	}
	if r := nt.Result(); r.Status != kind.Error || !strings.Contains(r.Remedy, "lower sample below 1s") {
		t.Errorf("result %+v", r)
	}

	boom := errors.New("boom")
	_, _, _, err = Sample(context.Background(), time.Second, func(context.Context) (int, error) { return 0, boom })
	if !errors.Is(err, boom) {
		t.Errorf("err %v, want the read's", err)
	}
}

func TestSettingsProblems(t *testing.T) {
	s := Settings{MinConsumers: -1, MaxDrainTime: 0, Sample: kind.Duration(time.Hour)}
	if got := len(s.Problems()); got != 3 {
		t.Errorf("%d problems, want 3: %v", got, s.Problems())
	}
	if p := DefaultSettings().Problems(); len(p) != 0 {
		t.Errorf("the defaults are refused: %v", p)
	}
	if p := DefaultDeadLetters().Problems(); len(p) != 0 {
		t.Errorf("the defaults are refused: %v", p)
	}
	if p := (DeadLetters{MaxDeadLetters: -1, OnDeadLetters: "maybe"}).Problems(); len(p) != 2 {
		t.Errorf("problems %v, want 2", p)
	}
}

func TestNegativeLimits(t *testing.T) {
	minus, zero := int64(-2), int64(0)
	errs := NegativeLimits(map[string]*int64{"max_ready": &minus, "max_unacked": &zero, "max_pending": nil, "max_length": &minus})
	var got []string
	for _, err := range errs {
		got = append(got, err.Error())
	}
	want := "max_length: must not be negative, got -2 | max_ready: must not be negative, got -2"
	if strings.Join(got, " | ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " | "), want)
	}
}

func TestBound(t *testing.T) {
	s := Settings{Sample: kind.Duration(time.Minute)}
	ctx, cancel, left := s.Bound(context.Background(), time.Hour)
	defer cancel()
	if _, ok := ctx.Deadline(); !ok || left <= time.Hour || left > time.Hour+time.Minute {
		t.Errorf("a run without a deadline got %v to run, want sample plus slack", left)
	}
	outer, stop := context.WithTimeout(context.Background(), 3*time.Hour)
	defer stop()
	ctx, cancel, left = s.Bound(outer, time.Hour)
	defer cancel()
	if ctx != outer || left <= 2*time.Hour {
		t.Errorf("a run with its own deadline was given another (%v left)", left)
	}
}

// TestVerdictsGolden pins the words of the shared verdict, as every queue kind renders it.
func TestVerdictsGolden(t *testing.T) {
	limit := int64(100_000)
	var j kind.Judgement
	l := limits()
	l.MaxDepth = &limit
	for _, o := range []Observation{
		{Name: "lg.jobs", Unit: "messages ready", First: 1_998_500, Second: 2_000_000, Elapsed: time.Minute, Consumers: 3, ConsumersSeen: true},
		{Name: "lg.reports", Unit: "messages ready", First: 2_000_500, Second: 2_000_000, Elapsed: time.Minute, Consumers: 1, ConsumersSeen: true},
		{Name: "lg.mail", Unit: "messages ready", First: 412_003, Second: 412_003, Elapsed: 5 * time.Second, ConsumersSeen: true},
		{Name: "lg.thumbs", Unit: "messages ready", First: 9_000, Second: 6_000, Elapsed: 5 * time.Second, Consumers: 4, ConsumersSeen: true,
			Flow: &Flow{In: 100, Out: 700, Source: "the management API's publish and deliver rates"}},
		{Name: "list exports", Unit: "entries", First: 40, Second: 40, Elapsed: 5 * time.Second, ConsumersHow: "a plain list does not record its consumers"},
		{Name: "lg.renamed", Missing: "does not exist in vhost /"},
		{Name: "lg.jobs.dead", Unit: "messages ready", First: 10, Second: 12, Elapsed: 5 * time.Second, DeadLetter: true},
	} {
		Judge(&j, o, l)
	}
	Max(&j, "lg.jobs", "unacknowledged", 5000, &limit, "max_unacked", "look for stuck workers")
	MaxAge(&j, "sidekiq default", "oldest waiting job", 20*time.Minute, 10*time.Minute, "max_oldest_age", "add workers")
	golden.Check(t, "verdicts.txt", []byte(golden.Result(j.Result())))
}
