package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
)

func BenchmarkInspect(b *testing.B) {
	h := http.Header{}
	h.Set("RateLimit-Policy", `"burst";q=100;w=60, "daily";q=1000;w=86400;qu="requests"`)
	h.Set("RateLimit", `"burst";r=42;t=30, "daily";r=900;t=3600`)
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "42")
	h.Set("Retry-After", "30")
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if s := inspect(200, h, now); s.Limited {
			b.Fatal("limited")
		}
	}
}

func BenchmarkParseRateLimit(b *testing.B) {
	lines := []string{`"burst";r=42;t=30;pk=:cHJvYmU=:, "daily";r=900;t=3600`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseRateLimit(lines); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRateLimitProbe measures a full probe against a loopback server with no limiter:
// the cost launchgate adds per request sent.
func BenchmarkRateLimitProbe(b *testing.B) {
	for _, conc := range []int{1, 4} {
		b.Run(fmt.Sprintf("30req_concurrency%d", conc), func(b *testing.B) {
			srv, _ := serve(b, noLimiter)
			c := &RateLimit{URL: srv.URL + "/signup", Method: "POST", MaxRequests: 30, Concurrency: conc,
				Timeout: kind.Duration(5 * time.Second), Body: `{"email":"probe@example.invalid","password":"x"}`}
			if err := c.Validate(); err != nil {
				b.Fatal(err)
			}
			env := testEnv()
			b.ReportAllocs()
			for b.Loop() {
				if r := c.Run(context.Background(), env); r.Status != kind.Fail {
					b.Fatal(golden.Result(r))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*30), "ns/request")
		})
	}
}

// BenchmarkBurst measures one round of 8 simultaneous calls, over HTTP/1.1 and HTTP/2.
func BenchmarkBurst(b *testing.B) {
	for _, h2 := range []bool{false, true} {
		name := "http1"
		if h2 {
			name = "http2"
		}
		b.Run(name+"_8calls", func(b *testing.B) {
			var base string
			env := testEnv()
			if h2 {
				srv, _, e := serveTLS(b, noLimiter)
				base, env = srv.URL, e
			} else {
				srv, _ := serve(b, noLimiter)
				base = srv.URL
			}
			var reqs []BurstRequest
			for i := range 8 {
				reqs = append(reqs, BurstRequest{URL: fmt.Sprintf("%s/v1/%d", base, i)})
			}
			bu := &Burst{Requests: reqs, Rounds: 1, Timeout: kind.Duration(5 * time.Second)}
			if err := bu.Validate(); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if r := bu.Run(context.Background(), env); r.Status != kind.Pass {
					b.Fatal(golden.Result(r))
				}
			}
		})
	}
}
