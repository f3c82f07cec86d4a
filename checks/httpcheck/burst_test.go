package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kindtest"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func calls(base string, paths ...string) []BurstRequest {
	out := make([]BurstRequest, len(paths))
	for i, p := range paths {
		out[i] = BurstRequest{URL: base + p}
	}
	return out
}

func runBurst(t *testing.T, b *Burst, env *kind.Env, timeout time.Duration) kind.Result {
	t.Helper()
	if b.Timeout == 0 {
		b.Timeout = kind.Duration(10 * time.Second)
	}
	if b.Rounds == 0 {
		b.Rounds = 1
	}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	if env == nil {
		env = testEnv()
	}
	return b.Run(ctxTimeout(t, timeout), env)
}

// TestBurstOverloadedBackend is the startup-burst outage: every endpoint works alone, but the
// backend fails when more than 3 requests are in flight at once. The check must fail and name
// exactly the calls that failed.
func TestBurstOverloadedBackend(t *testing.T) {
	t.Parallel()
	const limit = 3
	var inflight atomic.Int64
	overflow := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	failedPaths := map[string]bool{}
	srv, cnt := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		defer inflight.Add(-1)
		if n > limit {
			mu.Lock()
			failedPaths[r.URL.Path] = true
			mu.Unlock()
			once.Do(func() { close(overflow) })
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		// Hold the request until the burst overflows the backend (or the client gives up), so
		// the overlap does not depend on scheduling.
		select {
		case <-overflow:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	})
	paths := []string{"/v1/config", "/v1/flags", "/v1/feed", "/v1/profile", "/v1/inbox", "/v1/ads", "/v1/experiments", "/v1/geo"}
	b := &Burst{Requests: calls(srv.URL, paths...)}
	r := runBurst(t, b, nil, 20*time.Second)
	if r.Status != kind.Fail {
		t.Fatalf("status %s, want fail\n%s", r.Status, golden.Result(r))
	}
	if got := cnt.total.Load(); got != int64(len(paths)) {
		t.Errorf("server saw %d requests, want %d", got, len(paths))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(failedPaths) == 0 {
		t.Fatal("the burst never overflowed the backend: the calls were not simultaneous")
	}
	for _, p := range paths {
		named := strings.Contains(r.Summary, "GET "+p+" (503)")
		if named != failedPaths[p] {
			t.Errorf("%s failed on the server: %v, named in the summary: %v\n%s", p, failedPaths[p], named, golden.Result(r))
		}
		e, _ := kindtest.Evidence(r, "GET "+p)
		if want := map[bool]kind.Status{true: kind.Fail, false: kind.Pass}[failedPaths[p]]; e.Status != want {
			t.Errorf("evidence for %s is %s, want %s", p, e.Status, want)
		}
	}
	if !strings.Contains(r.Summary, fmt.Sprintf("%d of %d calls failed under the burst (allowed 0%%)", len(failedPaths), len(paths))) {
		t.Errorf("summary %q", r.Summary)
	}
	if r.Remedy == "" {
		t.Error("no remedy")
	}
}

// TestBurstStartBarrier proves the calls of a round arrive together: the server holds each
// request until all of them are in flight.
func TestBurstStartBarrier(t *testing.T) {
	t.Parallel()
	const n = 7
	var inflight atomic.Int64
	var mu sync.Mutex
	all := make(chan struct{})
	srv, cnt := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		if inflight.Add(1) == n {
			close(all)
		}
		mu.Lock()
		ch := all
		mu.Unlock()
		// Calls that do not arrive together are held until the client gives up on them.
		select {
		case <-ch:
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(200)
	})
	var paths []string
	for i := range n {
		paths = append(paths, fmt.Sprintf("/call/%d", i))
	}
	r := runBurst(t, &Burst{Requests: calls(srv.URL, paths...)}, nil, 20*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("status %s\n%s", r.Status, golden.Result(r))
	}
	if p := cnt.peak.Load(); p != n {
		t.Errorf("peak %d in flight, want %d", p, n)
	}
}

// TestBurstHTTP2 checks that a server offering HTTP/2 is spoken to in HTTP/2, as a phone's
// client would, that the protocol is reported, and that rounds × calls is exactly what the
// server receives.
func TestBurstHTTP2(t *testing.T) {
	t.Parallel()
	srv, cnt, env := serveTLS(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			w.WriteHeader(http.StatusHTTPVersionNotSupported)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	b := &Burst{Requests: calls(srv.URL, "/a", "/b", "/c", "/d", "/e"), Rounds: 3, MaxLatency: kind.Duration(5 * time.Second), MaxP95: kind.Duration(5 * time.Second)}
	b.Requests[4].Method = "POST"
	b.Requests[4].Body = `{"device":"launchgate-probe"}`
	r := runBurst(t, b, env, 20*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("status %s\n%s", r.Status, golden.Result(r))
	}
	if e, _ := kindtest.Evidence(r, "protocol"); e.Observed != "HTTP/2.0" {
		t.Errorf("protocol evidence %q, want HTTP/2.0", e.Observed)
	}
	if got := cnt.total.Load(); got != 15 {
		t.Errorf("server saw %d requests, want 15", got)
	}
	cnt.mu.Lock()
	defer cnt.mu.Unlock()
	if cnt.protos["HTTP/2.0"] != 15 {
		t.Errorf("server protocols %v", cnt.protos)
	}
	if cnt.agents["launchgate/"+testVersion] != 15 {
		t.Errorf("user agents %v", cnt.agents)
	}
	if e, ok := kindtest.Evidence(r, "POST /e"); !ok || !strings.HasPrefix(e.Observed, "3 of 3 ok: 3× 200 OK") {
		t.Errorf("POST /e evidence %+v", e)
	}
}

func TestBurstJudgement(t *testing.T) {
	t.Parallel()
	handler := func(_ int64, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/broken":
			w.WriteHeader(500)
		case "/slow":
			time.Sleep(300 * time.Millisecond)
		case "/sluggish":
			time.Sleep(150 * time.Millisecond)
		case "/missing":
			w.WriteHeader(404)
		}
	}
	tests := []struct {
		name    string
		paths   []string
		rounds  int
		modify  func(b *Burst)
		want    kind.Status
		summary []string
	}{
		{name: "all fine", paths: []string{"/a", "/b"}, rounds: 2, want: kind.Pass,
			summary: []string{"2 simultaneous calls × 2 rounds: 4 of 4 answered as expected"}},
		{name: "one broken call fails at 0% allowance", paths: []string{"/a", "/b", "/c", "/broken"}, rounds: 2, want: kind.Fail,
			summary: []string{"2 of 8 calls failed under the burst (allowed 0%): GET /broken (500 ×2)"}},
		{name: "one broken call within a 30% allowance warns", paths: []string{"/a", "/b", "/c", "/broken"}, rounds: 2,
			modify: func(b *Burst) { b.MaxErrorRate = 0.3 }, want: kind.Warn, summary: []string{"6 of 8 answered as expected"}},
		{name: "expected 404 is fine", paths: []string{"/a", "/missing"}, want: kind.Pass,
			modify: func(b *Burst) { b.Requests[1].ExpectStatus = mustStatus(t, "404") }},
		{name: "slow call over max_latency is named", paths: []string{"/a", "/slow", "/b"}, want: kind.Fail,
			modify: func(b *Burst) { b.MaxLatency = kind.Duration(100 * time.Millisecond) }, summary: []string{"slower than 100ms: GET /slow ("}},
		{name: "p95 over max_p95", paths: []string{"/sluggish", "/sluggish"}, rounds: 2, want: kind.Fail,
			modify: func(b *Burst) { b.MaxP95 = kind.Duration(50 * time.Millisecond) }, summary: []string{"p95 latency", "over 50ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cnt := serve(t, handler)
			b := &Burst{Requests: calls(srv.URL, tt.paths...), Rounds: max(tt.rounds, 1), Timeout: kind.Duration(5 * time.Second)}
			if tt.modify != nil {
				tt.modify(b)
			}
			r := runBurst(t, b, nil, 20*time.Second)
			if r.Status != tt.want {
				t.Errorf("status %s, want %s\n%s", r.Status, tt.want, golden.Result(r))
			}
			for _, s := range tt.summary {
				if !strings.Contains(r.Summary, s) {
					t.Errorf("summary %q lacks %q\n%s", r.Summary, s, golden.Result(r))
				}
			}
			if want := int64(len(tt.paths) * b.Rounds); cnt.total.Load() != want {
				t.Errorf("server saw %d requests, want %d", cnt.total.Load(), want)
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Error("no remedy")
			}
		})
	}
}

func mustStatus(t *testing.T, s string) StatusRanges {
	t.Helper()
	r, err := ParseStatusRanges(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBurstUnreachable(t *testing.T) {
	t.Parallel()
	ok, _ := serve(t, func(int64, http.ResponseWriter, *http.Request) {})
	untrusted, _, _ := serveTLS(t, func(int64, http.ResponseWriter, *http.Request) {}) // testEnv does not trust it
	hang := "http://" + testsvc.HangingListener(t)
	closed := "http://" + testsvc.ClosedAddr(t)
	// Where a real server must answer (the healthy calls, a TLS handshake under -race), the
	// request timeout leaves a busy machine room; the check has enough for two rounds of it.
	const answers = 3 * time.Second
	tests := []struct {
		name    string
		urls    []string
		timeout time.Duration
		want    kind.Status
		summary string
	}{
		{"everything refused", []string{closed + "/a", closed + "/b"}, 300 * time.Millisecond, kind.Error, "connection refused"},
		{"everything hangs", []string{hang + "/a", hang + "/b"}, 300 * time.Millisecond, kind.Error, "the server hangs"},
		{"one call cannot be made (untrusted certificate)", []string{ok.URL + "/a", untrusted.URL + "/tls"}, answers, kind.Error, "call GET /tls could not be made: TLS handshake failed"},
		{"one call hangs while the rest answer", []string{ok.URL + "/a", hang + "/stuck", ok.URL + "/b"}, answers, kind.Fail, "GET /stuck (no-response ×2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var reqs []BurstRequest
			for _, u := range tt.urls {
				reqs = append(reqs, BurstRequest{URL: u})
			}
			b := &Burst{Requests: reqs, Rounds: 2, Timeout: kind.Duration(tt.timeout)}
			start := time.Now()
			r := runBurst(t, b, nil, 4*answers)
			testsvc.NotHung(t, start, 2*tt.timeout)
			if e, ok := kindtest.Evidence(r, "GET /stuck"); ok && !strings.Contains(e.Observed, "sent no response within "+kind.FormatDuration(tt.timeout)) {
				t.Errorf("evidence for the stuck call does not explain: %q", e.Observed)
			}
			if r.Status != tt.want || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("got %s %q, want %s containing %q\n%s", r.Status, r.Summary, tt.want, tt.summary, golden.Result(r))
			}
		})
	}
}

// TestBurstCheckDeadline: the check's own deadline stops further rounds.
func TestBurstCheckDeadline(t *testing.T) {
	t.Parallel()
	srv, cnt := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(200 * time.Millisecond):
		}
	})
	b := &Burst{Requests: calls(srv.URL, "/a", "/b"), Rounds: 100, Timeout: kind.Duration(5 * time.Second)}
	start := time.Now()
	// 3s: room for the first rounds to be answered on a busy machine, far short of 100 rounds.
	r := runBurst(t, b, nil, 3*time.Second)
	testsvc.NotHung(t, start, 3*time.Second)
	// 100 rounds of 200ms: the requests the server saw show where the deadline stopped them.
	if cnt.total.Load() >= 200 {
		t.Errorf("all %d requests sent despite the deadline", cnt.total.Load())
	}
	// Rounds that could not finish were not started, so no healthy call is reported as failed.
	if r.Status != kind.Warn {
		t.Errorf("status %s, want warn\n%s", r.Status, golden.Result(r))
	}
	if e, ok := kindtest.Evidence(r, "rounds"); !ok || !strings.Contains(e.Observed, "within the check's timeout") {
		t.Errorf("rounds evidence %+v\n%s", e, golden.Result(r))
	}
}

// TestBurstTimeoutNamedAsConfigured: round 2 hangs until the check's 5s timeout; the evidence
// names 5s as configured, not what was left of it when the round started. (5s, so that round 1
// leaves time for round 2 on a busy machine.)
func TestBurstTimeoutNamedAsConfigured(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		wait := time.Hour // until the client gives up
		if n == 1 {
			wait = 50 * time.Millisecond
		}
		select {
		case <-r.Context().Done():
		case <-time.After(wait):
		}
	})
	b := &Burst{Requests: calls(srv.URL, "/a"), Rounds: 3, Timeout: kind.Duration(30 * time.Second)}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := b.Run(ctx, testEnv())
	if e, ok := kindtest.Evidence(r, "GET /a"); !ok || !strings.Contains(e.Observed, "sent no response within 5s") {
		t.Errorf("evidence %+v does not name the configured 5s\n%s", e, golden.Result(r))
	}
}

func TestBurstValidate(t *testing.T) {
	t.Parallel()
	base := func() *Burst {
		return &Burst{Requests: []BurstRequest{{URL: "https://api.example.com/v1/config?token=s3cret"}, {URL: "https://api.example.com/v1/config", Method: "post"}},
			Rounds: 1, Timeout: kind.Duration(time.Second)}
	}
	tests := []struct {
		name   string
		modify func(b *Burst)
		err    string
		check  func(t *testing.T, b *Burst)
	}{
		{name: "defaults", modify: func(*Burst) {}, check: func(t *testing.T, b *Burst) {
			names := []string{b.Requests[0].Name, b.Requests[1].Name}
			if names[0] != "GET /v1/config" || names[1] != "POST /v1/config" {
				t.Errorf("names %q", names)
			}
			if got := b.Requests[0].ExpectStatus.String(); got != "2xx, 3xx" {
				t.Errorf("default expect_status %q", got)
			}
		}},
		{name: "duplicate names are numbered", modify: func(b *Burst) { b.Requests[1].Method = "" }, check: func(t *testing.T, b *Burst) {
			if b.Requests[1].Name != "GET /v1/config #2" {
				t.Errorf("name %q", b.Requests[1].Name)
			}
		}},
		{name: "no calls", modify: func(b *Burst) { b.Requests = nil }, err: "requests: list at least one call"},
		{name: "zero rounds", modify: func(b *Burst) { b.Rounds = 0 }, err: "rounds: must be at least 1"},
		{name: "ceiling", modify: func(b *Burst) { b.Rounds = 501 }, err: "rounds: 2 calls × 501 rounds is 1002 requests, over the ceiling of 1000"},
		{name: "ceiling exactly", modify: func(b *Burst) { b.Rounds = 500 }},
		{name: "bad url", modify: func(b *Burst) { b.Requests[1].URL = "api.example.com/x" }, err: "requests: call 2: url \"api.example.com/x\" must be an absolute"},
		{name: "bad method", modify: func(b *Burst) { b.Requests[0].Method = "G T" }, err: "requests: call 1: method"},
		{name: "unknown method", modify: func(b *Burst) { b.Requests[0].Method = "FETCH" }, err: `requests: call 1: method "FETCH" is not an HTTP method, did you mean PATCH?`},
		{name: "user agent", modify: func(b *Burst) { b.Requests[0].Headers = map[string]string{"User-Agent": "x"} }, err: "requests: call 1: headers: User-Agent"},
		{name: "error rate over 1", modify: func(b *Burst) { b.MaxErrorRate = 5 }, err: "max_error_rate: must be a fraction from 0 to 1"},
		{name: "negative latency", modify: func(b *Burst) { b.MaxP95 = -1 }, err: "max_p95: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			tt.modify(b)
			err := b.Validate()
			if tt.err == "" && err != nil {
				t.Fatal(err)
			}
			if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if tt.check != nil {
				tt.check(t, b)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	tests := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 95, 0},
		{ms(5), 50, 5 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(4, 3, 2, 1), 100, 4 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100), 95, 19 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100), 100, 100 * time.Millisecond},
	}
	for _, tt := range tests {
		in := append([]time.Duration(nil), tt.in...)
		if got := percentile(tt.in, tt.p); got != tt.want {
			t.Errorf("p%v of %v = %v, want %v", tt.p, tt.in, got, tt.want)
		}
		sort.Slice(in, func(i, j int) bool { return false })
		for i := range in {
			if in[i] != tt.in[i] {
				t.Fatal("percentile reordered its input")
			}
		}
	}
}

func TestBurstKind(t *testing.T) {
	k, ok := kind.Lookup("http.burst")
	if !ok {
		t.Fatal("http.burst is not registered")
	}
	b := k.New().(*Burst)
	if b.Rounds != 1 || b.Timeout <= 0 || b.MaxErrorRate != 0 {
		t.Errorf("defaults %+v", b)
	}
	// A burst sends traffic; one with a POST among its calls writes too.
	reads := &Burst{Requests: []BurstRequest{{URL: "http://a/"}, {Method: "HEAD", URL: "http://a/"}}}
	writes := &Burst{Requests: []BurstRequest{{URL: "http://a/"}, {Method: "POST", URL: "http://a/devices"}}}
	if e := kind.EffectsOf(reads); !e.SendsTraffic || e.Writes {
		t.Errorf("GET and HEAD: effects %+v", e)
	}
	if e := kind.EffectsOf(writes); !e.SendsTraffic || !e.Writes {
		t.Errorf("with a POST: effects %+v", e)
	}
	for _, p := range append(kind.Params(b), kind.StructParams(reflect.TypeOf(BurstRequest{}))...) {
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
}
