package httpcheck

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
)

// durations masks measured times, which differ from run to run.
var durations = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`)

// golden compares what a result says, in full, with testdata/NAME.golden. Server addresses
// and measured latencies are masked; advertised times (Retry-After 30s) are not measured and
// stay, because they come from the fixture's fixed headers.
func goldenResult(t *testing.T, name, serverURL string, r kind.Result, maskDurations bool) {
	t.Helper()
	got := strings.ReplaceAll(golden.Result(r), serverURL, "http://SERVER")
	if maskDurations {
		got = durations.ReplaceAllString(got, "<t>")
	}
	golden.Check(t, name+".golden", []byte(got))
}

func TestGoldenRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler func(int64, http.ResponseWriter, *http.Request)
		max     int
		within  int
	}{
		{"ratelimit_no_limiter", noLimiter, 20, 0},
		{"ratelimit_token_bucket", bucketLimiter(7), 30, 0},
		{"ratelimit_too_late", bucketLimiter(12), 30, 10},
		{"ratelimit_ietf", ietfLimiter(5), 30, 0},
		{"ratelimit_legacy", legacyLimiter(9), 30, 0},
		{"ratelimit_only_400", always(400), 12, 0},
		{"ratelimit_500", always(500), 30, 0},
		{"ratelimit_redirect", always(308, "Location", "https://api.example.com/v1/signup"), 30, 0},
		{"ratelimit_malformed", always(200, "RateLimit", "remaining: none", "RateLimit-Policy", "lots"), 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := serve(t, tt.handler)
			c := &RateLimit{URL: srv.URL + "/v1/signup", Method: "POST", MaxRequests: tt.max, ExpectLimitWithin: tt.within,
				Concurrency: 1, Timeout: kind.Duration(5 * time.Second), Body: `{"email":"launchgate-probe@example.invalid","password":"x"}`}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			goldenResult(t, tt.name, srv.URL, c.Run(ctxTimeout(t, 20*time.Second), testEnv()), false)
		})
	}
}

func TestGoldenBurst(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/session":
			w.WriteHeader(http.StatusServiceUnavailable)
		case "/v1/devices":
			w.WriteHeader(http.StatusCreated)
		}
	})
	b := &Burst{Requests: []BurstRequest{
		{URL: srv.URL + "/v1/config"},
		{Name: "feature flags", URL: srv.URL + "/v1/flags?token=abc"},
		{URL: srv.URL + "/v1/session"},
		{Method: "POST", URL: srv.URL + "/v1/devices", Body: `{"platform":"ios"}`},
	}, Rounds: 3, Timeout: kind.Duration(5 * time.Second), MaxP95: kind.Duration(10 * time.Second)}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	goldenResult(t, "burst_one_call_failing", srv.URL, b.Run(ctxTimeout(t, 20*time.Second), testEnv()), true)
}
