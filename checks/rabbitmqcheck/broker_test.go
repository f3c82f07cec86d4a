package rabbitmqcheck

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// sharedURL is the RabbitMQ every machine of the project runs (.ci/services/10-queues.sh).
const sharedURL = "amqp://guest:guest@127.0.0.1:5672/"

// broker is a connection the test sets queues up with.
type broker struct {
	url  string
	conn *amqp.Connection
}

// sharedBroker connects to the shared RabbitMQ, or skips (fails under CI) when it is not up.
func sharedBroker(t testing.TB) *broker {
	t.Helper()
	return connectBroker(t, sharedURL)
}

func connectBroker(t testing.TB, url string) *broker {
	t.Helper()
	conn, err := amqp.DialConfig(url, amqp.Config{Dial: amqp.DefaultDial(testsvc.WaitLimit)})
	if err != nil {
		testsvc.Unavailable(t, "RabbitMQ at "+strings.TrimPrefix(url, "amqp://guest:guest@"), "bash .ci/services/10-queues.sh", err)
	}
	t.Cleanup(func() { conn.Close() })
	return &broker{url: url, conn: conn}
}

func (b *broker) channel(t testing.TB) *amqp.Channel {
	t.Helper()
	ch, err := b.conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ch.Close() })
	return ch
}

// queue declares a queue of the test's own, with a random name, and deletes it when the test
// ends.
func (b *broker) queue(t testing.TB, prefix string) string {
	t.Helper()
	name := prefix + "-" + randomSuffix()
	ch := b.channel(t)
	if _, err := ch.QueueDeclare(name, false, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ch, err := b.conn.Channel()
		if err != nil {
			t.Errorf("cannot delete queue %s: %v", name, err)
			return
		}
		defer ch.Close()
		if _, err := ch.QueueDelete(name, false, false, false); err != nil {
			t.Errorf("cannot delete queue %s: %v", name, err)
		}
	})
	return name
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// publish puts n small messages on the queue and waits until the broker counts them all.
func (b *broker) publish(t testing.TB, queue string, n int) {
	t.Helper()
	ch := b.channel(t)
	before := b.ready(t, queue)
	for i := 0; i < n; i++ {
		if err := ch.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{Body: []byte("job")}); err != nil {
			t.Fatal(err)
		}
	}
	b.waitReady(t, queue, func(ready int) bool { return ready >= before+n })
}

func (b *broker) ready(t testing.TB, queue string) int {
	t.Helper()
	ch, err := b.conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.Close()
	q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	return q.Messages
}

// waitReady polls the queue's ready count until ok says so.
func (b *broker) waitReady(t testing.TB, queue string, ok func(int) bool) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		n := b.ready(t, queue)
		if ok(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s: %d ready, not the count the test waits for", queue, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// flow runs until the test ends: a publisher putting perSecond messages on the queue each
// second (0: none) and, with consume > 0, a consumer taking and acknowledging that many.
type flow struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

// startFlow starts the publisher and the consumer, and waits until the consumer is counted by
// the broker.
func (b *broker) startFlow(t testing.TB, queue string, publish, consume int) *flow {
	t.Helper()
	f := &flow{stop: make(chan struct{})}
	// The channels are opened first, so that the cleanups stop the flow before they close
	// them: a publish racing a channel's close makes the broker close the whole connection.
	pub, sub := b.channel(t), b.channel(t)
	var deliveries <-chan amqp.Delivery
	if consume > 0 {
		if err := sub.Qos(consume/100+1, 0, false); err != nil {
			t.Fatal(err)
		}
		d, err := sub.Consume(queue, "", false, false, false, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		deliveries = d
	}
	t.Cleanup(func() {
		close(f.stop)
		f.wg.Wait()
	})
	if publish > 0 {
		f.every(publish, func() {
			pub.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{Body: []byte("job")})
		})
	}
	if consume > 0 {
		f.every(consume, func() {
			select {
			case d, ok := <-deliveries:
				if ok {
					d.Ack(false)
				}
			case <-f.stop:
			}
		})
		waitConsumers(t, b, queue, 1)
	}
	return f
}

// every calls fn perSecond times a second, in batches every 10ms, until the flow stops.
func (f *flow) every(perSecond int, fn func()) {
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		start, done := time.Now(), 0
		for {
			select {
			case <-f.stop:
				return
			case <-tick.C:
			}
			due := int(time.Since(start).Seconds() * float64(perSecond))
			for ; done < due; done++ {
				fn()
			}
		}
	}()
}

// startLockstep consumes the queue and puts one message back for each it acknowledges: the
// workers keep up exactly with the inflow, and the depth holds.
func (b *broker) startLockstep(t testing.TB, queue string) {
	t.Helper()
	stop := make(chan struct{})
	done := make(chan struct{})
	ch := b.channel(t)
	pub := b.channel(t)
	if err := ch.Qos(1, 0, false); err != nil {
		t.Fatal(err)
	}
	deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case d, ok := <-deliveries:
				if !ok {
					return
				}
				pub.PublishWithContext(context.Background(), "", queue, false, false, amqp.Publishing{Body: d.Body})
				d.Ack(false)
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	waitConsumers(t, b, queue, 1)
}

func waitConsumers(t testing.TB, b *broker, queue string, n int) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		ch, err := b.conn.Channel()
		if err != nil {
			t.Fatal(err)
		}
		q, err := ch.QueueDeclarePassive(queue, false, false, false, false, nil)
		ch.Close()
		if err != nil {
			t.Fatal(err)
		}
		if q.Consumers >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %s has %d consumers, want %d", queue, q.Consumers, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newQueue builds a check with the kind's defaults and a short sample.
func newQueue(url string, queues ...string) *Queue {
	k, _ := kind.Lookup("rabbitmq.queue")
	c := k.New().(*Queue)
	c.URL, c.Queues = url, queues
	c.Sample = kind.Duration(500 * time.Millisecond)
	return c
}

// runCheck validates and runs the check with a deadline, and asserts no password leaked.
func runCheck(t *testing.T, q *Queue, timeout time.Duration, secrets ...string) kind.Result {
	t.Helper()
	if err := q.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := q.Run(ctx, kind.DefaultEnv("test"))
	out := golden.Result(r)
	t.Log(out)
	for _, s := range append(secrets, "guest:guest") {
		if strings.Contains(out, s) {
			t.Errorf("the result shows the secret %q:\n%s", s, out)
		}
	}
	return r
}

func expect(t *testing.T, r kind.Result, want kind.Status, parts ...string) {
	t.Helper()
	if r.Status != want {
		t.Errorf("status %s, want %s:\n%s", r.Status, want, golden.Result(r))
	}
	all := golden.Result(r)
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("result does not mention %q:\n%s", p, all)
		}
	}
}
