// Package natscheck holds the NATS readiness checks.
package natscheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/launchgate/launchgate/checks/internal/queuejudge"
	"github.com/launchgate/launchgate/internal/kind"
)

// Consumer checks that the durable consumers of a JetStream stream keep up: each has a client
// pulling (or bound), its backlog stays under its limits and drains in time, messages are not
// redelivered over and over, and the stream's own limits will not drop what nobody read yet.
type Consumer struct {
	URL            string        `yaml:"url" required:"true" doc:"The server: nats://[user:password@]host:4222, or tls:// for TLS, e.g. ${NATS_URL}."`
	Stream         string        `yaml:"stream" required:"true" doc:"The JetStream stream the consumers read."`
	Consumers      []string      `yaml:"consumers" doc:"The durable consumers to judge; empty judges every durable consumer on the stream."`
	MaxPending     *int64        `yaml:"max_pending" doc:"Fail when a consumer has more messages not yet delivered (num_pending) than this."`
	MaxAckPending  *int64        `yaml:"max_ack_pending" doc:"Fail when a consumer has more messages delivered and not yet acknowledged (num_ack_pending) than this."`
	MaxRedelivered *int64        `yaml:"max_redelivered" doc:"Fail when more messages than this were redelivered at least once (num_redelivered)."`
	MaxLastActive  kind.Duration `yaml:"max_last_active" doc:"Fail when the last acknowledgement (ack_floor.last_active) is older than this while messages are pending."`

	queuejudge.Settings `yaml:",inline"`

	target *target
}

func init() {
	kind.Register(kind.Kind{
		Name:       "nats.consumer",
		Summary:    "The durable consumers of a JetStream stream have clients, stay under their limits and drain in time; the stream's limits will not drop unread messages.",
		Title:      "JetStream consumers keep up with their stream",
		Positional: "url",
		New:        func() kind.Check { return &Consumer{Settings: queuejudge.DefaultSettings()} },
		Example: `url: ${NATS_URL}
stream: ORDERS
consumers: [order-worker]     # empty: every durable consumer
max_pending: 10000
max_redelivered: 100
max_last_active: 5m`,
	})
}

// Title names the stream and the server, without credentials.
func (c *Consumer) Title() string {
	where := "NATS"
	if t, err := parseURL(c.URL); err == nil {
		where = t.name
	}
	return fmt.Sprintf("Consumers of stream %s on %s keep up", c.Stream, where)
}

// Validate parses the URL and the limits.
func (c *Consumer) Validate() error {
	var errs []error
	t, err := parseURL(c.URL)
	if err != nil {
		errs = append(errs, kind.BadParam("url", "%w", err))
	}
	c.target = t
	c.Stream = strings.TrimSpace(c.Stream)
	if c.Stream == "" {
		errs = append(errs, kind.BadParam("stream", "name the stream"))
	} else if strings.ContainsAny(c.Stream, ".*> \t") {
		errs = append(errs, kind.BadParam("stream", "%q is not a stream name: names have no '.', '*', '>' or spaces", c.Stream))
	}
	c.Consumers = kind.NonEmpty(c.Consumers)
	errs = append(errs, queuejudge.NegativeLimits(map[string]*int64{"max_pending": c.MaxPending, "max_ack_pending": c.MaxAckPending, "max_redelivered": c.MaxRedelivered})...)
	if c.MaxLastActive < 0 {
		errs = append(errs, kind.BadParam("max_last_active", "must not be negative"))
	}
	errs = append(errs, c.Settings.Problems()...)
	return errors.Join(errs...)
}

// reading is one look at the stream and its consumers; a consumer that does not exist is nil.
type reading struct {
	stream    *jetstream.StreamInfo
	consumers map[string]*jetstream.ConsumerInfo
}

// Run reads the stream's and its consumers' info twice, sample apart. It only asks JetStream's
// API for information: nothing is created, bound, pulled or acknowledged.
func (c *Consumer) Run(ctx context.Context, env *kind.Env) kind.Result {
	if c.target == nil {
		if err := c.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	ctx, cancel, timeout := c.Bound(ctx, 10*time.Second)
	defer cancel()
	t := c.target
	s, d, err := t.connect(ctx, env)
	if err != nil {
		return t.explain(err, d, timeout)
	}
	defer s.close()
	stream, err := s.js.Stream(ctx, c.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		var j kind.Judgement
		queuejudge.Judge(&j, queuejudge.Observation{Name: "stream " + c.Stream, Missing: "does not exist",
			MissingRemedy: "create the stream the way the app does (nats stream add), or fix the stream parameter"}, queuejudge.Limits{Settings: c.Settings})
		return j.Result()
	}
	if err != nil {
		return t.explain(err, d, timeout)
	}
	names := c.Consumers
	if len(names) == 0 {
		if names, err = durables(ctx, stream); err != nil {
			return t.explain(err, d, timeout)
		}
	}
	first, second, elapsed, err := queuejudge.Sample(ctx, c.Sample.D(), func(ctx context.Context) (reading, error) {
		return read(ctx, stream, names)
	})
	var nt *queuejudge.NoTimeError
	switch {
	case errors.As(err, &nt):
		return nt.Result()
	case err != nil:
		return t.explain(err, d, timeout)
	}
	now := time.Now
	if env.Now != nil {
		now = env.Now
	}
	return c.judge(names, first, second, elapsed, now())
}

// durables lists the stream's durable consumers; ephemeral ones belong to one client's session.
func durables(ctx context.Context, stream jetstream.Stream) ([]string, error) {
	lister := stream.ListConsumers(ctx)
	var names []string
	for info := range lister.Info() {
		if info.Config.Durable != "" {
			names = append(names, info.Name)
		}
	}
	return names, lister.Err()
}

func read(ctx context.Context, stream jetstream.Stream, names []string) (reading, error) {
	info, err := stream.Info(ctx)
	if err != nil {
		return reading{}, err
	}
	r := reading{stream: info, consumers: make(map[string]*jetstream.ConsumerInfo, len(names))}
	for _, name := range names {
		cons, err := stream.Consumer(ctx, name)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			r.consumers[name] = nil
			continue
		}
		if err != nil {
			return reading{}, fmt.Errorf("reading consumer %s: %w", name, err)
		}
		r.consumers[name] = cons.CachedInfo()
	}
	return r, nil
}

func (c *Consumer) judge(names []string, first, second reading, elapsed time.Duration, now time.Time) kind.Result {
	var j kind.Judgement
	if len(names) == 0 {
		noDurables(&j, c.Stream, second.stream)
	}
	for _, name := range names {
		c.judgeConsumer(&j, name, first.consumers[name], second.consumers[name], elapsed, now)
	}
	streamLimits(&j, c.Stream, second.stream)
	return j.Result()
}

func noDurables(j *kind.Judgement, name string, st *jetstream.StreamInfo) {
	line := kind.Line{Label: "stream " + name + " consumers", Observed: "no durable consumer", Expected: "at least one",
		Status: kind.Warn, Problem: fmt.Sprintf("stream %s has no durable consumer: the next message will wait", name),
		Remedy: "start the service that creates the stream's durable consumer, or name the consumers in consumers"}
	if st.State.Msgs > 0 {
		line.Status = kind.Fail
		line.Problem = fmt.Sprintf("stream %s holds %s messages and has no durable consumer: nothing drains it", name, queuejudge.Count(int64(st.State.Msgs)))
	}
	j.Add(line)
}

func (c *Consumer) judgeConsumer(j *kind.Judgement, name string, a, b *jetstream.ConsumerInfo, elapsed time.Duration, now time.Time) {
	o := queuejudge.Observation{Name: "consumer " + name, Unit: "messages pending"}
	limits := queuejudge.Limits{MaxDepth: c.MaxPending, DepthParam: "max_pending", Settings: c.Settings}
	if b == nil {
		o.Missing = "does not exist on stream " + c.Stream
		o.MissingRemedy = "create the durable consumer the way the app does (nats consumer add), or fix the consumers parameter"
		queuejudge.Judge(j, o, limits)
		return
	}
	if a == nil {
		a = b // created between the samples
	}
	o.First, o.Second, o.Elapsed = int64(a.NumPending), int64(b.NumPending), elapsed
	o.Consumers, o.ConsumersHow = clients(a, b)
	o.ConsumersSeen = true
	if elapsed > 0 {
		// Deliveries count out of the backlog; what came in is the rest of the change.
		out := float64(b.Delivered.Consumer-a.Delivered.Consumer) / elapsed.Seconds()
		net := float64(o.Second-o.First) / elapsed.Seconds()
		o.Flow = &queuejudge.Flow{In: max(net+out, 0), Out: out}
	}
	queuejudge.Judge(j, o, limits)
	queuejudge.Max(j, o.Name, "ack pending", int64(b.NumAckPending), c.MaxAckPending, "max_ack_pending",
		"the clients take messages and do not acknowledge them in time: look for stuck or slow workers")
	if b.Config.MaxAckPending > 0 && b.NumAckPending >= b.Config.MaxAckPending {
		j.Add(kind.Line{Label: o.Name + " delivery", Observed: "stalled at its MaxAckPending " + queuejudge.Count(int64(b.Config.MaxAckPending)),
			Expected: "below MaxAckPending", Status: kind.Fail,
			Problem: fmt.Sprintf("%s: %s messages await acknowledgement, its MaxAckPending: the server delivers nothing more until they are acked", o.Name, queuejudge.Count(int64(b.NumAckPending))),
			Remedy:  "find why the clients do not acknowledge (stuck handlers, a missed Ack), or raise the consumer's MaxAckPending"})
	}
	queuejudge.Max(j, o.Name, "redelivered", int64(b.NumRedelivered), c.MaxRedelivered, "max_redelivered",
		"messages are delivered again and again: find the message that makes the handler fail (a poison message) and give the consumer a MaxDeliver")
	c.lastActive(j, o.Name, b, now)
}

// clients counts the clients that drain a consumer: a bound subscriber of a push consumer, or
// the pull requests waiting on a pull consumer (or, between two pulls, deliveries that moved).
func clients(a, b *jetstream.ConsumerInfo) (int, string) {
	if b.Config.DeliverSubject != "" {
		if a.PushBound || b.PushBound {
			return 1, "push consumer with a bound subscriber"
		}
		return 0, "push consumer with no subscriber bound"
	}
	if w := max(a.NumWaiting, b.NumWaiting); w > 0 {
		return w, "pull requests waiting"
	}
	if b.Delivered.Consumer > a.Delivered.Consumer || b.AckFloor.Consumer > a.AckFloor.Consumer {
		return 1, "pulled between the samples"
	}
	return 0, "no pull request waiting and nothing delivered between the samples"
}

// lastActive judges the age of the last acknowledgement, which says whether a consumer's
// clients still make progress; it means nothing while no message is pending.
func (c *Consumer) lastActive(j *kind.Judgement, name string, b *jetstream.ConsumerInfo, now time.Time) {
	if c.MaxLastActive <= 0 || b.NumPending == 0 && b.NumAckPending == 0 {
		return
	}
	remedy := "the clients stopped acknowledging: look for crashed or stuck workers"
	if b.AckFloor.Last == nil {
		age := now.Sub(b.Created)
		st := kind.Pass
		if age > c.MaxLastActive.D() {
			st = kind.Fail
		}
		j.Add(kind.Line{Label: name + " last acknowledgement", Observed: "never, created " + queuejudge.About(age) + " ago",
			Expected: "≤ " + c.MaxLastActive.String() + " (max_last_active)", Status: st,
			Problem: fmt.Sprintf("%s has never acknowledged a message since it was created %s ago", name, queuejudge.About(age)), Remedy: remedy})
		return
	}
	queuejudge.MaxAge(j, name, "last acknowledgement", now.Sub(*b.AckFloor.Last), c.MaxLastActive.D(), "max_last_active", remedy)
}

// streamLimits warns when the stream is within 80 % of a limit that drops data: with the
// discard policy old, the oldest messages go whether read or not; with new, publishers are
// refused.
func streamLimits(j *kind.Judgement, name string, st *jetstream.StreamInfo) {
	cfg, state := st.Config, st.State
	limits := []struct {
		param     string
		used, max int64
		show      func(int64) string
	}{
		{"max_msgs", int64(state.Msgs), cfg.MaxMsgs, queuejudge.Count},
		{"max_bytes", int64(state.Bytes), cfg.MaxBytes, func(n int64) string { return kind.ByteSize(n).String() }},
	}
	label := "stream " + name + " limits"
	judged := false
	for _, l := range limits {
		if l.max <= 0 {
			continue
		}
		judged = true
		pct := l.used * 100 / l.max
		discard, consequence := "old", "messages not yet consumed will be dropped"
		if cfg.Discard == jetstream.DiscardNew {
			discard, consequence = "new", "publishers will be refused"
		}
		line := kind.Line{Label: label, Observed: fmt.Sprintf("%s of %s %s (%d %%), discard %s", l.show(l.used), l.param, l.show(l.max), pct, discard),
			Expected: "< 80 %", Status: kind.Pass,
			Problem: fmt.Sprintf("stream %s holds %d %% of its %s (%s of %s) and discards %s: %s", name, pct, l.param, l.show(l.used), l.show(l.max), discard, consequence),
			Remedy:  "raise the stream's limits (nats stream edit) or drain it faster"}
		if pct >= 80 {
			line.Status = kind.Warn
		}
		j.Add(line)
	}
	if !judged {
		j.Observe(label, "no max_msgs or max_bytes", "")
	}
}
