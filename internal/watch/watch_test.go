package watch

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	t.Cleanup(cancel)
	return c
}

func env() *kind.Env {
	e := kind.DefaultEnv("test")
	e.Resolver = nil
	return e
}

func readOne(t *testing.T, w Watcher) []float64 {
	t.Helper()
	v, err := w.Read(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestTimelineStaysBounded(t *testing.T) {
	peak, mean := NewTimeline(false), NewTimeline(true)
	for s := 0; s < 5000; s++ {
		peak.Set(s, float64(s))
		mean.Set(s, float64(s%2))
	}
	if s := peak.Series("", ""); s.Step != 4 || len(s.Values) != 1250 || len(s.Values) > maxPoints {
		t.Fatalf("step %d, %d values", s.Step, len(s.Values))
	}
	if got := peak.Range(0, 8); len(got) != 2 || got[0] != 3 || got[1] != 7 {
		t.Errorf("peaks %v, want the maximum of each 4 seconds", got)
	}
	if got := mean.Range(0, 4); got[0] != 0.5 {
		t.Errorf("mean %v", got)
	}
	gappy := NewTimeline(false)
	gappy.Set(3, 1)
	gappy.Put(3, 0)
	s := gappy.Series("x", "")
	if s.Start != 3 || len(s.Values) != 1 || s.Values[0] != 0 {
		t.Errorf("series %+v", s)
	}
	if _, _, ok := NewTimeline(false).Last(); ok {
		t.Error("an empty timeline has a last value")
	}
}

const page = `# HELP process_resident_memory_bytes Resident memory size in bytes.
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 4.2e+07
# TYPE db_pool_in_use gauge
db_pool_in_use{pool="main",app="shop"} 7
db_pool_in_use{pool="replica",app="shop"} 2
# TYPE http_requests_total counter
http_requests_total{code="200"} 1027
http_requests 5
# TYPE request_seconds histogram
request_seconds_bucket{le="0.1"} 3
request_seconds_bucket{le="+Inf"} 4
request_seconds_sum 0.7
request_seconds_count 4
`

func TestPickAMetric(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
		err    string
	}{
		{"process_resident_memory_bytes", nil, 4.2e7, ""},
		{"db_pool_in_use", map[string]string{"pool": "replica"}, 2, ""},
		{"http_requests_total", nil, 1027, ""},
		{"http_requests", nil, 5, ""},
		{"request_seconds_sum", nil, 0.7, ""},
		{"db_pool_in_use", nil, 0, `has 2 series of db_pool_in_use with labels {} ({app="shop", pool="main"}, {app="shop", pool="replica"}): add labels to pick one`},
		{"db_pool_in_use", map[string]string{"pool": "cache"}, 0, `no series of db_pool_in_use with labels {pool="cache"} (it has {app="shop", pool="main"}, {app="shop", pool="replica"})`},
		{"process_resident_memory_byte", nil, 0, "has no metric named process_resident_memory_byte (did you mean process_resident_memory_bytes?)"},
		{"request_seconds", nil, 0, "is a histogram; watch a gauge, a counter or one series of it (request_seconds_sum, request_seconds_count)"},
	} {
		got, err := pick([]byte(page), c.name, c.labels, "app/metrics")
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%s %v: err %v, want %q", c.name, c.labels, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("%s %v: %v, %v; want %g", c.name, c.labels, got, err, c.want)
		}
	}
}

// FuzzPick: a metrics page is the service's text; reading it never panics.
func FuzzPick(f *testing.F) {
	f.Add([]byte(page), "db_pool_in_use", "pool", "main")
	f.Add([]byte("a{b=\"\\\"\"} 1\n# TYPE a gauge\n"), "a", "b", "\"")
	f.Add([]byte("x 1 2 3\nx{} NaN\n"), "x", "", "")
	f.Fuzz(func(t *testing.T, p []byte, name, k, v string) {
		labels := map[string]string{}
		if k != "" {
			labels[k] = v
		}
		_, _ = pick(p, name, labels, "fuzz")
	})
}

// metricsServer serves a gauge that the test sets, and counts scrapes.
func metricsServer(t *testing.T, value *atomic.Int64, block chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer s3cret" || !strings.HasPrefix(r.Header.Get("Accept"), "text/plain;version=0.0.4") {
			http.Error(w, "who are you", http.StatusUnauthorized)
			return
		}
		if block != nil {
			select {
			case <-block:
			case <-r.Context().Done():
				return
			}
		}
		fmt.Fprintf(w, "# TYPE app_memory_bytes gauge\napp_memory_bytes %d\n", value.Load())
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestMetricWatcherAndSampler(t *testing.T) {
	t.Parallel()
	var v atomic.Int64
	v.Store(100)
	srv := metricsServer(t, &v, nil)
	spec := Spec{Kind: Metrics, Target: srv.URL + "/metrics", Name: "app_memory_bytes", Headers: map[string]string{"Authorization": "Bearer s3cret"}}
	if err := Check(spec); err != nil {
		t.Fatal(err)
	}
	w, err := Open(ctx(t), env(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if s := w.Series(); len(s) != 1 || !s[0].Memory || s[0].Unit != "bytes" || s[0].Key != "app_memory_bytes" {
		t.Errorf("series %+v", s)
	}
	start := time.Now()
	s := Sample(ctx(t), []Watcher{w}, start)
	waitFor(t, func() bool {
		sec := 0
		s.Read(0, func(tl *Timeline) { sec, _, _ = tl.Last() })
		return sec >= 1
	})
	v.Store(250)
	s.Final(ctx(t))
	s.Close()
	s.Read(0, func(tl *Timeline) {
		if _, last, _ := tl.Last(); last != 250 {
			t.Errorf("final reading %v, want 250", last)
		}
		if first := tl.Range(0, 1); len(first) != 1 || first[0] != 100 {
			t.Errorf("first reading %v", first)
		}
	})

	_, err = Open(ctx(t), env(), Spec{Kind: Metrics, Target: srv.URL + "/metrics", Name: "app_memory_bytes"})
	if err == nil || !strings.Contains(err.Error(), "answered 401, not 200") {
		t.Errorf("without its header: %v", err)
	}
}

// TestSamplerCountsWhatASlowWatcherMissed: a metrics endpoint that hangs for longer than a read
// may take misses its samples; they are counted with the reason, not waited for.
func TestSamplerCountsWhatASlowWatcherMissed(t *testing.T) {
	t.Parallel()
	var v atomic.Int64
	block := make(chan struct{})
	srv := metricsServer(t, &v, block)
	spec := Spec{Kind: Metrics, Target: srv.URL + "/metrics", Name: "app_memory_bytes", Headers: map[string]string{"Authorization": "Bearer s3cret"}}
	open := make(chan struct{})
	var w Watcher
	go func() {
		defer close(open)
		w, _ = Open(ctx(t), env(), spec)
	}()
	block <- struct{}{}
	<-open
	s := Sample(ctx(t), []Watcher{w}, time.Now())
	waitFor(t, func() bool { n, _ := s.Missed(0); return n >= 2 })
	close(block)
	s.Close()
	n, why := s.Missed(0)
	if !strings.Contains(why, "did not complete within 2s") && !strings.Contains(why, "sent no response within 2s") {
		t.Errorf("%d missed, why %q", n, why)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", testsvc.WaitLimit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestPostgresWatcher(t *testing.T) {
	t.Parallel()
	c := pgtest.Start(t, pgtest.Options{Conf: []string{"max_connections = 20", "superuser_reserved_connections = 2"}})
	c.Exec(t, "CREATE ROLE plain LOGIN")
	w, err := Open(ctx(t), env(), Spec{Kind: Postgres, Target: c.DSN("", "")})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := w.Series()[0]
	if s.Limit != 18 || s.LimitWhy != "max_connections 20 − superuser_reserved_connections 2" || s.Key != KeyConnections {
		t.Errorf("series %+v", s)
	}
	// A backend leaves pg_stat_activity only once its process has exited: the superuser's
	// CREATE ROLE connection may still count for a while on a busy machine.
	waitFor(t, func() bool { return readOne(t, w)[0] == 0 })
	var conns []*pgx.Conn
	for i := 0; i < 3; i++ {
		conns = append(conns, c.Connect(t, "plain", ""))
	}
	if got := readOne(t, w)[0]; got != 3 {
		t.Errorf("%v connections with three open", got)
	}
	for _, cn := range conns {
		cn.Close(context.Background())
	}

	// Without pg_monitor the count falls back to every backend, and says so.
	plain, err := Open(ctx(t), env(), Spec{Kind: Postgres, Target: c.DSN("plain", "")})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if l := plain.Series()[0].Label; !strings.Contains(l, "(every backend: plain lacks pg_monitor)") {
		t.Errorf("label %q", l)
	}
	readOne(t, plain)

	_, err = Open(ctx(t), env(), Spec{Kind: Postgres, Target: "postgres://app:hunter2hunter2@" + testsvc.ClosedAddr(t) + "/app"})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "cannot connect to PostgreSQL app@127.0.0.1") {
		t.Errorf("closed port: %v", err)
	}
}

func TestMySQLWatcher(t *testing.T) {
	t.Parallel()
	// One server of the test's own per target form, so that Threads_connected counts only the
	// test's clients (the shared server's count moves with every other test).
	servers := testsvc.StartMariaDBs(t, []string{"--max-connections=37"}, []string{"--max-connections=37"})
	for i, form := range []string{"root@tcp(127.0.0.1:%d)/", "mysql://root@127.0.0.1:%d/"} {
		port := servers[i].Port
		target := fmt.Sprintf(form, port)
		db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/", port))
		if err == nil {
			err = db.PingContext(ctx(t))
		}
		if err != nil {
			t.Fatal(err)
		}
		w, err := Open(ctx(t), env(), Spec{Kind: MySQL, Target: target})
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if s := w.Series()[0]; s.Limit != 37 || !strings.HasPrefix(s.Label, fmt.Sprintf("MySQL Threads_connected on root@127.0.0.1:%d", port)) {
			t.Errorf("series %+v", s)
		}
		// Four more connections must show in the count (db's idle one may be among them). A
		// closed connection (the server's own readiness probe) counts until its thread ends.
		waitFor(t, func() bool { return readOne(t, w)[0] <= 2 })
		before := readOne(t, w)[0]
		var held []*sql.Conn
		for i := 0; i < 4; i++ {
			cn, err := db.Conn(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, cn)
		}
		if after := readOne(t, w)[0]; after < before+3 {
			t.Errorf("%s: %v threads with four more connections, %v before", target, after, before)
		}
		for _, cn := range held {
			cn.Close()
		}
		db.Close()
		w.Close()
	}
	_, err := Open(ctx(t), env(), Spec{Kind: MySQL, Target: "app:pw@tcp(" + testsvc.ClosedAddr(t) + ")/app"})
	if err == nil || strings.Contains(err.Error(), ":pw") {
		t.Errorf("closed port: %v", err)
	}
}

// ownRedis starts a Redis server of the test's own on a free port, so that its client count is
// exactly the test's.
func ownRedis(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testsvc.Unavailable(t, "redis-server", "apt-get install redis-server", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--maxclients", "64", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return addr
}

func TestRedisWatcher(t *testing.T) {
	t.Parallel()
	addr := ownRedis(t)
	w, err := Open(ctx(t), env(), Spec{Kind: Redis, Target: "redis://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	s := w.Series()
	if len(s) != 2 || s[0].Limit != 64 || s[0].Key != KeyConnections || s[1].Key != KeyRedisMemory || !s[1].Memory {
		t.Errorf("series %+v", s)
	}
	if v := readOne(t, w); v[0] != 0 || v[1] <= 0 {
		t.Errorf("readings %v: the watcher's own client is not counted", v)
	}
	var clients []*redis.Client
	for i := 0; i < 3; i++ {
		c := redis.NewClient(&redis.Options{Addr: addr, PoolSize: 1})
		if err := c.Ping(ctx(t)).Err(); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	if v := readOne(t, w); v[0] != 3 {
		t.Errorf("readings %v with three clients", v)
	}
	for _, c := range clients {
		c.Close()
	}
	if _, err := Open(ctx(t), env(), Spec{Kind: Redis, Target: "redis://:hunter2@" + testsvc.ClosedAddr(t)}); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("closed port: %v", err)
	}
}

func TestCheckSpecs(t *testing.T) {
	for _, c := range []struct {
		s   Spec
		err string
	}{
		{Spec{Kind: Postgres, Target: "postgres://u:p@db/app"}, ""},
		{Spec{Kind: Postgres, Target: "redis://db"}, "a redis:// URL, not PostgreSQL"},
		{Spec{Kind: Postgres, Target: ""}, "empty DSN"},
		{Spec{Kind: MySQL, Target: "u:p@tcp(db:3306)/app"}, ""},
		{Spec{Kind: MySQL, Target: "postgres://db/app"}, "a postgres:// URL, not MySQL"},
		{Spec{Kind: MySQL, Target: "u:s3cr3t@tcp(db:3306"}, "invalid MySQL DSN"},
		{Spec{Kind: Redis, Target: "rediss://:pw@cache:6380/2"}, ""},
		{Spec{Kind: Redis, Target: "http://cache"}, `unsupported scheme "http"`},
		{Spec{Kind: Metrics, Target: "http://app/metrics", Name: "up", Labels: map[string]string{"job": "x"}}, ""},
		{Spec{Kind: Metrics, Target: "app/metrics", Name: "up"}, "must be an absolute http:// or https:// URL"},
		{Spec{Kind: Metrics, Target: "http://app/metrics", Name: "up", Labels: map[string]string{"1x": "y"}}, `label "1x" is not a Prometheus label name`},
	} {
		err := Check(c.s)
		if (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("%+v: %v, want %q", c.s, err, c.err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("password in %v", err)
		}
	}
}
