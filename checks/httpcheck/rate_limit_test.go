package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kindtest"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// tokenBucket is a real token-bucket limiter: capacity tokens, refilled at rate per second.
// The tests use a refill slow enough that the bucket never refills during a test.
type tokenBucket struct {
	mu       sync.Mutex
	tokens   float64
	capacity float64
	rate     float64
	last     time.Time
}

func newBucket(capacity int) *tokenBucket {
	return &tokenBucket{tokens: float64(capacity), capacity: float64(capacity), rate: 1.0 / 3600, last: time.Now()}
}

func (b *tokenBucket) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	b.tokens = min(b.capacity, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func noLimiter(_ int64, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusCreated) }

func bucketLimiter(capacity int) func(int64, http.ResponseWriter, *http.Request) {
	b := newBucket(capacity)
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		if !b.take() {
			w.Header().Set("Retry-After", "30")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}
}

// ietfLimiter advertises draft-ietf-httpapi-ratelimit-headers (-08 on) fields; the response
// that spends the last unit of quota says r=0.
func ietfLimiter(quota int) func(int64, http.ResponseWriter, *http.Request) {
	var mu sync.Mutex
	used := 0
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		used++
		left := quota - used
		mu.Unlock()
		w.Header().Set("RateLimit-Policy", fmt.Sprintf(`"default";q=%d;w=60, "daily";q=1000;w=86400`, quota))
		if left < 0 {
			w.Header().Set("RateLimit", `"default";r=0;t=42`)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("RateLimit", fmt.Sprintf(`"default";r=%d;t=42`, left))
		w.WriteHeader(http.StatusOK)
	}
}

// legacyLimiter advertises only X-RateLimit-* headers, and never answers 429.
func legacyLimiter(limit int) func(int64, http.ResponseWriter, *http.Request) {
	var mu sync.Mutex
	used := 0
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		used++
		left := max(limit-used, 0)
		mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", fmt.Sprint(limit))
		w.Header().Set("X-RateLimit-Remaining", fmt.Sprint(left))
		w.Header().Set("X-RateLimit-Reset", fmt.Sprint(testNow.Add(time.Minute).Unix()))
		w.WriteHeader(http.StatusOK)
	}
}

// dictLimiter advertises the drafts' older Dictionary form on every response.
func dictLimiter(limit int) func(int64, http.ResponseWriter, *http.Request) {
	return func(n int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("RateLimit", fmt.Sprintf("limit=%d, remaining=%d, reset=30", limit, max(int64(limit)-n, 0)))
		w.Header().Set("RateLimit-Policy", fmt.Sprintf("%d;w=60", limit))
		w.WriteHeader(http.StatusOK)
	}
}

// splitFieldsLimiter uses the early drafts' three separate fields.
func splitFieldsLimiter(limit int) func(int64, http.ResponseWriter, *http.Request) {
	return func(n int64, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("RateLimit-Limit", fmt.Sprint(limit))
		w.Header().Set("RateLimit-Remaining", fmt.Sprint(max(int64(limit)-n, 0)))
		w.Header().Set("RateLimit-Reset", "30")
		w.WriteHeader(http.StatusOK)
	}
}

func always(code int, headers ...string) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		handler     func(int64, http.ResponseWriter, *http.Request)
		max, within int
		concurrency int
		want        kind.Status
		// Server-side count of requests: exactly wantCount, or within [wantCount, wantMax].
		wantCount, wantMax int64
		summary            []string
		evidence           map[string]string
	}{
		{name: "no limiter fails at exactly the cap", handler: noLimiter, max: 25,
			want: kind.Fail, wantCount: 25, summary: []string{"no rate limit", "25 of 25", "201 Created"}},
		{name: "no limiter with 7 workers still stops at the cap", handler: noLimiter, max: 40, concurrency: 7,
			want: kind.Fail, wantCount: 40, summary: []string{"no rate limit"}},
		{name: "no limiter with more workers than requests", handler: noLimiter, max: 3, concurrency: 10,
			want: kind.Fail, wantCount: 3},
		{name: "token bucket stops at the first 429", handler: bucketLimiter(7), max: 30,
			want: kind.Pass, wantCount: 8, summary: []string{"rate limited at request 8", "429", "Retry-After 30s"},
			evidence: map[string]string{"Retry-After": "30s", "limit": "429 Too Many Requests at request 8"}},
		{name: "token bucket with 4 workers stops soon after the first 429", handler: bucketLimiter(10), max: 60, concurrency: 4,
			want: kind.Pass, wantCount: 11, wantMax: 10 + 4, summary: []string{"rate limited"}},
		{name: "token bucket later than expected", handler: bucketLimiter(12), max: 30, within: 10,
			want: kind.Fail, wantCount: 13, summary: []string{"only at request 13", "later than the 10 expected"}},
		{name: "IETF RateLimit fields", handler: ietfLimiter(5), max: 30,
			want: kind.Pass, wantCount: 5, summary: []string{"request 5", "RateLimit quota exhausted"},
			evidence: map[string]string{
				"RateLimit-Policy": `"default": 5 requests per 1m; "daily": 1000 requests per 1d`,
				"RateLimit":        `"default": 0 remaining, resets in 42s`,
			}},
		{name: "IETF policy larger than the cap", handler: ietfLimiter(100), max: 10,
			want: kind.Fail, wantCount: 10, summary: []string{"no rate limit"},
			evidence: map[string]string{"RateLimit": `"default": 90 remaining, resets in 42s`}},
		{name: "older draft Dictionary form", handler: dictLimiter(6), max: 30,
			want: kind.Pass, wantCount: 6, evidence: map[string]string{"RateLimit": "0 of 6 remaining, resets in 30s", "RateLimit-Policy": "6 requests per 1m"}},
		{name: "early draft separate fields", handler: splitFieldsLimiter(4), max: 30,
			want: kind.Pass, wantCount: 4, evidence: map[string]string{"RateLimit": "0 of 4 remaining, resets in 30s"}},
		{name: "legacy X-RateLimit headers only", handler: legacyLimiter(9), max: 30,
			want: kind.Pass, wantCount: 9, summary: []string{"X-RateLimit-Remaining: 0"},
			evidence: map[string]string{"X-RateLimit": "limit 9, remaining 0, reset in 1m"}},
		{name: "503 with Retry-After is a limit", handler: func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n > 3 {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(503)
			}
		}, max: 30, want: kind.Pass, wantCount: 4, summary: []string{"request 4", "503 Service Unavailable with Retry-After", "Retry-After 2m"}},
		{name: "only 400s is inconclusive", handler: always(400), max: 12,
			want: kind.Error, wantCount: 12, summary: []string{"inconclusive", "all 12 requests were rejected", "400 Bad Request"}},
		{name: "only 422s with workers is inconclusive", handler: always(422), max: 12, concurrency: 3,
			want: kind.Error, wantCount: 12, summary: []string{"inconclusive"}},
		{name: "500 stops the probe at once", handler: always(500), max: 30,
			want: kind.Error, wantCount: 1, summary: []string{"inconclusive", "request 1 answered 500 Internal Server Error: a server error, not a limit"}},
		{name: "503 without Retry-After is inconclusive", handler: always(503), max: 30,
			want: kind.Error, wantCount: 1, summary: []string{"a limiter answering 503 must add Retry-After"}},
		{name: "redirect is inconclusive", handler: always(301, "Location", "https://example.com/signup?token=s3cret"), max: 30,
			want: kind.Error, wantCount: 1, summary: []string{"redirects (301 Moved Permanently to https://example.com/signup?token=***)", "does not follow redirects"}},
		{name: "limited from the very first request", handler: always(429), max: 30,
			want: kind.Pass, wantCount: 1, summary: []string{"rate limited at request 1", "limited from the first request"}},
		{name: "mixed 2xx and 4xx without a limit fails", handler: func(n int64, w http.ResponseWriter, _ *http.Request) {
			if n%2 == 0 {
				w.WriteHeader(400)
				return
			}
			w.WriteHeader(200)
		}, max: 10, want: kind.Fail, wantCount: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cnt := serve(t, tt.handler)
			c := &RateLimit{URL: srv.URL + "/v1/signup", Method: "post", MaxRequests: tt.max, ExpectLimitWithin: tt.within,
				Concurrency: max(tt.concurrency, 1), Timeout: kind.Duration(5 * time.Second),
				Body: `{"email":"launchgate-probe@example.invalid","password":"x"}`}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			r := c.Run(ctxTimeout(t, 20*time.Second), testEnv())
			got := cnt.total.Load()
			if r.Status != tt.want {
				t.Errorf("status %s, want %s\n%s", r.Status, tt.want, golden.Result(r))
			}
			if tt.wantMax == 0 && got != tt.wantCount {
				t.Errorf("server received %d requests, want exactly %d\n%s", got, tt.wantCount, golden.Result(r))
			}
			if tt.wantMax != 0 && (got < tt.wantCount || got > tt.wantMax) {
				t.Errorf("server received %d requests, want %d to %d\n%s", got, tt.wantCount, tt.wantMax, golden.Result(r))
			}
			if got > int64(tt.max) {
				t.Errorf("server received %d requests, over max_requests %d", got, tt.max)
			}
			for _, s := range tt.summary {
				if !strings.Contains(r.Summary, s) {
					t.Errorf("summary %q lacks %q\n%s", r.Summary, s, golden.Result(r))
				}
			}
			for label, want := range tt.evidence {
				e, ok := kindtest.Evidence(r, label)
				if !ok || e.Observed != want {
					t.Errorf("evidence %s = %q, want %q\n%s", label, e.Observed, want, golden.Result(r))
				}
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("no remedy for %s", r.Status)
			}
			cnt.mu.Lock()
			defer cnt.mu.Unlock()
			for ua, n := range cnt.agents {
				if ua != "launchgate/"+testVersion {
					t.Errorf("%d requests with User-Agent %q", n, ua)
				}
			}
			if tt.concurrency <= 1 && cnt.peak.Load() > 1 {
				t.Errorf("sequential probe had %d requests in flight at once", cnt.peak.Load())
			}
		})
	}
}

// TestRateLimitConcurrencyBound proves that concurrency workers really run in parallel, and
// that even so the server never sees more than max_requests.
func TestRateLimitConcurrencyBound(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	srv, cnt := serve(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 4 {
			once.Do(func() { close(release) })
		}
		// The first requests are held until four are in flight at once (or the client gives up).
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.WriteHeader(200)
	})
	c := &RateLimit{URL: srv.URL, Method: "GET", MaxRequests: 21, Concurrency: 4, Timeout: kind.Duration(20 * time.Second)}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r := c.Run(ctxTimeout(t, time.Minute), testEnv())
	if r.Status != kind.Fail || cnt.total.Load() != 21 {
		t.Fatalf("server saw %d requests, want 21; %s", cnt.total.Load(), golden.Result(r))
	}
	if p := cnt.peak.Load(); p != 4 {
		t.Errorf("peak concurrency %d, want 4", p)
	}
}

func TestRateLimitTimeouts(t *testing.T) {
	t.Parallel()
	// A server slower than any timeout here: it answers only once the client has given up.
	slow := func(_ int64, w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		w.WriteHeader(200)
	}
	tests := []struct {
		name      string
		url       func(t *testing.T) (string, *counter)
		reqTO     time.Duration
		checkTO   time.Duration
		summary   []string
		wantCount int64 // -1: not counted
	}{
		{name: "slow server, per-request timeout", reqTO: 300 * time.Millisecond, checkTO: 10 * time.Second,
			url: func(t *testing.T) (string, *counter) {
				s, c := serve(t, slow)
				return s.URL, c
			}, summary: []string{"inconclusive", "request 1 of 30 failed", "sent no response within 300ms"}, wantCount: 1},
		{name: "slow server, check deadline", reqTO: 5 * time.Second, checkTO: 400 * time.Millisecond,
			url: func(t *testing.T) (string, *counter) {
				s, c := serve(t, slow)
				return s.URL, c
			}, summary: []string{"the check's timeout ran out during request 1"}, wantCount: 1},
		{name: "accepts and never answers", reqTO: 300 * time.Millisecond, checkTO: 10 * time.Second,
			url: func(t *testing.T) (string, *counter) {
				return "http://" + testsvc.HangingListener(t) + "/signup", nil
			}, summary: []string{"the server hangs"}, wantCount: -1},
		{name: "refused", reqTO: time.Second, checkTO: 10 * time.Second,
			url: func(t *testing.T) (string, *counter) {
				return "http://" + testsvc.ClosedAddr(t) + "/signup", nil
			}, summary: []string{"connection refused"}, wantCount: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, cnt := tt.url(t)
			c := &RateLimit{URL: u, Method: "POST", MaxRequests: 30, Concurrency: 1, Timeout: kind.Duration(tt.reqTO)}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := c.Run(ctxTimeout(t, tt.checkTO), testEnv())
			testsvc.NotHung(t, start, min(tt.reqTO, tt.checkTO))
			if r.Status != kind.Error {
				t.Errorf("status %s, want error\n%s", r.Status, golden.Result(r))
			}
			for _, s := range tt.summary {
				if !strings.Contains(r.Summary, s) {
					t.Errorf("summary %q lacks %q", r.Summary, s)
				}
			}
			if cnt != nil && tt.wantCount >= 0 && cnt.total.Load() != tt.wantCount {
				t.Errorf("server saw %d requests, want %d", cnt.total.Load(), tt.wantCount)
			}
		})
	}
}

// TestRateLimitTimeoutNamedAsConfigured: the check's 5s timeout ends request 4 after three quick
// answers; the message names 5s as configured, not what was left of it. (5s, so that the quick
// answers are done well before it on a busy machine.)
func TestRateLimitTimeoutNamedAsConfigured(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		wait := time.Hour // until the client gives up
		if n <= 3 {
			wait = 50 * time.Millisecond
		}
		select {
		case <-r.Context().Done():
		case <-time.After(wait):
		}
		w.WriteHeader(http.StatusCreated)
	})
	c := &RateLimit{URL: srv.URL, Method: "POST", MaxRequests: 30, Concurrency: 1, Timeout: kind.Duration(30 * time.Second)}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r := c.Run(ctx, testEnv())
	if !strings.Contains(r.Summary, "the check's timeout ran out during request 4") || !strings.Contains(r.Summary, "sent no response within 5s") {
		t.Errorf("summary %q does not name the configured 5s\n%s", r.Summary, golden.Result(r))
	}
}

func TestRateLimitValidate(t *testing.T) {
	t.Parallel()
	ok := func() *RateLimit {
		return &RateLimit{URL: "https://api.example.com/v1/signup", Method: "POST", MaxRequests: 30, Concurrency: 1, Timeout: kind.Duration(time.Second)}
	}
	tests := []struct {
		name   string
		modify func(c *RateLimit)
		err    string
	}{
		{"defaults are valid", func(c *RateLimit) {}, ""},
		{"ceiling", func(c *RateLimit) { c.MaxRequests = 501 }, "max_requests: must be between 1 and 500"},
		{"ceiling exactly", func(c *RateLimit) { c.MaxRequests = 500 }, ""},
		{"zero requests", func(c *RateLimit) { c.MaxRequests = 0 }, "max_requests: must be between 1 and 500"},
		{"within over max", func(c *RateLimit) { c.ExpectLimitWithin = 31 }, "expect_limit_within: must be between 1 and max_requests (30)"},
		{"negative within", func(c *RateLimit) { c.ExpectLimitWithin = -1 }, "expect_limit_within"},
		{"concurrency zero", func(c *RateLimit) { c.Concurrency = 0 }, "concurrency: must be between 1 and 50"},
		{"concurrency too high", func(c *RateLimit) { c.Concurrency = 51 }, "concurrency: must be between 1 and 50"},
		{"relative url", func(c *RateLimit) { c.URL = "/v1/signup" }, "url: \"/v1/signup\" must be an absolute http:// or https:// URL"},
		{"ftp url", func(c *RateLimit) { c.URL = "ftp://example.com/x" }, "must be an absolute"},
		{"password in url is redacted", func(c *RateLimit) { c.URL = "ftp://user:hunter2@example.com/x" }, "must be an absolute"},
		{"bad method", func(c *RateLimit) { c.Method = "PO ST" }, "not an HTTP method"},
		{"unknown method", func(c *RateLimit) { c.Method = "FETCH" }, `method: "FETCH" is not an HTTP method, did you mean PATCH?`},
		{"user agent is ours", func(c *RateLimit) { c.Headers = map[string]string{"user-agent": "curl"} }, "headers: User-Agent is always launchgate"},
		{"header injection", func(c *RateLimit) { c.Headers = map[string]string{"X-A": "a\r\nX-B: b"} }, "line break"},
		{"zero timeout", func(c *RateLimit) { c.Timeout = 0 }, "timeout: must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok()
			tt.modify(c)
			err := c.Validate()
			if tt.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if c.ExpectLimitWithin != c.MaxRequests {
					t.Errorf("expect_limit_within defaulted to %d, want %d", c.ExpectLimitWithin, c.MaxRequests)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one containing %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the password: %v", err)
			}
		})
	}
}

func TestRateLimitKindDefaults(t *testing.T) {
	k, ok := kind.Lookup("http.rate_limit")
	if !ok {
		t.Fatal("http.rate_limit is not registered")
	}
	if k.Positional != "url" {
		t.Errorf("positional %q, want url", k.Positional)
	}
	c := k.New().(*RateLimit)
	if c.Method != "POST" || c.MaxRequests != 30 || c.Concurrency != 1 || c.Timeout <= 0 {
		t.Errorf("defaults %+v", c)
	}
	// Serve and --wait leave it alone: each run sends its requests again.
	if e := kind.EffectsOf(c); !e.SendsTraffic || e.Writes || e.Load {
		t.Errorf("effects %+v, want traffic", e)
	}
	for _, p := range kind.Params(c) {
		if p.Doc == "" {
			t.Errorf("parameter %s has no doc", p.Name)
		}
	}
}

func TestRateLimitSendsBodyAndHeaders(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	srv, _ := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 200)
		n, _ := r.Body.Read(b)
		mu.Lock()
		got = append(got, r.Method+" "+r.Header.Get("Content-Type")+" "+r.Header.Get("X-Probe")+" "+string(b[:n]))
		mu.Unlock()
		w.WriteHeader(429)
	})
	c := &RateLimit{URL: srv.URL, Method: "put", MaxRequests: 5, Concurrency: 1, Timeout: kind.Duration(time.Second),
		Headers: map[string]string{"X-Probe": "yes"}, Body: `{"email":"a@example.invalid"}`}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	r := c.Run(ctxTimeout(t, 10*time.Second), testEnv())
	if r.Status != kind.Pass {
		t.Fatal(golden.Result(r))
	}
	want := `PUT application/json yes {"email":"a@example.invalid"}`
	if len(got) != 1 || got[0] != want {
		t.Errorf("server got %q, want [%q]", got, want)
	}
	if e, _ := kindtest.Evidence(r, "advertised policy"); !strings.HasPrefix(e.Observed, "none") {
		t.Errorf("advertised policy evidence %q", e.Observed)
	}
}

// TestNoSecretsInResults: tokens in the URL, header values and the body never reach a result.
func TestNoSecretsInResults(t *testing.T) {
	t.Parallel()
	for _, code := range []int{201, 429, 400, 500} {
		srv, _ := serve(t, always(code))
		c := &RateLimit{URL: srv.URL + "/signup?token=s3cret-token", Method: "POST", MaxRequests: 3, Concurrency: 1,
			Timeout: kind.Duration(time.Second), Headers: map[string]string{"Authorization": "Bearer s3cret-bearer"},
			Body: `{"email":"a@example.invalid","password":"s3cret-pw"}`}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		r := c.Run(ctxTimeout(t, 10*time.Second), testEnv())
		b := &Burst{Requests: []BurstRequest{{URL: srv.URL + "/feed?token=s3cret-token", Headers: map[string]string{"Authorization": "Bearer s3cret-bearer"}, Body: "s3cret-pw"}},
			Rounds: 1, Timeout: kind.Duration(time.Second)}
		if err := b.Validate(); err != nil {
			t.Fatal(err)
		}
		rb := b.Run(ctxTimeout(t, 10*time.Second), testEnv())
		for _, out := range []string{golden.Result(r) + r.Remedy + c.Title(), golden.Result(rb) + rb.Remedy + b.Title()} {
			if strings.Contains(out, "s3cret") {
				t.Errorf("status %d: a secret leaked:\n%s", code, out)
			}
		}
	}
}
