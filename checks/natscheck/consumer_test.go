package natscheck

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// puller is a client that pulls and acknowledges at most perSecond messages a second from a
// consumer, and optionally publishes perSecondIn messages to the stream, until the test ends.
type puller struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func (s *server) startPuller(t *testing.T, c jetstream.Consumer, subject string, perSecond, perSecondIn int) {
	t.Helper()
	p := &puller{stop: make(chan struct{})}
	t.Cleanup(func() {
		close(p.stop)
		p.wg.Wait()
	})
	p.every(perSecondIn, func(n int) {
		for i := 0; i < n; i++ {
			s.js.PublishAsync(subject+".job", []byte("job"))
		}
	})
	p.every(perSecond, func(n int) {
		batch, err := c.FetchNoWait(n)
		if err != nil {
			return
		}
		for m := range batch.Messages() {
			m.Ack()
		}
	})
}

// every calls fn with the number of operations due, every 10ms, until the test ends.
func (p *puller) every(perSecond int, fn func(n int)) {
	if perSecond == 0 {
		return
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		start, done := time.Now(), 0
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
			due := int(time.Since(start).Seconds() * float64(perSecond))
			if due > done {
				fn(due - done)
				done = due
			}
		}
	}()
}

// TestBacklogs builds each backlog on the shared server, in streams of the test's own.
func TestBacklogs(t *testing.T) {
	s := connect(t, sharedURL)

	t.Run("a durable consumer 10,000 behind with no client fails", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		s.durable(t, st, jetstream.ConsumerConfig{Durable: "behind"})
		s.publish(t, subject, 10000)
		r := runCheck(t, newConsumer(sharedURL, st.CachedInfo().Config.Name, "behind"), 10*time.Second)
		expect(t, r, kind.Fail, "10,000 messages pending and 0 consumers: nothing drains consumer behind",
			"no pull request waiting and nothing delivered between the samples")
	})

	t.Run("redeliveries over max_redelivered fail", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "poison", AckWait: time.Minute})
		s.publish(t, subject, 5)
		// A handler that fails on every message: each is handed back and delivered again.
		for round := 0; round < 2; round++ {
			batch, err := c.Fetch(5, jetstream.FetchMaxWait(5*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			for m := range batch.Messages() {
				if round == 0 {
					m.Nak()
				}
			}
		}
		waitInfo(t, c, "5 redelivered", func(i *jetstream.ConsumerInfo) bool { return i.NumRedelivered == 5 })
		k := newConsumer(sharedURL, st.CachedInfo().Config.Name)
		k.MaxRedelivered, k.MaxAckPending = ptr(0), ptr(2)
		r := runCheck(t, k, 10*time.Second)
		expect(t, r, kind.Fail, "consumer poison: 5 redelivered, over max_redelivered 0", "consumer poison: 5 ack pending, over max_ack_pending 2",
			"poison message")
	})

	t.Run("a client draining faster than the inflow passes with a drain time", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "fast"})
		s.publish(t, subject, 10000)
		s.startPuller(t, c, subject, 2000, 100)
		waitInfo(t, c, "deliveries", func(i *jetstream.ConsumerInfo) bool { return i.Delivered.Consumer > 0 })
		k := newConsumer(sharedURL, st.CachedInfo().Config.Name, "fast")
		k.Sample = kind.Duration(time.Second)
		r := runCheck(t, k, 10*time.Second)
		expect(t, r, kind.Pass, "consumer fast trend: shrinking by", "drains in ~", "pulled between the samples")
	})

	t.Run("a slow client behind a fast publisher never drains", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "slow"})
		s.publish(t, subject, 500)
		s.startPuller(t, c, subject, 100, 1500)
		waitInfo(t, c, "deliveries", func(i *jetstream.ConsumerInfo) bool { return i.Delivered.Consumer > 0 })
		k := newConsumer(sharedURL, st.CachedInfo().Config.Name, "slow")
		k.Sample = kind.Duration(time.Second)
		r := runCheck(t, k, 10*time.Second)
		expect(t, r, kind.Fail, "growing by", "with 1 consumer: it will never drain")
	})

	t.Run("a client that keeps up with the inflow holds a steady backlog", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "steady"})
		s.publish(t, subject, 300)
		// Each message handled puts one back before it is acknowledged, and the client takes one
		// at a time: the inflow equals what the client takes to within a message, however
		// unevenly a busy machine lets the client run (with asynchronous publishes and batches
		// of ten, a starved client has been seen to fall behind its own inflow for a sample).
		cc, err := c.Consume(func(m jetstream.Msg) {
			ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
			defer cancel()
			if _, err := s.js.Publish(ctx, subject+".job", []byte("job")); err == nil {
				m.Ack()
			}
		}, jetstream.PullMaxMessages(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cc.Stop)
		// A pull request waits at the server only while nothing is pending, which with a
		// backlog of 300 is almost never: wait for deliveries instead.
		waitInfo(t, c, "deliveries", func(i *jetstream.ConsumerInfo) bool { return i.Delivered.Consumer > 0 })
		k := newConsumer(sharedURL, st.CachedInfo().Config.Name, "steady")
		k.MaxPending = ptr(1000)
		// A longer sample keeps the one message in flight a small part of what moves, even when
		// a starved client handles only a few messages a second.
		k.Sample = kind.Duration(5 * time.Second)
		r := runCheck(t, k, 30*time.Second)
		// A client starved of CPU for a whole sample handled nothing in it, and the check rightly
		// sees no client: that is the machine, not the check, so only that result samples again.
		for deadline := time.Now().Add(testsvc.WaitLimit); starved(r) && time.Now().Before(deadline); {
			r = runCheck(t, k, 30*time.Second)
		}
		expect(t, r, kind.Pass, "consumer steady trend: steady at")
	})

	t.Run("every durable consumer is judged when none is named", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		s.durable(t, st, jetstream.ConsumerConfig{Durable: "one"})
		s.durable(t, st, jetstream.ConsumerConfig{Durable: "two"})
		s.publish(t, subject, 3)
		r := runCheck(t, newConsumer(sharedURL, st.CachedInfo().Config.Name), 10*time.Second)
		expect(t, r, kind.Fail, "nothing drains consumer one", "nothing drains consumer two")
	})

	t.Run("a stream with messages and no durable consumer fails", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		s.publish(t, subject, 3)
		r := runCheck(t, newConsumer(sharedURL, st.CachedInfo().Config.Name), 10*time.Second)
		expect(t, r, kind.Fail, "holds 3 messages and has no durable consumer: nothing drains it")
	})

	t.Run("missing stream and missing consumer fail", func(t *testing.T) {
		r := runCheck(t, newConsumer(sharedURL, "LGTEST_NONE_"+strings.ToUpper(randomSuffix())), 10*time.Second)
		expect(t, r, kind.Fail, "does not exist: the app needs it", "nats stream add")
		st, _ := s.stream(t, jetstream.StreamConfig{})
		r = runCheck(t, newConsumer(sharedURL, st.CachedInfo().Config.Name, "ghost"), 10*time.Second)
		expect(t, r, kind.Fail, "consumer ghost does not exist on stream "+st.CachedInfo().Config.Name)
	})

	t.Run("a stream near a limit that drops data warns", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{MaxMsgs: 100})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "reader"})
		s.publish(t, subject, 90)
		s.startPuller(t, c, subject, 1, 0)
		r := runCheck(t, newConsumer(sharedURL, st.CachedInfo().Config.Name, "reader"), 10*time.Second)
		if r.Status < kind.Warn {
			t.Errorf("status %s, want at least warn", r.Status)
		}
		expect(t, r, r.Status, "holds 90 % of its max_msgs (90 of 100) and discards old: messages not yet consumed will be dropped")
	})

	t.Run("an old last acknowledgement with messages pending fails", func(t *testing.T) {
		st, subject := s.stream(t, jetstream.StreamConfig{})
		c := s.durable(t, st, jetstream.ConsumerConfig{Durable: "stale"})
		s.publish(t, subject, 5)
		batch, err := c.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			m.DoubleAck(context.Background())
		}
		waitInfo(t, c, "an acknowledgement 300ms old", func(i *jetstream.ConsumerInfo) bool {
			return i.AckFloor.Last != nil && time.Since(*i.AckFloor.Last) > 300*time.Millisecond
		})
		k := newConsumer(sharedURL, st.CachedInfo().Config.Name, "stale")
		k.MaxLastActive = kind.Duration(200 * time.Millisecond)
		r := runCheck(t, k, 10*time.Second)
		expect(t, r, kind.Fail, "consumer stale: last acknowledgement ~", "over max_last_active 200ms")
	})
}

func TestConnectionFailures(t *testing.T) {
	auth := ownServer(t, "-js", "-sd", t.TempDir(), "--user", "lg", "--pass", "hunter2-N4ts")
	token := ownServer(t, "-js", "-sd", t.TempDir(), "--auth", "tok3n-hunter2-N4ts")
	noJS := ownServer(t)
	tests := []struct {
		name, url string
		timeout   time.Duration
		want      []string
	}{
		// Where the server answers, the deadline is generous (it costs nothing): a loaded
		// machine must not turn the answer into a timeout.
		{"wrong password", "nats://lg:hunter2-Wr0ng@" + auth, 20 * time.Second, []string{"authorization failed", "check the user and password"}},
		{"wrong token", "nats://hunter2-Wr0ng-t0ken@" + token, 20 * time.Second, []string{"authorization failed"}},
		{"no JetStream", "nats://" + noJS, 20 * time.Second, []string{"nothing answers JetStream's API", "nats-server -js"}},
		{"refused", "nats://" + testsvc.ClosedAddr(t), 3 * time.Second, []string{"connection refused", "start nats-server"}},
		{"hanging", "nats://lg:hunter2-Wr0ng@" + testsvc.HangingListener(t), time.Second, []string{"did not answer within"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := runCheck(t, newConsumer(tt.url, "ORDERS"), tt.timeout, "hunter2")
			expect(t, r, kind.Error, tt.want...)
			if r.Remedy == "" {
				t.Error("no remedy")
			}
			testsvc.NotHung(t, start, tt.timeout)
		})
	}

	t.Run("a server that sends without end is cut off", func(t *testing.T) {
		addr := floodingServer(t)
		r := runCheck(t, newConsumer("nats://"+addr, "ORDERS"), 5*time.Second)
		expect(t, r, kind.Error, "sent more than 4 MiB, or a line longer than 1 MiB: the check stopped reading")
	})

	t.Run("right password", func(t *testing.T) {
		r := runCheck(t, newConsumer("nats://lg:hunter2-N4ts@"+auth, "ORDERS"), 5*time.Second, "hunter2")
		expect(t, r, kind.Fail, "stream ORDERS does not exist")
	})
}

// floodingServer accepts connections and answers each with an INFO line that never ends.
func floodingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				c.Write([]byte(`INFO {"server_id":"`))
				chunk := []byte(strings.Repeat("x", 64<<10))
				for i := 0; i < 96; i++ {
					if _, err := c.Write(chunk); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Consumer)
		wants []string
	}{
		{"fine", func(c *Consumer) {}, nil},
		{"scheme", func(c *Consumer) { c.URL = "http://lg:hunter2-S3cret@host" }, []string{`url: unsupported scheme "http"`}},
		{"unescaped password", func(c *Consumer) { c.URL = "nats://lg:hunter2#S3cret@host" }, []string{"percent-encode"}},
		{"stream name", func(c *Consumer) { c.Stream = "orders.*" }, []string{`stream: "orders.*" is not a stream name`}},
		{"no stream", func(c *Consumer) { c.Stream = " " }, []string{"stream: name the stream"}},
		{"negative limits", func(c *Consumer) { c.MaxPending, c.MaxLastActive = ptr(-1), -1 }, []string{"max_pending: must not be negative", "max_last_active: must not be negative"}},
		{"sample", func(c *Consumer) { c.Sample = kind.Duration(time.Hour) }, []string{"sample: must be between 100ms and 10m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConsumer(sharedURL, "ORDERS")
			tt.edit(c)
			err := c.Validate()
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

// BenchmarkCheck runs a whole check, connection included, against the shared server on
// loopback. The wait between the samples is excluded from the figure it reports.
func BenchmarkCheck(b *testing.B) {
	s := connect(b, sharedURL)
	st, subject := s.stream(b, jetstream.StreamConfig{})
	s.durable(b, st, jetstream.ConsumerConfig{Durable: "bench"})
	s.publish(b, subject, 100)
	c := newConsumer(sharedURL, st.CachedInfo().Config.Name, "bench")
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

// starved tells a result whose client handled nothing between the samples.
func starved(r kind.Result) bool {
	return strings.Contains(golden.Result(r), "nothing delivered between the samples")
}
