package httpcheck

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
)

// TestLoadSafetyIsCheckedWhenTheChecklistLoads: every ceiling and the timeout are load errors,
// at the line of the parameter to fix, before anything is sent.
func TestLoadSafetyIsCheckedWhenTheChecklistLoads(t *testing.T) {
	const base = "targets: [{url: \"http://127.0.0.1:1/\"}]\n"
	cases := []struct {
		name, with, timeout string
		// line is the line of the with: block (1-based) the error points at; 0 for with: itself,
		// -1 for the check's timeout.
		line int
		want string
	}{
		{"no allow_load", base + "rate: 10/s\nduration: 10s", "1m", 0,
			"allow_load: must be true: this check sends about 100 requests to 127.0.0.1:1; set allow_load: true to confirm"},
		{"allow_load false", "allow_load: false\n" + base + "rate: 10/s\nduration: 10s", "1m", 1,
			"allow_load: must be true"},
		{"rate over the default ceiling", "allow_load: true\n" + base + "rate: 6000/s\nduration: 10s", "1m", 3,
			"rate: 6000/s is over the ceiling of 5000/s: raise it with max_rate (at most 50000/s)"},
		{"max_rate past the hard ceiling", "allow_load: true\n" + base + "rate: 60000/s\nduration: 1s\nmax_rate: 60000/s\nmax_requests: 100000", "1m", 5,
			"max_rate: must be at most 50000/s, got 60000/s"},
		{"requests over the default ceiling", "allow_load: true\n" + base + "rate: 1000/s\nramp: 20s\nduration: 100s", "5m", 5,
			"duration: 1000/s × (ramp 20s/2 + duration 1m40s) is 110000 requests, over the ceiling of 100000: shorten the load, or raise the ceiling with max_requests (at most 1000000)"},
		{"max_requests past the hard ceiling", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nmax_requests: 2000000", "1m", 5,
			"max_requests: must be between 1 and 1000000, got 2000000"},
		{"max_requests lower than the load", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nmax_requests: 50", "1m", 4,
			"is 100 requests, over the ceiling of 50"},
		{"timeout shorter than the load", "allow_load: true\n" + base + "rate: 10/s\nduration: 60s\nwatch: {redis: [\"redis://127.0.0.1:6379\"]}", "1m", -1,
			`timeout 1m is shorter than this check runs (baseline 5s + duration 1m + settle 15s + 10s = 1m30s): set timeout: 1m30s or more on the check`},
		{"request timeout counts when longer than settle", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\ntimeout: 30s", "45s", -1,
			"(duration 10s + request timeout 30s + 10s = 50s)"},
		{"unknown growth key", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nmax_growth: {conections: 3}", "1m", 5,
			`max_growth: unknown key "conections" (did you mean connections?): use connections, redis_memory or the name of a watched metric`},
		{"bad watch DSN", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nwatch:\n  postgres: [\"mysql://db:3306/app\"]", "1m", 5,
			"watch: postgres[0]: a mysql:// URL, not PostgreSQL"},
		{"bad metric name", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nwatch:\n  metrics: [{url: \"http://127.0.0.1:1/metrics\", name: \"memory-bytes\"}]", "1m", 5,
			`watch: metrics[0]: name "memory-bytes" is not a Prometheus metric name`},
		{"body and json", "allow_load: true\ntargets: [{url: \"http://127.0.0.1:1/\", body: x, json: {a: 1}}]\nrate: 10/s\nduration: 10s", "1m", 2,
			"targets: request 1: give body or json, not both"},
		{"rate without unit", "allow_load: true\n" + base + "rate: 200\nduration: 10s", "1m", 3,
			`rate "200" has no unit: write 200/s (per second) or 200/m (per minute)`},
		{"error rate over 100%", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nthresholds: {error_rate: 150%}", "1m", 5,
			`"150%" is more than 100%`},
		{"max_in_flight zero", "allow_load: true\n" + base + "rate: 10/s\nduration: 10s\nmax_in_flight: 0", "1m", 5,
			"max_in_flight: must be between 1 and 10000, got 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("version: 1\nchecks:\n  - id: load\n    type: http.load\n    timeout: " + c.timeout + "\n    with:\n")
			for _, l := range strings.Split(c.with, "\n") {
				b.WriteString("      " + l + "\n")
			}
			_, err := config.Parse("c.yaml", []byte(b.String()), config.Options{Getenv: func(string) string { return "" }})
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("loaded:\n%s", b.String())
			}
			if len(errs) != 1 || !strings.Contains(errs[0].Msg, c.want) {
				t.Fatalf("want one error containing %q, got:\n%v", c.want, err)
			}
			wantLine := 6 // with:
			switch {
			case c.line > 0:
				wantLine = 6 + c.line
			case c.line < 0:
				wantLine = 5 // timeout:
			}
			if errs[0].Line != wantLine {
				t.Errorf("error at line %d, want %d: %v", errs[0].Line, wantLine, errs[0])
			}
		})
	}
}

// TestLoadWithinRaisedCeilingsLoads: max_rate and max_requests raise the ceilings.
func TestLoadWithinRaisedCeilingsLoads(t *testing.T) {
	l := loadFrom(t, "http://127.0.0.1:1", `
allow_load: true
targets: [{url: "${APP}/"}]
rate: 20000/s
duration: 30s
max_rate: 20000/s
max_requests: 600000`)
	if n := l.requests(); n != 600000 {
		t.Errorf("requests %d", n)
	}
	d, why := l.MinTimeout()
	if d != 50*time.Second || why != "duration 30s + request timeout 10s + 10s" {
		t.Errorf("MinTimeout %s (%s): without a watch there is no baseline or settle", d, why)
	}
}

func TestLoadCheckCommandNeedsItsTimeout(t *testing.T) {
	args := []string{"allow_load=true", `targets=[{url: "http://127.0.0.1:1/"}]`, "rate=10/s", "duration=30s"}
	_, err := config.Single("http.load", args, 0, config.Options{})
	if err == nil || !strings.Contains(err.Error(), "timeout 10s is shorter than this check runs (duration 30s + request timeout 10s + 10s = 50s): give --check-timeout 50s or more") {
		t.Errorf("err %v", err)
	}
	if _, err := config.Single("http.load", args, time.Minute, config.Options{}); err != nil {
		t.Errorf("with a minute: %v", err)
	}
}

func TestPlanArrivals(t *testing.T) {
	for _, c := range []struct {
		rate, ramp, full float64
	}{{100, 0, 3}, {100, 2, 3}, {0.5, 10, 10}, {2000, 10, 10}} {
		p := plan{rate: c.rate, ramp: c.ramp, full: c.full, total: int64(math.Floor(c.rate * (c.ramp/2 + c.full)))}
		prev := time.Duration(-1)
		for i := int64(0); i < p.total; i++ {
			at := p.at(i)
			if at < prev || at >= p.length() {
				t.Fatalf("%+v: arrival %d at %s after %s (length %s)", c, i, at, prev, p.length())
			}
			prev = at
		}
		// In the last second of the full-rate phase, rate arrivals; in the ramp's first half,
		// a quarter of the ramp's.
		last := 0
		for i := int64(0); i < p.total; i++ {
			if p.at(i) >= p.length()-time.Second {
				last++
			}
		}
		if c.rate >= 1 && math.Abs(float64(last)-c.rate) > 1 {
			t.Errorf("%+v: %d arrivals in the last second, want %g", c, last, c.rate)
		}
	}
}

func TestWeightedOrder(t *testing.T) {
	got := weightedOrder([]LoadTarget{{Weight: 1}, {Weight: 2}, {Weight: 3}})
	counts := map[int]int{}
	for _, i := range got {
		counts[i]++
	}
	if len(got) != 6 || counts[0] != 1 || counts[1] != 2 || counts[2] != 3 {
		t.Errorf("order %v", got)
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] && got[i] != 2 {
			t.Errorf("order %v sends a light target twice in a row", got)
		}
	}
}
