package redischeck

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/launchgate/launchgate/checks/internal/queuejudge"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// Queue checks the Redis-backed job queues an app depends on: plain lists, streams read by a
// consumer group, and the layouts of Sidekiq, BullMQ and Celery. Each is judged like any queue
// (depth, consumers where the layout records them, dead letters, growth and drain time).
type Queue struct {
	URL             string        `yaml:"url" required:"true" doc:"The instance: redis://[user:password@]host:6379[/db], or rediss:// for TLS, e.g. ${REDIS_URL}."`
	Queues          []QueueEntry  `yaml:"queues" required:"true" doc:"The queues, each one of {list: NAME}, {stream: NAME, group: G}, {sidekiq: QUEUE}, {bullmq: QUEUE, prefix: bull} or {celery: QUEUE}."`
	MaxLength       *int64        `yaml:"max_length" doc:"Fail when a queue holds more waiting jobs than this (a list's LLEN; a stream's entries not yet delivered to the group)."`
	MaxPending      *int64        `yaml:"max_pending" doc:"Fail when more jobs than this are taken and not finished (a stream group's XPENDING count; BullMQ's active jobs)."`
	MaxOldestAge    kind.Duration `yaml:"max_oldest_age" doc:"Fail when the oldest waiting job (Sidekiq, BullMQ, stream), or the longest-pending stream entry's idle time, is older than this."`
	MaxConsumerIdle kind.Duration `yaml:"max_consumer_idle" doc:"A stream consumer idle longer than this (XINFO CONSUMERS) is not counted as draining while entries wait."`

	queuejudge.Settings    `yaml:",inline"`
	queuejudge.DeadLetters `yaml:",inline"`

	target *target
}

// QueueEntry is one queue: exactly one of list, stream, sidekiq, bullmq or celery.
type QueueEntry struct {
	List       string `yaml:"list" doc:"A plain list that producers push to and workers pop from."`
	Stream     string `yaml:"stream" doc:"A stream read by a consumer group (group)."`
	Group      string `yaml:"group" doc:"The stream's consumer group."`
	Sidekiq    string `yaml:"sidekiq" doc:"A Sidekiq queue: the list queue:QUEUE, the retry and dead sets, the processes' heartbeats."`
	BullMQ     string `yaml:"bullmq" doc:"A BullMQ queue: its wait, active, failed and delayed keys, and its workers' connections."`
	Prefix     string `yaml:"prefix" doc:"BullMQ's key prefix (default bull)."`
	Celery     string `yaml:"celery" doc:"A Celery queue on the Redis broker: the list QUEUE and its priority lists."`
	DeadLetter bool   `yaml:"dead_letter" doc:"The list is a dead-letter queue: judged on its length against max_dead_letters alone."`
}

func init() {
	kind.Register(kind.Kind{
		Name:       "redis.queue",
		Summary:    "Redis-backed job queues (lists, streams, Sidekiq, BullMQ, Celery) have consumers where the layout shows them, stay under their limits and drain in time.",
		Title:      "Redis job queues are consumed and drain in time",
		Positional: "url",
		New: func() kind.Check {
			return &Queue{MaxConsumerIdle: kind.Duration(time.Minute), Settings: queuejudge.DefaultSettings(), DeadLetters: queuejudge.DefaultDeadLetters()}
		},
		Example: `url: ${REDIS_URL}
queues:
  - sidekiq: default
  - bullmq: emails
    prefix: bull
  - stream: events
    group: indexer
max_length: 10000
max_oldest_age: 10m`,
	})
}

// Title names the queues and the instance, without its password.
func (q *Queue) Title() string {
	where := "Redis"
	if t, err := parseURL(q.URL); err == nil {
		where = t.Name
	}
	var names []string
	for _, e := range q.Queues {
		names = append(names, e.label())
	}
	if len(names) > 3 {
		names = append(names[:3:3], fmt.Sprintf("%d more", len(names)-3))
	}
	return fmt.Sprintf("Queues %s on %s are consumed and drain in time", strings.Join(names, ", "), where)
}

// label names an entry in output: "sidekiq default", "stream events/indexer".
func (e QueueEntry) label() string {
	switch {
	case e.Stream != "":
		return "stream " + e.Stream + "/" + e.Group
	case e.Sidekiq != "":
		return "sidekiq " + e.Sidekiq
	case e.BullMQ != "":
		return "bullmq " + e.BullMQ
	case e.Celery != "":
		return "celery " + e.Celery
	}
	return "list " + e.List
}

func (e QueueEntry) problems(i int) []error {
	var errs []error
	where := fmt.Sprintf("entry %d (%s)", i+1, e.label())
	set := 0
	for _, v := range []string{e.List, e.Stream, e.Sidekiq, e.BullMQ, e.Celery} {
		if strings.TrimSpace(v) != "" {
			set++
		}
	}
	if set != 1 {
		errs = append(errs, kind.BadParam("queues", "%s: give exactly one of list, stream, sidekiq, bullmq or celery, not %d", where, set))
	}
	if (e.Stream != "") != (e.Group != "") {
		errs = append(errs, kind.BadParam("queues", "%s: a stream needs its consumer group (stream: NAME, group: G), and group goes with stream", where))
	}
	if e.Prefix != "" && e.BullMQ == "" {
		errs = append(errs, kind.BadParam("queues", "%s: prefix is BullMQ's key prefix and goes with bullmq", where))
	}
	if e.DeadLetter && e.List == "" {
		errs = append(errs, kind.BadParam("queues", "%s: dead_letter marks a plain list; Sidekiq's dead set and BullMQ's failed jobs are judged as dead letters already", where))
	}
	return errs
}

// Validate parses the URL and checks that each entry names one layout.
func (q *Queue) Validate() error {
	var errs []error
	t, err := parseURL(q.URL)
	if err != nil {
		errs = append(errs, kind.BadParam("url", "%w", err))
	}
	q.target = t
	if len(q.Queues) == 0 {
		errs = append(errs, kind.BadParam("queues", "name at least one queue"))
	}
	for i := range q.Queues {
		if q.Queues[i].BullMQ != "" && q.Queues[i].Prefix == "" {
			q.Queues[i].Prefix = "bull"
		}
		errs = append(errs, q.Queues[i].problems(i)...)
	}
	errs = append(errs, queuejudge.NegativeLimits(map[string]*int64{"max_length": q.MaxLength, "max_pending": q.MaxPending})...)
	if q.MaxOldestAge < 0 {
		errs = append(errs, kind.BadParam("max_oldest_age", "must not be negative"))
	}
	if q.MaxConsumerIdle <= 0 {
		errs = append(errs, kind.BadParam("max_consumer_idle", "must be positive"))
	}
	errs = append(errs, q.Settings.Problems()...)
	errs = append(errs, q.DeadLetters.Problems()...)
	return errors.Join(errs...)
}

// Run reads every queue twice, sample apart, with read-only commands (LLEN, LINDEX, XINFO,
// XPENDING, XRANGE, ZCARD, HMGET, SMEMBERS, CLIENT LIST, TIME).
func (q *Queue) Run(ctx context.Context, env *kind.Env) kind.Result {
	if q.target == nil {
		if err := q.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	ctx, cancel, _ := q.Bound(ctx, defaultBudget)
	defer cancel()
	t := q.target
	timeout, given := probe.Budget(ctx, defaultBudget), probe.GivenTimeout(ctx, q.Sample.D()+defaultBudget)
	c, watch := t.Client(env, timeout, nil, probe.MaxReply)
	defer c.Close()
	first, second, elapsed, err := queuejudge.Sample(ctx, q.Sample.D(), func(ctx context.Context) ([]layoutReading, error) {
		return q.read(ctx, c)
	})
	var nt *queuejudge.NoTimeError
	switch {
	case errors.As(err, &nt):
		return nt.Result()
	case err != nil && watch.Err() == nil && strings.Contains(err.Error(), "NOPERM"):
		return kind.Errorf("allow the check's ACL user the read-only commands it runs: +time +llen +lindex +zcard +get +exists +hget +hmget +smembers +xlen +xinfo +xpending +xrange (and +client|list to see BullMQ's workers)",
			"%s: not allowed to read the queues: %s", t.Name, t.Red.String(err.Error()))
	case err != nil:
		return t.explain(watch.Why(err), "read the queues", given)
	}
	return q.judge(first, second, elapsed)
}

func (q *Queue) read(ctx context.Context, c *redis.Client) ([]layoutReading, error) {
	now, err := c.Time(ctx).Result()
	if err != nil {
		return nil, err
	}
	out := make([]layoutReading, len(q.Queues))
	for i, e := range q.Queues {
		r, err := q.readEntry(ctx, c, e, now)
		var wrong *wrongType
		switch {
		case errors.As(err, &wrong):
			r = layoutReading{wrongType: wrong.Error()}
		case err != nil:
			return nil, fmt.Errorf("%s: %w", e.label(), err)
		}
		out[i] = r
	}
	return out, nil
}

func (q *Queue) readEntry(ctx context.Context, c *redis.Client, e QueueEntry, now time.Time) (layoutReading, error) {
	switch {
	case e.Stream != "":
		return readStream(ctx, c, e, now, q.MaxConsumerIdle.D())
	case e.Sidekiq != "":
		return readSidekiq(ctx, c, e.Sidekiq, now)
	case e.BullMQ != "":
		return readBullMQ(ctx, c, e.Prefix, e.BullMQ, now)
	case e.Celery != "":
		return readCelery(ctx, c, e.Celery)
	}
	return readList(ctx, c, e.List)
}

func (q *Queue) judge(first, second []layoutReading, elapsed time.Duration) kind.Result {
	var j kind.Judgement
	// Sidekiq's dead and retry sets are shared by all its queues: judged once.
	seen := map[string]bool{}
	for i, e := range q.Queues {
		a, b := first[i], second[i]
		name := e.label()
		if b.wrongType != "" {
			j.Add(kind.Line{Label: name, Observed: b.wrongType, Expected: "the layout's key types", Status: kind.Error,
				Problem: name + ": " + b.wrongType, Remedy: "fix the entry: its key holds another kind of value than the layout uses (list, stream, sidekiq, bullmq or celery)"})
			continue
		}
		o := queuejudge.Observation{Name: name, Unit: b.unit, Missing: b.missing, MissingRemedy: b.missingRemedy,
			First: a.depth, Second: b.depth, Elapsed: elapsed, DeadLetter: e.DeadLetter,
			Consumers: b.consumers, ConsumersSeen: b.consumersSeen, ConsumersHow: b.consumersHow}
		if a.counted && b.counted && elapsed > 0 {
			in := float64(b.added-a.added) / elapsed.Seconds()
			o.Flow = &queuejudge.Flow{In: in, Out: max(in-float64(b.depth-a.depth)/elapsed.Seconds(), 0)}
		}
		queuejudge.Judge(&j, o, queuejudge.Limits{MaxDepth: q.MaxLength, DepthParam: "max_length", Settings: q.Settings, DeadLetters: q.DeadLetters})
		if b.missing != "" || e.DeadLetter {
			continue
		}
		q.judgeDetails(&j, name, b)
		if b.dead != nil && a.dead != nil && !seen[b.dead.name] {
			seen[b.dead.name] = true
			queuejudge.Judge(&j, queuejudge.Observation{Name: b.dead.name, Unit: "jobs", First: a.dead.count, Second: b.dead.count,
				Elapsed: elapsed, DeadLetter: true}, queuejudge.Limits{Settings: q.Settings, DeadLetters: q.DeadLetters})
		}
		for _, x := range b.extra {
			if !seen[x.label] {
				seen[x.label] = true
				j.Observe(x.label, x.observed, "")
			}
		}
	}
	return j.Result()
}

// judgeDetails adds what a layout records beyond depth: pending work and the age of the oldest
// job.
func (q *Queue) judgeDetails(j *kind.Judgement, name string, b layoutReading) {
	if b.pendingWhat != "" {
		queuejudge.Max(j, name, b.pendingWhat, b.pending, q.MaxPending, "max_pending",
			"jobs are taken and not finished: look for crashed or stuck workers (a stream's pending entries can be claimed with XAUTOCLAIM)")
	}
	remedy := "the oldest job waits too long: add workers, or find what keeps them from this queue"
	switch {
	case b.oldestHow != "":
		if q.MaxOldestAge > 0 {
			j.Add(kind.Line{Label: name + " oldest waiting job", Observed: "not visible: " + b.oldestHow, Status: kind.Skip})
		}
	case b.depth > 0:
		queuejudge.MaxAge(j, name, "oldest waiting job", b.oldest, q.MaxOldestAge.D(), "max_oldest_age", remedy)
	}
	if b.pendingIdle != nil {
		queuejudge.MaxAge(j, name, "longest-pending entry idle", *b.pendingIdle, q.MaxOldestAge.D(), "max_oldest_age",
			"an entry was delivered and never acknowledged: its consumer died or is stuck; claim it (XAUTOCLAIM) or fix the worker")
	}
}

// layoutReading is one look at one queue.
type layoutReading struct {
	unit                   string
	missing, missingRemedy string
	wrongType              string
	depth                  int64
	// added counts what ever entered the queue (a stream's entries, BullMQ's job ids), when
	// the layout counts it: two readings then give the traffic, not only the depth.
	added   int64
	counted bool
	// pendingWhat names the taken-not-finished count, empty where the layout has none.
	pendingWhat string
	pending     int64
	// oldest is the age of the oldest waiting job; oldestHow says why it cannot be seen.
	oldest        time.Duration
	oldestHow     string
	pendingIdle   *time.Duration
	consumers     int
	consumersSeen bool
	consumersHow  string
	dead          *deadSet
	extra         []extraLine
}

type deadSet struct {
	name  string
	count int64
}

type extraLine struct{ label, observed string }

// wrongType is a key of the layout that holds another type of value.
type wrongType struct{ key string }

func (w *wrongType) Error() string {
	return "key " + w.key + " holds another type of value than the layout uses"
}

// asWrongType turns Redis's WRONGTYPE into a *wrongType naming the key.
func asWrongType(err error, key string) error {
	if err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE") {
		return &wrongType{key: key}
	}
	return err
}

func readList(ctx context.Context, c *redis.Client, key string) (layoutReading, error) {
	n, err := c.LLen(ctx, key).Result()
	return layoutReading{unit: "entries", depth: n,
		consumersHow: "a plain list does not record its consumers",
		oldestHow:    "a plain list does not date its entries"}, asWrongType(err, key)
}

// celeryPriorities are the lists kombu's Redis transport keeps for priorities 3, 6 and 9
// besides the queue's own (priority 0): QUEUE\x06\x16N.
var celeryPriorities = []string{"", "\x06\x163", "\x06\x166", "\x06\x169"}

func readCelery(ctx context.Context, c *redis.Client, queue string) (layoutReading, error) {
	pipe := c.Pipeline()
	cmds := make([]*redis.IntCmd, len(celeryPriorities))
	for i, p := range celeryPriorities {
		cmds[i] = pipe.LLen(ctx, queue+p)
	}
	pipe.Exec(ctx)
	r := layoutReading{unit: "jobs waiting",
		consumersHow: "Celery's Redis broker does not record its workers",
		oldestHow:    "Celery's messages carry no enqueue time"}
	for i, cmd := range cmds {
		n, err := cmd.Result()
		if err != nil {
			return r, asWrongType(err, queue+celeryPriorities[i])
		}
		r.depth += n
	}
	return r, nil
}

func readStream(ctx context.Context, c *redis.Client, e QueueEntry, now time.Time, maxIdle time.Duration) (layoutReading, error) {
	r := layoutReading{unit: "entries undelivered", pendingWhat: "pending (delivered, not acknowledged)"}
	groups, err := c.XInfoGroups(ctx, e.Stream).Result()
	switch {
	case err != nil && strings.Contains(err.Error(), "no such key"):
		r.missing, r.missingRemedy = "does not exist", "start the producer that creates the stream, or fix the stream's name"
		return r, nil
	case err != nil:
		return r, asWrongType(err, e.Stream)
	}
	var g *redis.XInfoGroup
	for i := range groups {
		if groups[i].Name == e.Group {
			g = &groups[i]
		}
	}
	if g == nil {
		r.missing = "has no consumer group " + e.Group + " on its stream"
		r.missingRemedy = "start the workers that create the group (XGROUP CREATE), or fix the group's name"
		return r, nil
	}
	r.pending = g.Pending
	if g.Lag >= 0 {
		r.depth, r.added, r.counted = g.Lag, g.EntriesRead+g.Lag, true
	} else {
		// The lag is unknown after entries were deleted from the middle: the length is the
		// bound that remains.
		if r.depth, err = c.XLen(ctx, e.Stream).Result(); err != nil {
			return r, err
		}
		r.unit = "entries (XLEN: the group's lag is unknown)"
	}
	if err := streamAges(ctx, c, e, g, now, &r); err != nil {
		return r, err
	}
	consumers, err := c.XInfoConsumers(ctx, e.Stream, e.Group).Result()
	if err != nil {
		return r, err
	}
	r.consumersSeen = true
	for _, cons := range consumers {
		// A consumer blocked on an empty stream goes idle and is fine; one idle while entries
		// wait for it is gone.
		if cons.Idle <= maxIdle || r.depth == 0 {
			r.consumers++
		}
	}
	r.consumersHow = fmt.Sprintf("group members active within max_consumer_idle %s, of %d", kind.FormatDuration(maxIdle), len(consumers))
	return r, nil
}

// streamAges reads the age of the first entry not yet delivered to the group and the idle time
// of the oldest pending one.
func streamAges(ctx context.Context, c *redis.Client, e QueueEntry, g *redis.XInfoGroup, now time.Time, r *layoutReading) error {
	if r.depth > 0 {
		next, err := c.XRangeN(ctx, e.Stream, "("+g.LastDeliveredID, "+", 1).Result()
		if err != nil {
			return err
		}
		if len(next) > 0 {
			r.oldest = idAge(next[0].ID, now)
		}
	}
	if g.Pending > 0 {
		oldest, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: e.Stream, Group: e.Group, Start: "-", End: "+", Count: 1}).Result()
		if err != nil {
			return err
		}
		if len(oldest) > 0 {
			r.pendingIdle = &oldest[0].Idle
		}
	}
	return nil
}

// idAge is the age of a stream entry from its ID, whose first part is the server's clock in
// milliseconds when the entry was added.
func idAge(id string, now time.Time) time.Duration {
	ms, _, _ := strings.Cut(id, "-")
	var n int64
	if _, err := fmt.Sscan(ms, &n); err != nil {
		return 0
	}
	return max(now.Sub(time.UnixMilli(n)), 0)
}

// sidekiqProcess is the part of a Sidekiq process's info hash the check reads.
type sidekiqProcess struct {
	Queues      []string `json:"queues"`
	Concurrency int      `json:"concurrency"`
}

// readSidekiq reads queue:QUEUE, the global retry and dead sets, and the processes' heartbeats:
// each Sidekiq process refreshes its key every few seconds and the key expires after a minute.
func readSidekiq(ctx context.Context, c *redis.Client, queue string, now time.Time) (layoutReading, error) {
	key := "queue:" + queue
	r := layoutReading{unit: "jobs waiting", consumersSeen: true}
	pipe := c.Pipeline()
	llen, last := pipe.LLen(ctx, key), pipe.LIndex(ctx, key, -1)
	dead, retry := pipe.ZCard(ctx, "dead"), pipe.ZCard(ctx, "retry")
	procs := pipe.SMembers(ctx, "processes")
	pipe.Exec(ctx)
	var err error
	if r.depth, err = llen.Result(); err != nil {
		return r, asWrongType(err, key)
	}
	if err := last.Err(); err != nil && !errors.Is(err, redis.Nil) {
		return r, err
	}
	// Sidekiq pushes on the left and workers pop on the right: the oldest job is last.
	if r.depth > 0 {
		r.oldest, r.oldestHow = sidekiqAge(last.Val(), now)
	}
	for name, cmd := range map[string]*redis.IntCmd{"dead": dead, "retry": retry} {
		if err := cmd.Err(); err != nil {
			return r, asWrongType(err, name)
		}
	}
	r.dead = &deadSet{name: "sidekiq dead set", count: dead.Val()}
	r.extra = []extraLine{{"sidekiq retry set", queuejudge.Plural(retry.Val(), "job") + " waiting to be retried"}}
	members, err := procs.Result()
	if err != nil {
		return r, asWrongType(err, "processes")
	}
	r.consumers, r.consumersHow, err = sidekiqProcesses(ctx, c, members, queue, now)
	return r, err
}

// sidekiqAge reads enqueued_at from a job: seconds as a float before Sidekiq 8, milliseconds
// since.
func sidekiqAge(job string, now time.Time) (time.Duration, string) {
	var j struct {
		EnqueuedAt float64 `json:"enqueued_at"`
	}
	if err := json.Unmarshal([]byte(job), &j); err != nil || j.EnqueuedAt <= 0 {
		return 0, "the oldest job carries no enqueued_at"
	}
	ms := j.EnqueuedAt * 1000
	if j.EnqueuedAt > 1e11 {
		ms = j.EnqueuedAt
	}
	return max(now.Sub(time.UnixMilli(int64(ms))), 0), ""
}

// maxProcesses bounds how many Sidekiq processes the check reads.
const maxProcesses = 1000

func sidekiqProcesses(ctx context.Context, c *redis.Client, members []string, queue string, now time.Time) (int, string, error) {
	if len(members) > maxProcesses {
		members = members[:maxProcesses]
	}
	pipe := c.Pipeline()
	cmds := make([]*redis.SliceCmd, len(members))
	for i, m := range members {
		cmds[i] = pipe.HMGet(ctx, m, "info", "beat", "quiet")
	}
	if len(cmds) > 0 {
		pipe.Exec(ctx)
	}
	count, threads := 0, 0
	for _, cmd := range cmds {
		v, err := cmd.Result()
		if err != nil || len(v) != 3 {
			continue // an expired process: gone
		}
		info, _ := v[0].(string)
		beat, _ := v[1].(string)
		quiet, _ := v[2].(string)
		var p sidekiqProcess
		var at float64
		if json.Unmarshal([]byte(info), &p) != nil || quiet == "true" || !slices.Contains(p.Queues, queue) {
			continue
		}
		if _, err := fmt.Sscan(beat, &at); err != nil || now.Sub(time.UnixMilli(int64(at*1000))) > time.Minute {
			continue
		}
		count++
		threads += p.Concurrency
	}
	return count, fmt.Sprintf("Sidekiq processes serving it with a heartbeat in the last minute, %d threads", threads), nil
}

// readBullMQ reads BullMQ's keys for one queue and counts its workers' connections, which
// BullMQ names PREFIX:base64(QUEUE) (with :w:NAME for named workers).
func readBullMQ(ctx context.Context, c *redis.Client, prefix, queue string, now time.Time) (layoutReading, error) {
	base := prefix + ":" + queue + ":"
	r := layoutReading{unit: "jobs waiting", pendingWhat: "active (taken by a worker)", counted: true}
	pipe := c.Pipeline()
	exists := pipe.Exists(ctx, base+"meta", base+"id", base+"wait", base+"active", base+"failed", base+"completed")
	cmds := map[string]*redis.IntCmd{
		"wait": pipe.LLen(ctx, base+"wait"), "paused": pipe.LLen(ctx, base+"paused"), "active": pipe.LLen(ctx, base+"active"),
		"prioritized": pipe.ZCard(ctx, base+"prioritized"), "failed": pipe.ZCard(ctx, base+"failed"), "delayed": pipe.ZCard(ctx, base+"delayed"),
	}
	id, paused, last := pipe.Get(ctx, base+"id"), pipe.HGet(ctx, base+"meta", "paused"), pipe.LIndex(ctx, base+"wait", -1)
	pipe.Exec(ctx)
	if n, err := exists.Result(); err != nil || n == 0 {
		r.missing = "has no keys under prefix " + prefix + " (no " + base + "meta or " + base + "id)"
		r.missingRemedy = "check the queue's name and prefix, and that the app has created the queue"
		return r, err
	}
	counts := map[string]int64{}
	for name, cmd := range cmds {
		n, err := cmd.Result()
		if err != nil {
			return r, asWrongType(err, base+name)
		}
		counts[name] = n
	}
	r.depth = counts["wait"] + counts["paused"] + counts["prioritized"]
	r.pending = counts["active"]
	r.dead = &deadSet{name: "bullmq " + queue + " failed", count: counts["failed"]}
	r.extra = []extraLine{{"bullmq " + queue + " delayed", queuejudge.Plural(counts["delayed"], "job") + " scheduled for later"}}
	if s, err := id.Result(); err == nil {
		fmt.Sscan(s, &r.added)
	}
	r.oldestHow = "the oldest waiting job is prioritized or its hash is gone"
	if jobID, err := last.Result(); err == nil {
		// Jobs are pushed on the left of wait and taken from the right: the oldest is last.
		if ts, err := c.HGet(ctx, base+jobID, "timestamp").Int64(); err == nil {
			r.oldest, r.oldestHow = max(now.Sub(time.UnixMilli(ts)), 0), ""
		}
	}
	if paused.Val() == "1" {
		r.consumersSeen, r.consumersHow = true, "the queue is paused: workers take nothing"
		return r, nil
	}
	r.consumers, r.consumersSeen, r.consumersHow = bullWorkers(ctx, c, prefix, queue)
	return r, nil
}

// bullWorkers counts the connections BullMQ's workers named for the queue. CLIENT LIST may be
// refused to the check's user; the workers then cannot be seen, which the evidence says.
func bullWorkers(ctx context.Context, c *redis.Client, prefix, queue string) (int, bool, string) {
	list, err := c.ClientList(ctx).Result()
	if err != nil {
		return 0, false, "CLIENT LIST was refused (" + strings.SplitN(err.Error(), "\n", 2)[0] + "), so BullMQ's worker connections cannot be counted"
	}
	name := prefix + ":" + base64.StdEncoding.EncodeToString([]byte(queue))
	n := 0
	for _, line := range strings.Split(list, "\n") {
		for _, field := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(field, "name="); ok && (v == name || strings.HasPrefix(v, name+":w:")) {
				n++
			}
		}
	}
	return n, true, "worker connections named " + name + " in CLIENT LIST"
}
