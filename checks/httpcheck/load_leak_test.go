package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
)

// pgApp is the store feature of the founder's story: a handler that talks to PostgreSQL. The
// leaky one opens a connection of its own every leakEvery requests and never closes it, the
// code path that "one code path never closed"; every other request, and every request of the
// fixed twin, goes through a pool of at most three connections.
type pgApp struct {
	pool      *pgxpool.Pool
	dsn       string
	leakEvery int64

	mu     sync.Mutex
	leaked []*pgx.Conn
}

func (a *pgApp) handle(n int64, w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if a.leakEvery > 0 && n%a.leakEvery == 0 {
		c, err := pgx.Connect(ctx, a.dsn)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		a.mu.Lock()
		a.leaked = append(a.leaked, c)
		a.mu.Unlock()
		if _, err := c.Exec(ctx, "SELECT 1"); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
		return
	}
	if _, err := a.pool.Exec(ctx, "SELECT pg_sleep(0.005)"); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (a *pgApp) close() {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.leaked {
		c.Close(context.Background())
	}
	a.leaked = nil
	a.pool.Close()
}

func newPGApp(t *testing.T, c *pgtest.Cluster, leakEvery int64) *pgApp {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(c.DSN("app", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns, cfg.MinConns = 3, 0
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &pgApp{pool: pool, dsn: c.DSN("app", "postgres"), leakEvery: leakEvery}
	t.Cleanup(a.close)
	return a
}

// TestLoadFindsALeakedPostgresConnection runs the leaky app and its fixed twin against a
// PostgreSQL 15 cluster the test owns, with max_connections 15 (12 slots for applications), so
// that no other test's server can be starved. The watcher connects as the superuser; the app as
// role app.
func TestLoadFindsALeakedPostgresConnection(t *testing.T) {
	t.Parallel()
	// Each subtest has a cluster of its own: the leaky app's connections, closed when it ends,
	// would otherwise still count in its twin's baseline until their backends have exited.
	cluster := func(t *testing.T) *pgtest.Cluster {
		c := pgtest.Start(t, pgtest.Options{Conf: []string{"max_connections = 15"}})
		c.Exec(t, "CREATE ROLE app LOGIN")
		return c
	}
	with := func(c *pgtest.Cluster) string {
		return `
allow_load: true
targets: [{url: "${APP}/checkout"}]
rate: 20/s
duration: 2s
baseline: 1s
settle: 3s
watch:
  postgres: ["` + c.DSN("", "") + `"]`
	}

	t.Run("leaky", func(t *testing.T) {
		c := cluster(t)
		app := newPGApp(t, c, 4)
		srv, _ := serve(t, app.handle)
		r := runLoad(t, loadFrom(t, srv.URL, with(c)), testEnv())
		if r.Status != kind.Fail {
			t.Fatalf("want fail:\n%s", describeResult(r))
		}
		// 40 requests, every fourth leaks: 10 connections stay, with the pool's idle ones. The
		// baseline may count one backend still exiting (the superuser's CREATE ROLE): a backend
		// leaves pg_stat_activity only when its process has exited, which a busy machine can
		// delay past the baseline.
		e := mustEvidence(t, r, "PostgreSQL client connections on postgres@127.0.0.1")
		m := regexp.MustCompile(`baseline [01] · peak (\d+) · after (\d+)`).FindStringSubmatch(e.Observed)
		if e.Status != kind.Fail || m == nil || atoi(m[1]) < 10 || atoi(m[2]) < 10 {
			t.Errorf("watched connections: %+v", e)
		}
		name := "PostgreSQL client connections on " + strings.TrimPrefix(strings.Split(c.DSN("", ""), "?")[0], "postgres://")
		leak := regexp.MustCompile(regexp.QuoteMeta(name) + ` [01] → \d+ under load and still \d+ after \d+s: connections are not returned`)
		if !leak.MatchString(r.Summary) {
			t.Errorf("summary: %s", r.Summary)
		}
		// 10 to 12 of the 12 slots: over 80%, or at the limit when the pool took the last ones.
		// (The settle phase may wait longer than 3s on a busy machine.)
		limit := regexp.MustCompile(regexp.QuoteMeta(name) + ` reached 1[012] of 12 \(max_connections 15 − superuser_reserved_connections 3\) under 20/s(, over 80% of the limit|: at the limit)`)
		if !limit.MatchString(r.Summary) {
			t.Errorf("the connection limit is not judged: %s", r.Summary)
		}
		if !strings.Contains(r.Remedy, "release every connection") {
			t.Errorf("remedy: %s", r.Remedy)
		}
		if got := mustEvidence(t, r, "phases").Observed; !strings.Contains(got, "settle 3s (waited") {
			t.Errorf("a leak never settles: %s", got)
		}
	})
	t.Run("fixed twin", func(t *testing.T) {
		c := cluster(t)
		app := newPGApp(t, c, 0)
		srv, _ := serve(t, app.handle)
		r := runLoad(t, loadFrom(t, srv.URL, with(c)), testEnv())
		wantPass(t, r)
		if r.Status == kind.Pass && (!strings.Contains(r.Summary, "; PostgreSQL client connections on postgres@127.0.0.1") || !regexp.MustCompile(` [01] → `).MatchString(r.Summary)) {
			t.Errorf("summary %q", r.Summary)
		}
		e := mustEvidence(t, r, "PostgreSQL client connections")
		if !regexp.MustCompile(`baseline [01] `).MatchString(e.Observed) || strings.Contains(e.Observed, "peak 0") {
			t.Errorf("the pool's connections should show under load: %+v", e)
		}
	})
}

// memoryApp exposes a memory gauge on /metrics, the way a Prometheus client library does. The
// leaky app keeps 128 KiB of every request for ever; the other holds memory only while requests
// are recent, and gives it back within a second of the load ending.
type memoryApp struct {
	leak bool

	mu     sync.Mutex
	total  int
	recent []time.Time
}

const memoryBase = 40 << 20

func (a *memoryApp) handle(_ int64, w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now()
	if r.URL.Path != "/metrics" {
		a.total++
		a.recent = append(a.recent, now)
		return
	}
	keep := a.recent[:0]
	for _, at := range a.recent {
		if now.Sub(at) < time.Second {
			keep = append(keep, at)
		}
	}
	a.recent = keep
	held := len(a.recent)
	if a.leak {
		held = a.total
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total %d\n", a.total)
	fmt.Fprintf(w, "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", memoryBase+held*128<<10)
	fmt.Fprintf(w, "# TYPE db_pool_in_use gauge\ndb_pool_in_use{pool=\"main\"} 2\ndb_pool_in_use{pool=\"replica\"} 1\n")
}

// TestLoadFindsAMemoryLeakOnMetrics: the leaky app's gauge climbs every second of the load and
// stays up, a probable leak; its twin's rises under load and comes back, which passes.
func TestLoadFindsAMemoryLeakOnMetrics(t *testing.T) {
	t.Parallel()
	with := `
allow_load: true
targets: [{url: "${APP}/api/feed"}]
rate: 20/s
duration: 6s
baseline: 1s
settle: 3s
watch:
  metrics:
    - {url: "${APP}/metrics", name: process_resident_memory_bytes}
    - {url: "${APP}/metrics", name: db_pool_in_use, labels: {pool: main}}`
	t.Run("leaky", func(t *testing.T) {
		t.Parallel()
		app := &memoryApp{leak: true}
		srv, _ := serve(t, app.handle)
		r := runLoad(t, loadFrom(t, srv.URL, with), testEnv())
		if r.Status != kind.Fail {
			t.Fatalf("want fail:\n%s", describeResult(r))
		}
		e := mustEvidence(t, r, "process_resident_memory_bytes at ")
		if e.Status != kind.Fail || !strings.Contains(e.Observed, "baseline 40.0 MiB") || !strings.Contains(e.Observed, "after 55.0 MiB") {
			t.Errorf("memory: %+v", e)
		}
		if !strings.Contains(r.Summary, "process_resident_memory_bytes at ") || !strings.Contains(r.Summary, "one-second intervals of the second half of the load: a probable leak") {
			t.Errorf("summary: %s", r.Summary)
		}
		if e := mustEvidence(t, r, `db_pool_in_use{pool="main"}`); e.Status != kind.Pass || !strings.Contains(e.Observed, "after 2") {
			t.Errorf("pool gauge: %+v", e)
		}
		if len(r.Series) != 5 || r.Series[3].Unit != "bytes" || r.Series[3].Step != 1 {
			t.Errorf("series: %+v", r.Series)
		}
	})
	t.Run("released", func(t *testing.T) {
		t.Parallel()
		app := &memoryApp{}
		srv, _ := serve(t, app.handle)
		r := runLoad(t, loadFrom(t, srv.URL, with), testEnv())
		wantPass(t, r)
		if got := mustEvidence(t, r, "phases").Observed; !strings.Contains(got, "settled in") {
			t.Errorf("memory given back should end the settle early: %s", got)
		}
	})
}

// TestLoadWillNotStartWithoutItsWatches: a watch that cannot connect stops the check before
// any traffic, since it could not look where it was told to.
func TestLoadWillNotStartWithoutItsWatches(t *testing.T) {
	t.Parallel()
	srv, cnt := serve(t, func(int64, http.ResponseWriter, *http.Request) {})
	l := loadFrom(t, srv.URL, `
allow_load: true
targets: [{url: "${APP}/"}]
rate: 10/s
duration: 1s
watch:
  metrics: [{url: "${APP}/metrics", name: process_resident_memory_byte}]`)
	r := runLoad(t, l, testEnv())
	if r.Status != kind.Error || cnt.total.Load() > 1 {
		t.Fatalf("want an error before any load (server saw %d requests):\n%s", cnt.total.Load(), describeResult(r))
	}
	if !strings.Contains(r.Summary, "cannot watch metrics[0], so no load was sent") {
		t.Errorf("summary: %s", r.Summary)
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
