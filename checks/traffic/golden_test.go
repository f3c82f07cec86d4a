package traffic

import (
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/check"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// durations masks measured times, which differ from run to run.
var durations = regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s)\b`)

// golden compares what a result says, in full, with testdata/NAME.golden. Server addresses
// and measured latencies are masked; advertised times (Retry-After 30s) are not measured and
// stay, because they come from the fixture's fixed headers.
func golden(t *testing.T, name, serverURL string, r check.Result, maskDurations bool) {
	t.Helper()
	got := strings.ReplaceAll(dump(r), serverURL, "http://SERVER")
	if maskDurations {
		got = durations.ReplaceAllString(got, "<t>")
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s (go test -run Golden -update rewrites it):\n--- got\n%s--- want\n%s", name, path, got, want)
	}
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
				Concurrency: 1, Timeout: check.Duration(5 * time.Second), Body: `{"email":"launchgate-probe@example.invalid","password":"x"}`}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, srv.URL, c.Run(ctxTimeout(t, 20*time.Second), testEnv()), false)
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
	}, Rounds: 3, Timeout: check.Duration(5 * time.Second), MaxP95: check.Duration(10 * time.Second)}
	if err := b.Validate(); err != nil {
		t.Fatal(err)
	}
	golden(t, "burst_one_call_failing", srv.URL, b.Run(ctxTimeout(t, 20*time.Second), testEnv()), true)
}
