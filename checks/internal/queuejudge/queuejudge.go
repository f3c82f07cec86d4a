// Package queuejudge is the verdict the queue kinds share (rabbitmq.queue, nats.consumer,
// redis.queue): depth against its limit, consumers where the broker shows them, dead letters,
// and whether the backlog drains, judged from two samples of its depth. Each kind reads its
// broker its own way and hands the readings here, so that "it will never drain" means the same
// thing for a RabbitMQ queue, a JetStream consumer and a Sidekiq queue.
package queuejudge

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Settings are the parameters every queue kind has. A kind embeds them inline, so they read as
// its own parameters.
type Settings struct {
	MinConsumers int           `yaml:"min_consumers" doc:"Fail when a queue with messages has fewer consumers than this (where the broker shows consumers); warn when an empty one has."`
	MaxDrainTime kind.Duration `yaml:"max_drain_time" doc:"Fail when a shrinking backlog would take longer than this to drain at the rate seen between the two samples."`
	Sample       kind.Duration `yaml:"sample" doc:"Time between the two readings of each queue's depth; the check takes at least this long."`
}

// DefaultSettings are the defaults of every queue kind.
func DefaultSettings() Settings {
	return Settings{MinConsumers: 1, MaxDrainTime: kind.Duration(10 * time.Minute), Sample: kind.Duration(5 * time.Second)}
}

// Problems lists every bad setting, for the kind's Validate to join with its own.
func (s Settings) Problems() []error {
	var errs []error
	if s.MinConsumers < 0 {
		errs = append(errs, kind.BadParam("min_consumers", "must not be negative, got %d", s.MinConsumers))
	}
	if s.MaxDrainTime <= 0 {
		errs = append(errs, kind.BadParam("max_drain_time", "must be positive"))
	}
	if s.Sample.D() < 100*time.Millisecond || s.Sample.D() > 10*time.Minute {
		errs = append(errs, kind.BadParam("sample", "must be between 100ms and 10m, got %s", s.Sample))
	}
	return errs
}

// NegativeLimits lists the count limits set below zero, by parameter name, for the kind's
// Validate to join with its own.
func NegativeLimits(limits map[string]*int64) []error {
	var errs []error
	for _, param := range slices.Sorted(maps.Keys(limits)) {
		if v := limits[param]; v != nil && *v < 0 {
			errs = append(errs, kind.BadParam(param, "must not be negative, got %d", *v))
		}
	}
	return errs
}

// Bound gives a run without a deadline of its own (a check run outside the runner) one: the
// sample plus slack to connect and read twice. It returns the time the run has.
func (s Settings) Bound(ctx context.Context, slack time.Duration) (context.Context, context.CancelFunc, time.Duration) {
	cancel := context.CancelFunc(func() {})
	if _, ok := ctx.Deadline(); !ok {
		ctx, cancel = context.WithTimeout(ctx, s.Sample.D()+slack)
	}
	dl, _ := ctx.Deadline()
	return ctx, cancel, time.Until(dl)
}

// DeadLetters are the parameters of kinds that know dead-letter queues.
type DeadLetters struct {
	MaxDeadLetters int64  `yaml:"max_dead_letters" doc:"How many messages a dead-letter queue may hold before it counts against the gate (0: any dead letter counts)."`
	OnDeadLetters  string `yaml:"on_dead_letters" doc:"What a dead-letter queue over max_dead_letters does to the gate: fail or warn."`
}

// DefaultDeadLetters: a dead letter is a lost job, so any fails.
func DefaultDeadLetters() DeadLetters { return DeadLetters{OnDeadLetters: "fail"} }

// Problems lists every bad setting, for the kind's Validate to join with its own.
func (d DeadLetters) Problems() []error {
	var errs []error
	if d.MaxDeadLetters < 0 {
		errs = append(errs, kind.BadParam("max_dead_letters", "must not be negative, got %d", d.MaxDeadLetters))
	}
	if d.OnDeadLetters != "fail" && d.OnDeadLetters != "warn" {
		errs = append(errs, kind.BadParam("on_dead_letters", "%q: use fail or warn", d.OnDeadLetters))
	}
	return errs
}

func (d DeadLetters) status() kind.Status {
	if d.OnDeadLetters == "warn" {
		return kind.Warn
	}
	return kind.Fail
}

// Flow is what went into and out of a queue per second, when the broker counts it (the
// management API's rates, JetStream's delivered sequence, a stream's entries added and read).
// It judges the trend against the traffic rather than against the depth alone.
type Flow struct {
	In, Out float64
	// Source names where the rates came from when the evidence should say so, e.g. "the
	// management API's publish and deliver rates"; empty when they were derived from counters.
	Source string
}

// Observation is what a kind saw of one queue.
type Observation struct {
	// Name is how summaries name the queue: lg.jobs, consumer worker, sidekiq default.
	Name string
	// Unit is what depth counts, in the plural: "messages ready", "jobs waiting".
	Unit string
	// Missing, when set, says how the queue is missing ("does not exist in vhost /"); nothing
	// else is judged.
	Missing string
	// MissingRemedy is what to do about a missing queue.
	MissingRemedy string
	// First and Second are the depth at the two samples, Elapsed the time between them.
	First, Second int64
	Elapsed       time.Duration
	// Consumers is how many consumers drain the queue; ConsumersSeen is false where the layout
	// does not record them, and ConsumersHow says how they were counted, or why they could not be.
	Consumers     int
	ConsumersSeen bool
	ConsumersHow  string
	// Flow, when not nil, replaces the depth difference as the measure of the trend.
	Flow *Flow
	// DeadLetter marks a dead-letter queue: judged on its depth only.
	DeadLetter bool
}

// Limits are the thresholds an observation is judged against.
type Limits struct {
	// MaxDepth is the limit on depth, nil for none; DepthParam names the parameter (max_ready).
	MaxDepth   *int64
	DepthParam string
	Settings
	DeadLetters
}

// Judge adds the lines of one queue to j: its existence, depth, consumers and trend, or for a
// dead-letter queue its depth alone.
func Judge(j *kind.Judgement, o Observation, l Limits) {
	if o.Missing != "" {
		missing(j, o)
		return
	}
	if o.DeadLetter {
		deadLetter(j, o, l)
		return
	}
	depth(j, o, l)
	consumers(j, o, l)
	trend(j, o, l)
}

func missing(j *kind.Judgement, o Observation) {
	remedy := o.MissingRemedy
	if remedy == "" {
		remedy = "create it the way the app does (deploy the service that declares it), or fix the name in the checklist"
	}
	j.Add(kind.Line{Label: o.Name, Observed: "missing: " + o.Missing, Expected: "exists", Status: kind.Fail,
		Problem: fmt.Sprintf("%s %s: the app needs it", o.Name, o.Missing), Remedy: remedy})
}

func deadLetter(j *kind.Judgement, o Observation, l Limits) {
	observed := Count(o.Second) + " " + o.Unit
	if r, ok := netRate(o); ok && math.Abs(r) > 0 && !steady(o, r) {
		observed += ", " + direction(r) + " by " + PerMinute(math.Abs(r))
	}
	st := kind.Pass
	if o.Second > l.MaxDeadLetters {
		st = l.DeadLetters.status()
	}
	j.Add(kind.Line{Label: o.Name + " (dead letters)", Observed: observed, Expected: "≤ " + Count(l.MaxDeadLetters) + " (max_dead_letters)",
		Status:  st,
		Problem: fmt.Sprintf("dead-letter queue %s holds %s %s: jobs failed and were set aside", o.Name, Count(o.Second), o.Unit),
		Remedy:  "read the dead letters to find why their jobs failed, fix the cause, then replay or discard them"})
	if st == kind.Pass {
		j.Note("%s: %s", o.Name, observed)
	}
}

func depth(j *kind.Judgement, o Observation, l Limits) {
	expected := "no limit"
	st := kind.Pass
	if l.MaxDepth != nil {
		expected = "≤ " + Count(*l.MaxDepth) + " (" + l.DepthParam + ")"
		if o.Second > *l.MaxDepth {
			st = kind.Fail
		}
	}
	j.Add(kind.Line{Label: o.Name + " depth", Observed: Count(o.Second) + " " + o.Unit, Expected: expected, Status: st,
		Problem: fmt.Sprintf("%s holds %s %s, over %s %s", o.Name, Count(o.Second), o.Unit, l.DepthParam, Count(deref(l.MaxDepth))),
		Remedy:  "add consumers or make them faster, and find what floods the queue"})
}

func consumers(j *kind.Judgement, o Observation, l Limits) {
	label := o.Name + " consumers"
	if !o.ConsumersSeen {
		j.Add(kind.Line{Label: label, Observed: "not visible: " + o.ConsumersHow, Status: kind.Skip})
		return
	}
	observed := plural(o.Consumers, "consumer")
	if o.ConsumersHow != "" {
		observed += " (" + o.ConsumersHow + ")"
	}
	line := kind.Line{Label: label, Observed: observed, Expected: fmt.Sprintf("≥ %d (min_consumers)", l.MinConsumers), Status: kind.Pass,
		Remedy: "start the workers that drain " + o.Name + " (and check that they still read this name after the last deploy)"}
	switch {
	case o.Consumers >= l.MinConsumers:
	case o.Second > 0 && o.Consumers == 0:
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("%s %s and 0 consumers: nothing drains %s", Count(o.Second), o.Unit, o.Name)
	case o.Second > 0:
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("%s %s and %s on %s, fewer than min_consumers %d", Count(o.Second), o.Unit, plural(o.Consumers, "consumer"), o.Name, l.MinConsumers)
	default:
		line.Status = kind.Warn
		line.Problem = fmt.Sprintf("%s is empty but has %s (min_consumers %d): the next message will wait", o.Name, plural(o.Consumers, "consumer"), l.MinConsumers)
	}
	j.Add(line)
}

// trend judges whether the backlog drains: growing never does, shrinking must do so within
// max_drain_time, steady means the consumers keep up with the inflow.
func trend(j *kind.Judgement, o Observation, l Limits) {
	label := o.Name + " trend"
	expected := "drains within " + l.MaxDrainTime.String()
	r, ok := netRate(o)
	source := ""
	if o.Flow != nil && o.Flow.Source != "" {
		source = " (from " + o.Flow.Source + ")"
	}
	switch {
	case !ok:
		j.Add(kind.Line{Label: label, Observed: "not measured: the two samples were taken at the same moment", Status: kind.Skip})
		j.Note("%s: %s %s", o.Name, Count(o.Second), o.Unit)
	case o.First == 0 && o.Second == 0:
		j.Observe(label, "empty"+throughput(o)+source, expected)
		j.Note("%s: empty", o.Name)
	case steady(o, r):
		j.Observe(label, "steady at "+Count(o.Second)+throughput(o)+source, expected)
		j.Note("%s: %s %s, steady (the consumers keep up)", o.Name, Count(o.Second), o.Unit)
	case r > 0:
		with := "with " + plural(o.Consumers, "consumer")
		if !o.ConsumersSeen {
			with = "(consumers not visible)"
		}
		j.Add(kind.Line{Label: label, Observed: "growing by " + PerMinute(r) + source, Expected: expected, Status: kind.Fail,
			Problem: fmt.Sprintf("%s: depth %s growing by %s %s: it will never drain", o.Name, Count(o.Second), PerMinute(r), with),
			Remedy:  "add consumers or make them faster: the inflow outpaces them"})
	default:
		drain := time.Duration(float64(o.Second) / -r * float64(time.Second))
		st := kind.Pass
		if drain > l.MaxDrainTime.D() {
			st = kind.Fail
		}
		observed := fmt.Sprintf("shrinking by %s: drains in %s", PerMinute(-r), About(drain))
		j.Add(kind.Line{Label: label, Observed: observed + source, Expected: expected, Status: st,
			Problem: fmt.Sprintf("%s drains in %s at %s; limit %s", o.Name, About(drain), PerMinute(-r), l.MaxDrainTime),
			Remedy:  "add consumers or make them faster so that the backlog drains in time"})
		if st == kind.Pass {
			j.Note("%s: %s %s, drains in %s at %s", o.Name, Count(o.Second), o.Unit, About(drain), PerMinute(-r))
		}
	}
}

// netRate is the change of depth per second: from the broker's rates where it has them, else
// from the two samples.
func netRate(o Observation) (float64, bool) {
	if o.Flow != nil {
		return o.Flow.In - o.Flow.Out, true
	}
	if o.Elapsed <= 0 {
		return 0, false
	}
	return float64(o.Second-o.First) / o.Elapsed.Seconds(), true
}

// steady tells a depth that holds from one that moves. A change of at most two messages is
// steady, whatever the depth: it is the message or two in flight at either sample, and a band
// that grew with the depth would hide the slow drain (or growth) of a large backlog, which is
// what this check is for. Against known traffic, a net rate within 5 % of it is steady too:
// consumers that take messages in batches make the depth jitter by about that much. Rates from
// a source of their own (a broker's averages) decide over the two depths; rates derived from
// the samples' counters are the depth change itself, and a trickle of traffic (a client that
// handled two messages in the sample) must not turn one message in flight into "growing". On a
// bursty queue a longer sample evens bursts out.
func steady(o Observation, r float64) bool {
	if (o.Flow == nil || o.Flow.Source == "") && math.Abs(float64(o.Second-o.First)) <= 2 {
		return true
	}
	return o.Flow != nil && math.Abs(r) <= 0.05*math.Max(o.Flow.In, o.Flow.Out)
}

func throughput(o Observation) string {
	if o.Flow == nil || o.Flow.In == 0 && o.Flow.Out == 0 {
		return ""
	}
	return fmt.Sprintf(", %s in and %s out", PerMinute(o.Flow.In), PerMinute(o.Flow.Out))
}

func direction(r float64) string {
	if r > 0 {
		return "growing"
	}
	return "shrinking"
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func plural(n int, noun string) string { return Plural(int64(n), noun) }

// Plural counts a noun: "1 consumer", "3 consumers".
func Plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}
