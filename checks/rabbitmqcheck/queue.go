// Package rabbitmqcheck holds the RabbitMQ readiness checks.
package rabbitmqcheck

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/launchgate/launchgate/checks/internal/queuejudge"
	"github.com/launchgate/launchgate/internal/kind"
)

// Queue checks that the queues an app depends on exist, are consumed and drain in time. The
// outage it answers: a spike of two million jobs that workers chew through at 500 a minute, a
// queue nobody consumes after a deploy renamed it, a dead-letter queue filling in silence.
type Queue struct {
	URL        string   `yaml:"url" required:"true" doc:"The broker: amqp://user:password@host:5672/vhost, or amqps:// for TLS, e.g. ${AMQP_URL}."`
	Queues     []string `yaml:"queues" required:"true" doc:"The queues to judge, by name; with management_url also glob patterns (lg.*, jobs.?)."`
	Vhost      string   `yaml:"vhost" doc:"The vhost the queues live in, instead of the url's."`
	MaxReady   *int64   `yaml:"max_ready" doc:"Fail when a queue holds more ready messages than this."`
	MaxUnacked *int64   `yaml:"max_unacked" doc:"Fail when a queue has more unacknowledged messages than this (needs management_url)."`

	queuejudge.Settings `yaml:",inline"`

	DeadLetter []string `yaml:"dead_letter" doc:"Dead-letter queues, by name: they must hold at most max_dead_letters messages."`

	queuejudge.DeadLetters `yaml:",inline"`

	ManagementURL string `yaml:"management_url" doc:"The management API, http://[user:password@]host:15672 (the url's user when it names none): adds unacknowledged counts, publish and deliver rates, patterns in queues, and resource alarms."`

	target   *target
	mgmt     *management
	patterns map[string]*regexp.Regexp
}

func init() {
	kind.Register(kind.Kind{
		Name:       "rabbitmq.queue",
		Summary:    "RabbitMQ queues exist, have consumers, stay under their limits and drain in time; dead-letter queues stay empty.",
		Title:      "RabbitMQ queues are consumed and drain in time",
		Positional: "url",
		New: func() kind.Check {
			return &Queue{Settings: queuejudge.DefaultSettings(), DeadLetters: queuejudge.DefaultDeadLetters()}
		},
		Example: `url: ${AMQP_URL}
queues: [lg.jobs, lg.mail]
max_ready: 10000
max_drain_time: 10m
dead_letter: [lg.jobs.dead]
management_url: http://rabbitmq.internal:15672   # optional`,
	})
}

// Title names the queues and the broker, without credentials.
func (q *Queue) Title() string {
	where := "RabbitMQ"
	if t, err := parseURL(q.URL); err == nil {
		where = t.name
	}
	names := q.Queues
	if len(names) > 3 {
		names = append(names[:3:3], fmt.Sprintf("%d more", len(q.Queues)-3))
	}
	return fmt.Sprintf("Queues %s on %s are consumed and drain in time", strings.Join(names, ", "), where)
}

func isPattern(name string) bool { return strings.ContainsAny(name, "*?") }

// globRE compiles a glob where * matches any run of characters (dots included: queue names are
// not paths) and ? one character.
func globRE(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Validate parses the URLs and refuses what AMQP alone cannot give.
func (q *Queue) Validate() error {
	var errs []error
	t, err := parseURL(q.URL)
	if err != nil {
		errs = append(errs, kind.BadParam("url", "%w", err))
	}
	if t != nil && q.Vhost != "" {
		t.uri.Vhost = q.Vhost
	}
	q.target = t
	q.Queues = kind.NonEmpty(q.Queues)
	q.DeadLetter = kind.NonEmpty(q.DeadLetter)
	if len(q.Queues) == 0 {
		errs = append(errs, kind.BadParam("queues", "name at least one queue"))
	}
	q.mgmt, q.patterns = nil, map[string]*regexp.Regexp{}
	if q.ManagementURL != "" {
		m, err := parseManagementURL(q.ManagementURL, t)
		if err != nil {
			errs = append(errs, kind.BadParam("management_url", "%w", err))
		}
		q.mgmt = m
	}
	for _, name := range append(q.Queues, q.DeadLetter...) {
		if !utf8.ValidString(name) {
			errs = append(errs, kind.BadParam("queues", "%q is not valid UTF-8, which RabbitMQ requires of queue names", name))
		}
	}
	for _, name := range q.Queues {
		if !isPattern(name) || !utf8.ValidString(name) {
			continue
		}
		if q.ManagementURL == "" {
			errs = append(errs, kind.BadParam("queues", "%q is a pattern: matching queues needs management_url (AMQP looks a queue up by its exact name)", name))
		}
		q.patterns[name] = globRE(name)
	}
	for _, name := range q.DeadLetter {
		if isPattern(name) {
			errs = append(errs, kind.BadParam("dead_letter", "%q is a pattern: name each dead-letter queue", name))
		}
	}
	if q.MaxUnacked != nil && q.ManagementURL == "" {
		errs = append(errs, kind.BadParam("max_unacked", "needs management_url: AMQP's passive declare reports only ready messages and consumers"))
	}
	errs = append(errs, queuejudge.NegativeLimits(map[string]*int64{"max_ready": q.MaxReady, "max_unacked": q.MaxUnacked})...)
	errs = append(errs, q.Settings.Problems()...)
	errs = append(errs, q.DeadLetters.Problems()...)
	return errors.Join(errs...)
}

func (q *Queue) vhost() string { return q.target.vhostName() }

// Run connects over AMQP, reads each queue twice with a passive declare, sample apart, and with
// management_url also reads the queue listing and the resource alarms. It never declares,
// binds, publishes or consumes.
func (q *Queue) Run(ctx context.Context, env *kind.Env) kind.Result {
	if q.target == nil {
		if err := q.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	ctx, cancel, timeout := q.Bound(ctx, 10*time.Second)
	defer cancel()
	dl, _ := ctx.Deadline()
	t := q.target
	// amqp091 has no contexts: the socket's deadline is the context's, and an error at that
	// moment may come a hair before the context reports it.
	expired := func() bool { return ctx.Err() != nil || time.Until(dl) < 50*time.Millisecond }
	s, err := t.connect(ctx, env)
	if err != nil {
		return t.explain(err, timeout, expired())
	}
	defer s.close()

	var obs observed
	if q.mgmt != nil {
		if obs.listing, err = q.mgmt.queues(ctx, env, q.vhost()); err == nil {
			obs.alarms, err = q.mgmt.alarms(ctx, env)
		}
		var ae *apiError
		if errors.As(err, &ae) {
			return ae.result
		}
	}
	obs.names, obs.unmatched = q.resolve(obs.listing)
	all := append(append([]string(nil), obs.names...), q.DeadLetter...)
	obs.first, obs.second, obs.elapsed, err = queuejudge.Sample(ctx, q.Sample.D(), func(context.Context) (map[string]reading, error) {
		return s.read(all, q.vhost())
	})
	var nt *queuejudge.NoTimeError
	switch {
	case errors.As(err, &nt):
		return nt.Result()
	case err != nil:
		return t.explain(err, timeout, expired())
	}
	return q.judge(obs)
}

// observed is everything a run read.
type observed struct {
	names, unmatched []string
	first, second    map[string]reading
	elapsed          time.Duration
	listing          map[string]mgmtQueue // nil without management_url
	alarms           []string
}

// resolve expands patterns against the listing; names stay in the checklist's order, with each
// pattern's matches sorted in its place. Patterns that match nothing are returned apart.
func (q *Queue) resolve(listing map[string]mgmtQueue) (names, unmatched []string) {
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for _, name := range q.Queues {
		re := q.patterns[name]
		if re == nil {
			add(name)
			continue
		}
		var matched []string
		for n := range listing {
			if re.MatchString(n) {
				matched = append(matched, n)
			}
		}
		if len(matched) == 0 {
			unmatched = append(unmatched, name)
		}
		sort.Strings(matched)
		for _, n := range matched {
			add(n)
		}
	}
	return names, unmatched
}

func (q *Queue) judge(obs observed) kind.Result {
	var j kind.Judgement
	for _, p := range obs.unmatched {
		j.Add(kind.Line{Label: p, Observed: "no queue matches", Expected: "at least one queue", Status: kind.Fail,
			Problem: fmt.Sprintf("no queue in vhost %s matches %s: the app needs its queues", q.vhost(), p),
			Remedy:  "start the service that declares the queues, or fix the pattern"})
	}
	for _, name := range obs.names {
		q.judgeQueue(&j, name, obs, false)
	}
	for _, name := range q.DeadLetter {
		q.judgeQueue(&j, name, obs, true)
	}
	if q.mgmt != nil {
		judgeAlarms(&j, obs.alarms)
	}
	return j.Result()
}

func (q *Queue) judgeQueue(j *kind.Judgement, name string, obs observed, dead bool) {
	a, b := obs.first[name], obs.second[name]
	if b.locked {
		j.Add(kind.Line{Label: name, Observed: "exclusive to another connection", Expected: "a shared queue", Status: kind.Error,
			Problem: fmt.Sprintf("queue %s is exclusive to another connection: a passive declare cannot read it", name),
			Remedy:  "drop exclusive (per-connection) queues from the checklist: they live and die with one consumer"})
		return
	}
	o := queuejudge.Observation{Name: name, Unit: "messages ready", Missing: b.missing,
		First: a.ready, Second: b.ready, Elapsed: obs.elapsed,
		Consumers: b.consumers, ConsumersSeen: true, DeadLetter: dead}
	mq, listed := obs.listing[name]
	if listed && mq.MessageStats != nil {
		o.Flow = &queuejudge.Flow{In: mq.MessageStats.Publish.Rate, Out: mq.MessageStats.DeliverGet.Rate,
			Source: "the management API's publish and deliver rates"}
	}
	queuejudge.Judge(j, o, queuejudge.Limits{MaxDepth: q.MaxReady, DepthParam: "max_ready", Settings: q.Settings, DeadLetters: q.DeadLetters})
	if listed && !dead && b.missing == "" {
		queuejudge.Max(j, name, "unacknowledged", mq.Unacked, q.MaxUnacked, "max_unacked",
			"the consumers take messages and do not acknowledge them: look for stuck or slow workers and their prefetch")
	}
}

func judgeAlarms(j *kind.Judgement, alarms []string) {
	if len(alarms) == 0 {
		j.Observe("resource alarms", "none", "none")
		return
	}
	j.Add(kind.Line{Label: "resource alarms", Observed: strings.Join(alarms, "; "), Expected: "none", Status: kind.Fail,
		Problem: "RabbitMQ has a resource alarm in effect (" + strings.Join(alarms, "; ") + "): it blocks every publisher",
		Remedy:  "free memory or disk on the broker, or raise its watermark: while an alarm is in effect no message is accepted"})
}
