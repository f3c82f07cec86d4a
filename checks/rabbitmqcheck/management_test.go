package rabbitmqcheck

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// listed reads one queue as the management API reports it.
func listed(t *testing.T, n *rabbitNode, queue string) mgmtQueue {
	t.Helper()
	var q mgmtQueue
	n.api(t, "/api/queues/%2F/"+queue, &q)
	return q
}

// TestManagementAPI runs against a node of the test's own with rabbitmq_management enabled.
func TestManagementAPI(t *testing.T) {
	n := managementNode(t)
	b := connectBroker(t, n.amqpURL)

	t.Run("unacknowledged messages over max_unacked fail", func(t *testing.T) {
		q := b.queue(t, "lg-test-unacked")
		b.publish(t, q, 200)
		// A consumer that takes 50 messages and never acknowledges them: a stuck worker.
		ch := b.channel(t)
		if err := ch.Qos(50, 0, false); err != nil {
			t.Fatal(err)
		}
		if _, err := ch.Consume(q, "", false, false, false, false, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the API to count 50 unacknowledged", func() bool { return listed(t, n, q).Unacked == 50 })
		c := newQueue(n.amqpURL, q)
		c.ManagementURL = n.mgmtURL
		limit := int64(10)
		c.MaxUnacked = &limit
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, q+": 50 unacknowledged, over max_unacked 10", "resource alarms: none")
	})

	t.Run("patterns expand to the queues they match", func(t *testing.T) {
		prefix := "lg-test-glob-" + randomSuffix()
		a, z := b.queue(t, prefix+".a"), b.queue(t, prefix+".z")
		b.startFlow(t, a, 0, 100)
		b.startFlow(t, z, 0, 100)
		waitFor(t, "the API to list both queues", func() bool { return listed(t, n, a).Consumers == 1 && listed(t, n, z).Consumers == 1 })
		c := newQueue(n.amqpURL, prefix+".*", prefix+"-none.*")
		c.ManagementURL = n.mgmtURL
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, a+" depth", z+" depth", "no queue in vhost / matches "+prefix+"-none.*")
		if strings.Index(golden.Result(r), a) > strings.Index(golden.Result(r), z) {
			t.Errorf("matches are not in order:\n%s", golden.Result(r))
		}
	})

	t.Run("growth from the API's rates says so", func(t *testing.T) {
		q := b.queue(t, "lg-test-rates")
		b.startFlow(t, q, 400, 100)
		var seen string
		waitFor(t, "the API's publish rate", func() bool {
			s := listed(t, n, q).MessageStats
			if s == nil {
				return false
			}
			// Each new sample is logged, so that a wait that times out shows what the API said.
			if now := fmt.Sprintf("publish %.1f/s, deliver %.1f/s", s.Publish.Rate, s.DeliverGet.Rate); now != seen {
				t.Logf("%s: %s", time.Now().Format("15:04:05.000"), now)
				seen = now
			}
			// The flow aims at 400 in and 100 out a second; a busy machine reaches less of
			// both (its consumer may starve), and what the check needs is only that clearly more
			// comes in than goes out: growth beyond the 5 % it calls steady.
			return s.Publish.Rate > 5 && s.Publish.Rate > 1.25*s.DeliverGet.Rate
		})
		c := newQueue(n.amqpURL, q)
		c.ManagementURL = n.mgmtURL
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, "with 1 consumer: it will never drain", "(from the management API's publish and deliver rates)")
	})

	t.Run("wrong management credentials are an error of their own", func(t *testing.T) {
		q := b.queue(t, "lg-test-mauth")
		c := newQueue(n.amqpURL, q)
		c.ManagementURL = strings.Replace(n.mgmtURL, "http://", "http://guest:hunter2-Wr0ng@", 1)
		r := runCheck(t, c, 10*time.Second, "hunter2-Wr0ng")
		expect(t, r, kind.Error, `refused the credentials of user "guest"`, "monitoring tag")
	})

	// Last: a memory alarm blocks every publisher of the node until it is lifted.
	t.Run("a resource alarm fails", func(t *testing.T) {
		q := b.queue(t, "lg-test-alarm")
		b.startFlow(t, q, 0, 100)
		n.ctl(t, "set_vm_memory_high_watermark", "0.00001")
		t.Cleanup(func() { n.ctl(t, "set_vm_memory_high_watermark", "0.4") })
		waitFor(t, "the memory alarm", func() bool { return n.api(t, "/api/health/checks/alarms", nil) == 503 })
		c := newQueue(n.amqpURL, q)
		c.ManagementURL = n.mgmtURL
		r := runCheck(t, c, 10*time.Second)
		expect(t, r, kind.Fail, "memory alarm on "+n.name, "it blocks every publisher")
	})
}
