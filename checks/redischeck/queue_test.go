package redischeck

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// sharedRedisURL is the Redis every machine of the project runs (.ci/services/00-base.sh).
const sharedRedisURL = "redis://127.0.0.1:6379"

// sharedRedis connects to the shared Redis and returns a key prefix of the test's own; every
// key under it is deleted when the test ends.
func sharedRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", MaxRetries: -1, DisableIdentity: true})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		c.Close()
		testsvc.Unavailable(t, "Redis at 127.0.0.1:6379", "bash .ci/services/00-base.sh", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "lgtest" + hex.EncodeToString(b)
	t.Cleanup(func() {
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("deleting the test's keys: %v", err)
		}
	})
	return c, prefix
}

func newRedisQueue(url string, entries ...QueueEntry) *Queue {
	k, _ := kind.Lookup("redis.queue")
	q := k.New().(*Queue)
	q.URL, q.Queues = url, entries
	q.Sample = kind.Duration(300 * time.Millisecond)
	return q
}

func runQueue(t *testing.T, q *Queue, timeout time.Duration) kind.Result {
	t.Helper()
	if err := q.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	r := q.Run(ctx, kind.DefaultEnv("test"))
	t.Log(golden.Result(r))
	assertNoSecret(t, r, password)
	return r
}

// every runs fn perSecond times a second, in batches every 10ms, until the test ends.
func every(t *testing.T, perSecond int, fn func(n int)) {
	stop, done := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() {
		close(stop)
		<-done
	})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		start, did := time.Now(), 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if due := int(time.Since(start).Seconds() * float64(perSecond)); due > did {
				fn(due - did)
				did = due
			}
		}
	}()
}

func push(t *testing.T, c *redis.Client, key string, n int) {
	t.Helper()
	vals := make([]any, n)
	for i := range vals {
		vals[i] = "job"
	}
	must(t, c.LPush(context.Background(), key, vals...).Err())
}

func TestRedisLists(t *testing.T) {
	c, prefix := sharedRedis(t)
	ctx := context.Background()

	t.Run("a steady list passes, its consumers not visible", func(t *testing.T) {
		key := prefix + ":steady"
		push(t, c, key, 5000)
		r := runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{List: key}), 5*time.Second)
		expect(t, r, kind.Pass, "list "+key+": 5,000 entries, steady", "consumers: not visible: a plain list does not record its consumers")
	})

	t.Run("over max_length fails", func(t *testing.T) {
		key := prefix + ":full"
		push(t, c, key, 5000)
		q := newRedisQueue(sharedRedisURL, QueueEntry{List: key})
		q.MaxLength = ptr(1000)
		expect(t, runQueue(t, q, 5*time.Second), kind.Fail, "holds 5,000 entries, over max_length 1,000")
	})

	t.Run("a growing list never drains", func(t *testing.T) {
		key := prefix + ":grow"
		every(t, 1000, func(n int) { push(t, c, key, n) })
		q := newRedisQueue(sharedRedisURL, QueueEntry{List: key})
		q.Sample = kind.Duration(time.Second)
		expect(t, runQueue(t, q, 5*time.Second), kind.Fail, "(consumers not visible): it will never drain")
	})

	t.Run("a list that workers pop faster than it fills drains in time", func(t *testing.T) {
		key := prefix + ":drain"
		push(t, c, key, 10000)
		every(t, 2000, func(n int) { c.RPopCount(ctx, key, n) })
		q := newRedisQueue(sharedRedisURL, QueueEntry{List: key})
		q.Sample = kind.Duration(time.Second)
		expect(t, runQueue(t, q, 5*time.Second), kind.Pass, "drains in ~")
	})

	t.Run("a dead-letter list with entries fails", func(t *testing.T) {
		key := prefix + ":dead"
		push(t, c, key, 4)
		expect(t, runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{List: key, DeadLetter: true}), 5*time.Second),
			kind.Fail, "dead-letter queue list "+key+" holds 4 entries")
	})

	t.Run("celery counts its priority lists", func(t *testing.T) {
		queue := prefix + ":celery"
		push(t, c, queue, 3)
		push(t, c, queue+"\x06\x169", 2)
		expect(t, runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{Celery: queue}), 5*time.Second),
			kind.Pass, "celery "+queue+": 5 jobs waiting, steady", "Celery's Redis broker does not record its workers")
	})

	t.Run("a key of another type is an error for that entry", func(t *testing.T) {
		key := prefix + ":hash"
		must(t, c.HSet(ctx, key, "a", "b").Err())
		expect(t, runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{List: key}), 5*time.Second),
			kind.Error, "key "+key+" holds another type of value than the layout uses")
	})
}

func TestRedisStreams(t *testing.T) {
	c, prefix := sharedRedis(t)
	ctx := context.Background()
	stream := func(t *testing.T, name string, n int) string {
		t.Helper()
		key := prefix + ":" + name
		for i := 0; i < n; i++ {
			must(t, c.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []string{"job", "x"}}).Err())
		}
		must(t, c.XGroupCreate(ctx, key, "workers", "0").Err())
		return key
	}
	read := func(t *testing.T, key, consumer string, n int64) {
		t.Helper()
		must(t, c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: consumer, Streams: []string{key, ">"}, Count: n, Block: -1}).Err())
	}

	t.Run("pending entries over max_pending fail", func(t *testing.T) {
		key := stream(t, "pending", 1000)
		read(t, key, "w1", 100)
		q := newRedisQueue(sharedRedisURL, QueueEntry{Stream: key, Group: "workers"})
		q.MaxPending = ptr(50)
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Fail, "stream "+key+"/workers: 100 pending (delivered, not acknowledged), over max_pending 50",
			"depth: 900 entries undelivered", "consumers: 1 consumer (group members active within max_consumer_idle 1m, of 1)")
	})

	t.Run("a long-pending entry and an idle consumer fail", func(t *testing.T) {
		key := stream(t, "stuck", 10)
		read(t, key, "w1", 2)
		waitFor(t, "the pending entries to idle", func() bool {
			p, err := c.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: key, Group: "workers", Start: "-", End: "+", Count: 1}).Result()
			return err == nil && len(p) == 1 && p[0].Idle > 300*time.Millisecond
		})
		q := newRedisQueue(sharedRedisURL, QueueEntry{Stream: key, Group: "workers"})
		q.MaxOldestAge, q.MaxConsumerIdle = kind.Duration(200*time.Millisecond), kind.Duration(200*time.Millisecond)
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Fail, "8 entries undelivered and 0 consumers: nothing drains stream "+key+"/workers",
			"longest-pending entry idle ~", "oldest waiting job ~", "over max_oldest_age 200ms")
	})

	t.Run("a group that reads faster than the producer drains in time", func(t *testing.T) {
		key := stream(t, "drain", 6000)
		every(t, 2000, func(n int) {
			msgs, err := c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []string{key, ">"}, Count: int64(n), Block: -1}).Result()
			if err != nil {
				return
			}
			for _, s := range msgs {
				for _, m := range s.Messages {
					c.XAck(ctx, key, "workers", m.ID)
				}
			}
		})
		every(t, 100, func(n int) {
			for i := 0; i < n; i++ {
				c.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []string{"job", "x"}})
			}
		})
		q := newRedisQueue(sharedRedisURL, QueueEntry{Stream: key, Group: "workers"})
		q.Sample = kind.Duration(time.Second)
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Pass, "trend: shrinking by", "drains in ~")
	})

	t.Run("a missing stream and a missing group fail", func(t *testing.T) {
		key := stream(t, "groups", 1)
		r := runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{Stream: prefix + ":none", Group: "workers"}, QueueEntry{Stream: key, Group: "other"}), 5*time.Second)
		expect(t, r, kind.Fail, "stream "+prefix+":none/workers does not exist: the app needs it",
			"stream "+key+"/other has no consumer group other on its stream")
	})
}

// TestBullMQLayout builds the keys BullMQ keeps for a queue, and a worker connection named the
// way BullMQ names it.
func TestBullMQLayout(t *testing.T) {
	c, prefix := sharedRedis(t)
	ctx := context.Background()
	base := prefix + ":emails:"
	now := time.Now()
	must(t, c.HSet(ctx, base+"meta", "opts.maxLenEvents", "10000", "version", "bullmq:5.0.0").Err())
	must(t, c.Set(ctx, base+"id", "40", 0).Err())
	for id := 31; id <= 40; id++ {
		must(t, c.HSet(ctx, fmt.Sprintf("%s%d", base, id), "name", "send", "data", "{}", "timestamp", now.Add(-time.Duration(41-id)*time.Minute).UnixMilli()).Err())
		must(t, c.LPush(ctx, base+"wait", id).Err())
	}
	must(t, c.LPush(ctx, base+"active", 30).Err())
	must(t, c.ZAdd(ctx, base+"failed", redis.Z{Score: 1, Member: "28"}, redis.Z{Score: 2, Member: "29"}).Err())
	must(t, c.ZAdd(ctx, base+"delayed", redis.Z{Score: 1, Member: "27"}).Err())
	entry := QueueEntry{BullMQ: "emails", Prefix: prefix}

	t.Run("no worker connection", func(t *testing.T) {
		q := newRedisQueue(sharedRedisURL, entry)
		q.MaxOldestAge = kind.Duration(5 * time.Minute)
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Fail, "10 jobs waiting and 0 consumers: nothing drains bullmq emails",
			"bullmq emails oldest waiting job: ~10 min", "dead-letter queue bullmq emails failed holds 2 jobs",
			"bullmq emails active (taken by a worker): 1", "bullmq emails delayed: 1 job scheduled for later")
	})

	t.Run("a worker connection named for the queue counts", func(t *testing.T) {
		w := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", PoolSize: 1, DisableIdentity: true,
			OnConnect: func(ctx context.Context, cn *redis.Conn) error {
				return cn.ClientSetName(ctx, prefix+":"+base64.StdEncoding.EncodeToString([]byte("emails"))+":w:mailer").Err()
			}})
		defer w.Close()
		must(t, w.Ping(ctx).Err())
		q := newRedisQueue(sharedRedisURL, entry)
		q.MaxDeadLetters = 5
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Pass, "consumers: 1 consumer (worker connections named", "emails: 10 jobs waiting, steady")
	})

	t.Run("a paused queue drains nothing", func(t *testing.T) {
		must(t, c.HSet(ctx, base+"meta", "paused", "1").Err())
		defer c.HDel(ctx, base+"meta", "paused")
		r := runQueue(t, newRedisQueue(sharedRedisURL, entry), 5*time.Second)
		expect(t, r, kind.Fail, "0 consumers (the queue is paused: workers take nothing)")
	})

	t.Run("a wrong prefix finds no queue", func(t *testing.T) {
		r := runQueue(t, newRedisQueue(sharedRedisURL, QueueEntry{BullMQ: "emails", Prefix: prefix + "x"}), 5*time.Second)
		expect(t, r, kind.Fail, "bullmq emails has no keys under prefix "+prefix+"x")
	})
}

// TestSidekiqLayout builds Sidekiq's keys on a Redis of the test's own: Sidekiq's processes,
// retry and dead sets are global names, which the shared instance must not be given.
func TestSidekiqLayout(t *testing.T) {
	srv := startRedis(t)
	c := srv.admin(t)
	ctx := context.Background()
	now := time.Now()
	for i := 0; i < 20; i++ {
		// Sidekiq 7 writes enqueued_at in seconds; the oldest job is the first pushed.
		job, _ := json.Marshal(map[string]any{"class": "MailJob", "queue": "default", "enqueued_at": float64(now.Add(-time.Duration(20-i)*time.Minute).UnixMilli()) / 1000})
		must(t, c.LPush(ctx, "queue:default", job).Err())
	}
	must(t, c.SAdd(ctx, "queues", "default").Err())
	must(t, c.ZAdd(ctx, "dead", redis.Z{Score: 1, Member: "a"}, redis.Z{Score: 2, Member: "b"}, redis.Z{Score: 3, Member: "c"}).Err())
	must(t, c.ZAdd(ctx, "retry", redis.Z{Score: 1, Member: "d"}).Err())
	process := func(t *testing.T, identity string, queues []string, beat time.Time, quiet string) {
		info, _ := json.Marshal(map[string]any{"hostname": "web-1", "queues": queues, "concurrency": 5})
		must(t, c.SAdd(ctx, "processes", identity).Err())
		must(t, c.HSet(ctx, identity, "info", info, "busy", "0", "beat", fmt.Sprintf("%.3f", float64(beat.UnixMilli())/1000), "quiet", quiet).Err())
		t.Cleanup(func() { c.SRem(ctx, "processes", identity); c.Del(ctx, identity) })
	}

	t.Run("no live process serves the queue", func(t *testing.T) {
		process(t, "web-1:1:stale", []string{"default"}, now.Add(-5*time.Minute), "false")
		process(t, "web-1:2:other", []string{"mailers"}, now, "false")
		process(t, "web-1:3:quiet", []string{"default"}, now, "true")
		q := newRedisQueue(srv.url(), QueueEntry{Sidekiq: "default"})
		q.MaxOldestAge = kind.Duration(10 * time.Minute)
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Fail, "20 jobs waiting and 0 consumers: nothing drains sidekiq default",
			"sidekiq default oldest waiting job: ~20 min", "over max_oldest_age 10m",
			"dead-letter queue sidekiq dead set holds 3 jobs", "sidekiq retry set: 1 job waiting to be retried")
	})

	t.Run("a process with a heartbeat serves it", func(t *testing.T) {
		process(t, "web-2:1:live", []string{"critical", "default"}, now, "false")
		q := newRedisQueue(srv.url(), QueueEntry{Sidekiq: "default"}, QueueEntry{Sidekiq: "critical"})
		q.OnDeadLetters = "warn"
		r := runQueue(t, q, 5*time.Second)
		expect(t, r, kind.Warn, "sidekiq default consumers: 1 consumer (Sidekiq processes serving it with a heartbeat in the last minute, 5 threads)")
		if n := strings.Count(golden.Result(r), "sidekiq dead set (dead letters)"); n != 1 {
			t.Errorf("the dead set is judged %d times, want once for both queues", n)
		}
	})

	t.Run("Sidekiq 8 dates jobs in milliseconds", func(t *testing.T) {
		if got, how := sidekiqAge(fmt.Sprintf(`{"enqueued_at":%d}`, now.Add(-3*time.Minute).UnixMilli()), now); how != "" || got.Round(time.Second) != 3*time.Minute {
			t.Errorf("age %s (%q), want 3m", got, how)
		}
	})
}

func TestRedisQueueAuth(t *testing.T) {
	srv := startRedis(t)
	q := newRedisQueue("redis://:hunter2-Wr0ng@"+srv.addr, QueueEntry{List: "jobs"})
	r := runQueue(t, q, 3*time.Second)
	expect(t, r, kind.Error, "authentication failed")
	assertNoSecret(t, r, "hunter2-Wr0ng")

	ctx := context.Background()
	admin := srv.admin(t)
	must(t, admin.Do(ctx, "ACL", "SETUSER", "nolist", "on", ">hunter2-Us3r", "~*", "+time").Err())
	r = runQueue(t, newRedisQueue("redis://nolist:hunter2-Us3r@"+srv.addr, QueueEntry{List: "jobs"}), 3*time.Second)
	expect(t, r, kind.Error, "not allowed to read the queues", "+llen")
	assertNoSecret(t, r, "hunter2-Us3r")

	// A user that may read the keys but not list clients sees BullMQ's queue, not its workers.
	must(t, admin.Do(ctx, "ACL", "SETUSER", "reader", "on", ">hunter2-Us3r", "~*", "+@read", "+time").Err())
	must(t, admin.Set(ctx, "bull:emails:id", "1", 0).Err())
	r = runQueue(t, newRedisQueue("redis://reader:hunter2-Us3r@"+srv.addr, QueueEntry{BullMQ: "emails"}), 3*time.Second)
	expect(t, r, kind.Pass, "consumers: not visible: CLIENT LIST was refused")
}

func TestRedisQueueValidate(t *testing.T) {
	tests := []struct {
		name    string
		entries []QueueEntry
		want    string
	}{
		{"two layouts", []QueueEntry{{List: "a", Celery: "b"}}, "queues: entry 1 (celery b): give exactly one of list, stream, sidekiq, bullmq or celery, not 2"},
		{"none", []QueueEntry{{}}, "not 0"},
		{"stream without group", []QueueEntry{{Stream: "events"}}, "a stream needs its consumer group"},
		{"group without stream", []QueueEntry{{List: "a", Group: "g"}}, "a stream needs its consumer group"},
		{"prefix without bullmq", []QueueEntry{{Sidekiq: "default", Prefix: "bull"}}, "prefix is BullMQ's key prefix"},
		{"dead_letter on a layout", []QueueEntry{{Sidekiq: "default", DeadLetter: true}}, "dead_letter marks a plain list"},
		{"no entry", nil, "queues: name at least one queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newRedisQueue(sharedRedisURL, tt.entries...).Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
	q := newRedisQueue(sharedRedisURL, QueueEntry{BullMQ: "emails"})
	if err := q.Validate(); err != nil || q.Queues[0].Prefix != "bull" {
		t.Errorf("BullMQ's default prefix: %v, %q", err, q.Queues[0].Prefix)
	}
}

// BenchmarkQueueRun runs a whole check of a stream, a BullMQ queue and a list on the shared
// Redis over loopback; the wait between the samples is excluded from the figure it reports.
func BenchmarkQueueRun(b *testing.B) {
	c, prefix := sharedRedis(b)
	ctx := context.Background()
	key := prefix + ":bench"
	c.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []string{"job", "x"}})
	c.XGroupCreate(ctx, key, "workers", "0")
	c.LPush(ctx, prefix+":list", "job")
	c.Set(ctx, prefix+":emails:id", "1", 0)
	q := newRedisQueue(sharedRedisURL, QueueEntry{Stream: key, Group: "workers"}, QueueEntry{List: prefix + ":list"}, QueueEntry{BullMQ: "emails", Prefix: prefix})
	if err := q.Validate(); err != nil {
		b.Fatal(err)
	}
	q.Sample = kind.Duration(time.Millisecond)
	env := kind.DefaultEnv("bench")
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if r := q.Run(ctx, env); r.Status == kind.Error {
			b.Fatalf("%s", r.Summary)
		}
		cancel()
	}
	perCheck := (time.Since(start) - time.Duration(b.N)*q.Sample.D()) / time.Duration(b.N)
	b.ReportMetric(float64(perCheck.Microseconds())/1000, "ms/check-without-sample")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ptr(n int64) *int64 { return &n }

// FuzzQueueParsers: a job's payload and a stream entry's ID come from the app; reading their
// dates never panics and never gives a negative age.
func FuzzQueueParsers(f *testing.F) {
	f.Add(`{"enqueued_at":1700000000.5}`, "1700000000000-0")
	f.Add(`{"enqueued_at":1700000000000}`, "0-1")
	f.Add(`{"enqueued_at":"x"}`, "x-y")
	now := time.UnixMilli(1_800_000_000_000)
	f.Fuzz(func(t *testing.T, job, id string) {
		if age, _ := sidekiqAge(job, now); age < 0 {
			t.Errorf("sidekiqAge(%q) = %s", job, age)
		}
		if age := idAge(id, now); age < 0 {
			t.Errorf("idAge(%q) = %s", id, age)
		}
	})
}
