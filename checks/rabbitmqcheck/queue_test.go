package rabbitmqcheck

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// TestBacklogScenarios builds each backlog on the shared broker, in queues of the test's own.
func TestBacklogScenarios(t *testing.T) {
	b := sharedBroker(t)

	t.Run("20,000 messages and no consumer fail", func(t *testing.T) {
		q := b.queue(t, "lg-test-jobs")
		b.publish(t, q, 20000)
		r := runCheck(t, newQueue(sharedURL, q), 10*time.Second)
		expect(t, r, kind.Fail, "20,000 messages ready and 0 consumers: nothing drains "+q)
	})

	t.Run("a consumer faster than the publisher drains in time", func(t *testing.T) {
		q := b.queue(t, "lg-test-drain")
		b.publish(t, q, 20000)
		b.startFlow(t, q, 100, 3000)
		c := newQueue(sharedURL, q)
		c.Sample = kind.Duration(time.Second)
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Pass, q+" trend: shrinking by", "drains in ~")
		if !strings.Contains(r.Summary, "drains in ~") {
			t.Errorf("the summary does not give the drain time: %q", r.Summary)
		}
	})

	t.Run("a slow consumer behind a fast publisher never drains", func(t *testing.T) {
		q := b.queue(t, "lg-test-grow")
		b.publish(t, q, 1000)
		b.startFlow(t, q, 2000, 100)
		c := newQueue(sharedURL, q)
		c.Sample = kind.Duration(time.Second)
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, "growing by", "with 1 consumer: it will never drain")
	})

	t.Run("a steady backlog under the limits passes as steady", func(t *testing.T) {
		q := b.queue(t, "lg-test-steady")
		b.publish(t, q, 500)
		b.startLockstep(t, q)
		c := newQueue(sharedURL, q)
		limit := int64(1000)
		c.MaxReady = &limit
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Pass, "steady at", "(the consumers keep up)")
	})

	t.Run("a steady backlog over max_ready fails", func(t *testing.T) {
		q := b.queue(t, "lg-test-full")
		b.publish(t, q, 500)
		b.startLockstep(t, q)
		c := newQueue(sharedURL, q)
		limit := int64(100)
		c.MaxReady = &limit
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, "over max_ready 100")
	})

	t.Run("a missing queue fails and nothing is created", func(t *testing.T) {
		name := "lg-test-missing-" + randomSuffix()
		r := runCheck(t, newQueue(sharedURL, name), 10*time.Second)
		expect(t, r, kind.Fail, name+" does not exist in vhost /: the app needs it")
		ch := b.channel(t)
		if _, err := ch.QueueDeclarePassive(name, false, false, false, false, nil); err == nil {
			t.Errorf("the check created queue %s", name)
			ch2 := b.channel(t)
			ch2.QueueDelete(name, false, false, false)
		}
	})

	t.Run("an empty queue with no consumer warns", func(t *testing.T) {
		q := b.queue(t, "lg-test-idle")
		r := runCheck(t, newQueue(sharedURL, q), 10*time.Second)
		expect(t, r, kind.Warn, q+" is empty but has 0 consumers")
	})

	t.Run("dead letters fail, or warn when asked to", func(t *testing.T) {
		q := b.queue(t, "lg-test-work")
		b.startFlow(t, q, 0, 100)
		dlq := b.queue(t, "lg-test-dead")
		b.publish(t, dlq, 12)
		c := newQueue(sharedURL, q)
		c.DeadLetter = []string{dlq}
		expect(t, runCheck(t, c, 10*time.Second), kind.Fail, "dead-letter queue "+dlq+" holds 12 messages ready")
		c.OnDeadLetters = "warn"
		expect(t, runCheck(t, c, 10*time.Second), kind.Warn, "dead-letter queue "+dlq)
		c.MaxDeadLetters = 20
		expect(t, runCheck(t, c, 10*time.Second), kind.Pass)
	})
}

func TestConnectionFailures(t *testing.T) {
	b := sharedBroker(t)
	q := b.queue(t, "lg-test-auth")
	tests := []struct {
		name, url string
		timeout   time.Duration
		want      []string
	}{
		// RabbitMQ answers a refused login after 3 s. Where the broker answers, the deadline is
		// generous (it costs nothing): a loaded machine must not turn the answer into a timeout.
		{"wrong password", "amqp://guest:hunter2-Wr0ng@127.0.0.1:5672/", 20 * time.Second, []string{`authentication failed for user "guest"`, "check the user name and password"}},
		{"wrong password, short deadline", "amqp://guest:hunter2-Wr0ng@127.0.0.1:5672/", time.Second, []string{`did not answer the login of user "guest" within`, "wrong credentials, or a stuck broker"}},
		{"unknown vhost", "amqp://guest:guest@127.0.0.1:5672/lg-no-such-vhost", 20 * time.Second, []string{`vhost lg-no-such-vhost does not exist`}},
		{"refused", "amqp://guest:hunter2-Wr0ng@" + testsvc.ClosedAddr(t) + "/", 3 * time.Second, []string{"connection refused", "start RabbitMQ"}},
		{"hanging", "amqp://guest:hunter2-Wr0ng@" + testsvc.HangingListener(t) + "/", time.Second, []string{"accepted the connection but did not answer within 1s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := runCheck(t, newQueue(tt.url, q), tt.timeout, "hunter2-Wr0ng")
			expect(t, r, kind.Error, tt.want...)
			if r.Remedy == "" {
				t.Error("no remedy")
			}
			testsvc.NotHung(t, start, tt.timeout)
		})
	}
}

func TestNoTimeForTheSecondSample(t *testing.T) {
	b := sharedBroker(t)
	q := b.queue(t, "lg-test-short")
	// The first read must fit in the deadline even on a busy machine; the sample never can.
	c := newQueue(sharedURL, q)
	c.Sample = kind.Duration(time.Minute)
	r := runCheck(t, c, 20*time.Second)
	expect(t, r, kind.Error, "not enough to wait sample 1m", "raise the check's timeout")
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(q *Queue)
		wants []string
	}{
		{"fine", func(q *Queue) {}, nil},
		{"pattern needs management", func(q *Queue) { q.Queues = []string{"lg.*"} }, []string{`queues: "lg.*" is a pattern: matching queues needs management_url`}},
		{"max_unacked needs management", func(q *Queue) { n := int64(5); q.MaxUnacked = &n }, []string{"max_unacked: needs management_url"}},
		{"with management both are fine", func(q *Queue) {
			n := int64(5)
			q.MaxUnacked, q.Queues, q.ManagementURL = &n, []string{"lg.*"}, "http://127.0.0.1:15672"
		}, nil},
		{"scheme", func(q *Queue) { q.URL = "http://guest:hunter2-S3cret@host/" }, []string{`url: unsupported scheme "http"`}},
		{"password with an unescaped #", func(q *Queue) { q.URL = "amqp://guest:hunter2#S3cret@host/" }, []string{"percent-encode"}},
		{"management scheme", func(q *Queue) { q.ManagementURL = "ftp://user:hunter2-S3cret@host" }, []string{"management_url: ftp://user:***@host must be an absolute http://"}},
		{"no queue", func(q *Queue) { q.Queues = []string{" "} }, []string{"queues: name at least one queue"}},
		{"pattern in dead_letter", func(q *Queue) { q.DeadLetter = []string{"dlq.*"} }, []string{`dead_letter: "dlq.*" is a pattern`}},
		{"settings", func(q *Queue) {
			q.Sample, q.MaxDrainTime, q.OnDeadLetters = kind.Duration(time.Millisecond), 0, "ignore"
		}, []string{"sample: must be between 100ms and 10m", "max_drain_time: must be positive", `on_dead_letters: "ignore": use fail or warn`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newQueue("amqp://guest:guest@127.0.0.1:5672/", "lg.jobs")
			tt.edit(q)
			err := q.Validate()
			if len(tt.wants) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wants)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "S3cret") {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		glob, name string
		want       bool
	}{
		{"lg.*", "lg.jobs", true},
		{"lg.*", "lg.jobs.dead", true},
		{"lg.*", "lgxjobs", false},
		{"jobs.?", "jobs.1", true},
		{"jobs.?", "jobs.10", false},
		{"a+b*", "a+b.c", true},
		{"a+b*", "aab", false},
	}
	for _, tt := range tests {
		if got := globRE(tt.glob).MatchString(tt.name); got != tt.want {
			t.Errorf("%q matches %q = %v, want %v", tt.glob, tt.name, got, tt.want)
		}
	}
}

// BenchmarkCheck runs a whole check, connection included, against the shared broker on
// loopback. The wait between the samples is excluded from the figure it reports.
func BenchmarkCheck(b *testing.B) {
	br := sharedBroker(b)
	q := br.queue(b, "lg-test-bench")
	br.publish(b, q, 100)
	c := newQueue(sharedURL, q)
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	c.Sample = kind.Duration(time.Millisecond)
	env := kind.DefaultEnv("bench")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if r := c.Run(ctx, env); r.Status != kind.Fail {
			b.Fatalf("status %s: %s", r.Status, r.Summary)
		}
		cancel()
	}
	perCheck := (time.Since(start) - time.Duration(b.N)*c.Sample.D()) / time.Duration(b.N)
	b.ReportMetric(float64(perCheck.Microseconds())/1000, "ms/check-without-sample")
}
