package postgrescheck

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// applyDelay is the incident: a replica 300ms behind its primary.
const applyDelay = 300 * time.Millisecond

func newReplicaLag(primary string, maxLag time.Duration, replicas ...string) *ReplicaLag {
	k, _ := kind.Lookup("postgres.replica_lag")
	c := k.New().(*ReplicaLag)
	c.PrimaryDSN = primary
	c.MaxLag = kind.Duration(maxLag)
	c.ReplicaDSNs = replicas
	one := 1
	c.ExpectReplicas = &one
	return c
}

// writeLoop commits a row on the primary every few milliseconds until the test ends, the
// traffic under which a delayed replica serves stale reads.
func writeLoop(t *testing.T, pg *pgtest.Cluster) (stop func()) {
	pg.Exec(t, "CREATE TABLE IF NOT EXISTS writes (i bigint, at timestamptz DEFAULT now())")
	conn := pg.Connect(t, "", "")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			if _, err := conn.Exec(ctx, "INSERT INTO writes (i) VALUES ($1)", i); err != nil && ctx.Err() == nil {
				t.Errorf("write loop: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

// waitFor polls a boolean query on c until it is true (a precondition, not an assertion). NULL
// counts as not yet: an aggregate over a view that is briefly empty is NULL.
func waitFor(t *testing.T, c *pgtest.Cluster, query string) {
	t.Helper()
	conn := c.Connect(t, "", "")
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	for {
		var ok *bool
		if err := conn.QueryRow(ctx, query).Scan(&ok); err != nil {
			t.Fatalf("waiting for %q: %v", query, err)
		}
		if ok != nil && *ok {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling the server
	}
}

// measured reads the duration out of evidence such as "after 312ms".
func measured(t *testing.T, r kind.Result, labelPrefix string) time.Duration {
	t.Helper()
	for _, e := range r.Evidence {
		if strings.HasPrefix(e.Label, labelPrefix) {
			d, err := time.ParseDuration(strings.TrimPrefix(e.Observed, "after "))
			if err != nil {
				t.Fatalf("evidence %q: %v", e.Observed, err)
			}
			return d
		}
	}
	t.Fatalf("no evidence labelled %q", labelPrefix)
	return 0
}

// TestReplicaLag shares one primary and one streaming standby with recovery_min_apply_delay =
// 300ms across its subtests, in order: idle, under writes, then with the standby stopped.
func TestReplicaLag(t *testing.T) {
	t.Parallel()
	pg := pgtest.Start(t, pgtest.Options{})
	sb := pg.Standby(t, pgtest.StandbyOptions{Name: "replica_a", ApplyDelay: applyDelay})
	pg.WaitStreaming(t, 1)
	pg.Exec(t, "CREATE ROLE watcher LOGIN", "CREATE ROLE monitor LOGIN IN ROLE pg_monitor")
	primary, replica := pg.DSN("monitor", ""), sb.DSN("monitor", "")
	// The standby applies commits applyDelay late: the role exists there only then.
	waitFor(t, sb, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'monitor')")

	t.Run("idle primary: NULL lag is zero lag", func(t *testing.T) {
		// Let the standby replay the role creation, after which nothing is written.
		waitFor(t, pg, "SELECT count(*) = 1 AND bool_and(replay_lsn = pg_current_wal_lsn() AND replay_lag IS NULL) FROM pg_stat_replication")
		r := run(t, newReplicaLag(primary, 100*time.Millisecond, replica), 10*time.Second)
		want(t, r, kind.Pass, `1 standby streaming; slowest "replica_a" from 127.0.0.1 replays 0s behind (max 100ms)`,
			"caught up (primary idle", "already at or past the primary's")
	})

	t.Run("under writes", func(t *testing.T) {
		stop := writeLoop(t, pg)
		defer stop()
		// Wait until the standby reports the delay it applies: right after writes start, its
		// first feedback can still show a small lag.
		waitFor(t, pg, "SELECT count(*) = 1 AND bool_and(replay_lag > interval '200 milliseconds') FROM pg_stat_replication")

		r := run(t, newReplicaLag(primary, 100*time.Millisecond, replica), 10*time.Second)
		want(t, r, kind.Fail, `standby "replica_a" from 127.0.0.1 replays`, "behind the primary (max 100ms)",
			"to replay the primary's position (max 100ms)", "synchronous_commit = remote_apply")

		// A budget far above the apply delay, so that a busy machine's own delays stay inside it.
		const roomy = 10 * time.Second
		r = run(t, newReplicaLag(primary, roomy, replica), 3*roomy)
		want(t, r, kind.Pass, "1 standby streaming")

		c := newReplicaLag(primary, roomy, replica)
		c.ProbeVisibility = true
		r = run(t, c, 3*roomy)
		want(t, r, kind.Pass, "committed one empty transaction on the primary", "no table, row or schema was touched")
		// Visibility cannot come before the apply delay; it is bounded above by the budget.
		if d := measured(t, r, "commit visible on"); d < applyDelay-50*time.Millisecond {
			t.Errorf("commit visible after %s, but the standby delays commits by %s", d, applyDelay)
		}

		c = newReplicaLag(primary, 100*time.Millisecond, replica)
		c.ProbeVisibility = true
		r = run(t, c, 10*time.Second)
		want(t, r, kind.Fail, "a commit on the primary became visible on replica", "reads there miss fresh writes")
	})

	t.Run("without pg_monitor", func(t *testing.T) {
		r := run(t, newReplicaLag(pg.DSN("watcher", ""), time.Second), 10*time.Second)
		want(t, r, kind.Error, "watcher lacks pg_monitor", "GRANT pg_monitor TO watcher")
	})

	t.Run("DSNs pointing at the wrong servers", func(t *testing.T) {
		r := run(t, newReplicaLag(replica, time.Second), 10*time.Second)
		want(t, r, kind.Error, "is a standby (pg_is_in_recovery() is true), not the primary")
		r = run(t, newReplicaLag(primary, time.Second, primary), 10*time.Second)
		want(t, r, kind.Fail, "is not a standby (pg_is_in_recovery() is false)")
	})

	t.Run("a decided failure next to an unreachable replica fails", func(t *testing.T) {
		// The primary listed as a replica is a decided problem; the refused one could not be
		// checked. The gate closes on what was decided, and the refused replica keeps its own
		// error line.
		closed := testsvc.ClosedAddr(t)
		r := run(t, newReplicaLag(primary, time.Second, primary, "postgres://monitor@"+closed+"/x?sslmode=disable"), 10*time.Second)
		want(t, r, kind.Fail, "is not a standby (pg_is_in_recovery() is false)", "refused")
		line(t, r, "replica 127.0.0.1:"+fmt.Sprint(pg.Port), kind.Fail)
		line(t, r, "replica "+closed, kind.Error)
	})

	t.Run("standby of another cluster", func(t *testing.T) {
		// A fresh cluster has its own system identifier; the standby above follows another
		// primary, so its txid_status() answers would be about somebody else's transactions.
		other := pgtest.Start(t, pgtest.Options{Fresh: true})
		c := newReplicaLag(other.DSN("", ""), time.Second, sb.DSN("", ""))
		c.ExpectReplicas = new(int)
		c.ProbeVisibility = true
		r := run(t, c, 10*time.Second)
		want(t, r, kind.Fail, "is a standby of another cluster (system identifier", "not run: no replica")
	})

	t.Run("replica that accepts TCP and never answers", func(t *testing.T) {
		hang := fmt.Sprintf("postgres://ro:s3cret-Pa55@%s/app?sslmode=disable", testsvc.HangingListener(t))
		// The primary, a real server, must answer within the same deadline.
		start := time.Now()
		r := run(t, newReplicaLag(primary, time.Second, hang), 5*time.Second)
		testsvc.NotHung(t, start, 5*time.Second)
		want(t, r, kind.Error, "accepted the TCP connection but did not speak PostgreSQL")
		if strings.Contains(text(r), "s3cret-Pa55") {
			t.Errorf("the password leaked:\n%s", text(r))
		}
	})

	t.Run("replica that announces a 1 GB reply", func(t *testing.T) {
		// The fake floods after its announcement: the words "it announced" show that the check
		// refused the size as announced, not after reading until its deadline.
		fake := fakePostgres(t, atQuery)
		r := run(t, newReplicaLag(primary, time.Second, "postgres://ro:s3cret-Pa55@"+fake+"/app?sslmode=disable"), 20*time.Second)
		want(t, r, kind.Error, "replica "+fake+": reading its recovery state: the server sent an oversized reply (it announced 953.7MiB")
		line(t, r, "replica "+fake, kind.Error)
	})

	t.Run("standby stopped", func(t *testing.T) {
		sb.Stop(t)
		pg.WaitStreaming(t, 0)
		r := run(t, newReplicaLag(primary, 100*time.Millisecond), 10*time.Second)
		want(t, r, kind.Fail, "expected 1 streaming replica, found 0", "start the missing standby")

		// Its DSN now refuses: the check cannot judge that replica, but the missing standby
		// is decided, so the result is a failure with the refused replica as an error line.
		r = run(t, newReplicaLag(primary, 100*time.Millisecond, replica), 10*time.Second)
		want(t, r, kind.Fail, "expected 1 streaming replica, found 0", "refused")
		line(t, r, "replica 127.0.0.1:"+fmt.Sprint(sb.Port), kind.Error)
	})
}

// The visibility probe is the one write: only with it does the check declare one.
func TestReplicaLagEffects(t *testing.T) {
	c := newReplicaLag("postgres://app@127.0.0.1:5432/db", time.Second)
	if e := kind.EffectsOf(c); e.Any() {
		t.Errorf("without probe_visibility: effects %+v", e)
	}
	c.ProbeVisibility = true
	if e := kind.EffectsOf(c); !e.Writes || e.SendsTraffic {
		t.Errorf("with probe_visibility: effects %+v, want a write", e)
	}
}

func TestReplicaLagValidate(t *testing.T) {
	neg := -1
	tests := []struct {
		name string
		mod  func(*ReplicaLag)
		err  string
	}{
		{"probe needs replicas", func(c *ReplicaLag) { c.ProbeVisibility = true; c.ReplicaDSNs = nil }, "replica_dsns: is needed with probe_visibility"},
		{"bad replica DSN keeps its password", func(c *ReplicaLag) { c.ReplicaDSNs = DSNList{"postgres://ro:s3cret-Pa55@h:bad/db"} }, "replica_dsns: entry 1: invalid DSN"},
		{"zero max_lag", func(c *ReplicaLag) { c.MaxLag = 0 }, "max_lag: must be positive"},
		{"negative expect_replicas", func(c *ReplicaLag) { c.ExpectReplicas = &neg }, "expect_replicas: must be 0 or more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newReplicaLag("postgres://app@127.0.0.1:5432/db", time.Second)
			tt.mod(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Validate() = %v, want %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "s3cret-Pa55") {
				t.Fatalf("the password leaked: %v", err)
			}
		})
	}
}
