package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/runner"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func TestStatusesComeFromTheStatusType(t *testing.T) {
	got := statuses()
	var names []string
	for _, s := range got {
		names = append(names, s.String())
	}
	// Every status the type names, in order; a status added there appears here unasked.
	if strings.Join(names, ",") != "pass,skip,waived,warn,blocked,fail,error" {
		t.Errorf("statuses %v", names)
	}
}

// counting is a check that counts its runs and answers what status says.
type counting struct {
	runs   atomic.Int32
	status kind.Status
}

func (c *counting) Run(context.Context, *kind.Env) kind.Result {
	c.runs.Add(1)
	return kind.Result{Status: c.status, Summary: "ran",
		Evidence: []kind.Evidence{{Label: "scan", Observed: "0 findings", Status: c.status}}}
}

func TestThrottle(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	env := kind.DefaultEnv("test")
	env.Now = func() time.Time { return now }
	c := &counting{status: kind.Pass}
	th := Throttle(c, time.Hour)
	first := th.Run(context.Background(), env)
	now = now.Add(59 * time.Minute)
	again := th.Run(context.Background(), env)
	if c.runs.Load() != 1 {
		t.Fatalf("ran %d times within the period", c.runs.Load())
	}
	if len(first.Evidence) != 1 || len(again.Evidence) != 2 ||
		again.Evidence[1].Observed != "at 12:00:00 UTC, reused: serve runs this check at most every 1h (--slow-interval)" {
		t.Errorf("reused result: %+v", again.Evidence)
	}
	now = now.Add(time.Minute)
	th.Run(context.Background(), env)
	if c.runs.Load() != 2 {
		t.Errorf("did not run again after the period: %d runs", c.runs.Load())
	}

	failing := &counting{status: kind.Error}
	th = Throttle(failing, time.Hour)
	th.Run(context.Background(), env)
	th.Run(context.Background(), env)
	if failing.runs.Load() != 2 {
		t.Errorf("an error was kept for the period: %d runs", failing.runs.Load())
	}
}

func TestWaitIsJitteredWithinBounds(t *testing.T) {
	s := New(Options{Interval: time.Minute})
	seen := map[time.Duration]bool{}
	for i := 0; i < 200; i++ {
		w := s.wait()
		if w < 54*time.Second || w > 66*time.Second {
			t.Fatalf("wait %s outside 1m ± 10%%", w)
		}
		seen[w] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct waits: not jittered", len(seen))
	}
	if w := New(Options{Interval: time.Minute, Jitter: -1}).wait(); w != time.Minute {
		t.Errorf("no jitter: %s", w)
	}
}

// reportOf builds a one-check report with the given status, as the CLI would.
func reportOf(id string, st kind.Status, summary string) *report.Report {
	cl := &config.Checklist{Name: "svc", Checks: []*config.Entry{{ID: id, Type: "http.health", Severity: config.Block}}}
	return report.Build(cl, []runner.Result{{Entry: cl.Checks[0], Result: kind.Result{Status: st, Summary: summary, Duration: 1500 * time.Millisecond}}},
		report.Options{StartedAt: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), Duration: 2 * time.Second})
}

// TestServe runs a Server whose runs are driven by the test: the first is held until released,
// so that the answers before any verdict can be seen; then the check starts failing.
func TestServe(t *testing.T) {
	release := make(chan struct{})
	var status atomic.Int32
	status.Store(int32(kind.Pass))
	var runs atomic.Int32
	s := New(Options{Interval: 20 * time.Millisecond, Run: func(ctx context.Context) *report.Report {
		if runs.Add(1) == 1 {
			select {
			case <-release:
			case <-ctx.Done():
			}
		}
		return reportOf("api", kind.Status(status.Load()), `<script>alert("x")</script> down`)
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	expect(t, base+"/healthz", 200, "ok")
	expect(t, base+"/gate", 503, "closed: no run has finished yet")
	expect(t, base+"/report", 503, "no run has finished yet")
	expect(t, base+"/", 200, "The first run has not finished yet")
	if v := metric(t, base, "launchgate_gate_open", nil); v != 0 {
		t.Errorf("gate open before the first run: %v", v)
	}
	close(release)
	poll(t, base+"/gate", 200)
	expect(t, base+"/report", 200, `"verdict": "open"`)

	status.Store(int32(kind.Fail))
	poll(t, base+"/gate", 503)
	expect(t, base+"/healthz", 200, "ok")
	body := expect(t, base+"/", 200, "closed")
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("the page does not escape what checks say:\n%s", body)
	}
	if v := metric(t, base, "launchgate_check_status", map[string]string{"id": "api", "status": "fail", "kind": "http.health", "severity": "block"}); v != 1 {
		t.Errorf("fail series = %v", v)
	}
	if v := metric(t, base, "launchgate_check_status", map[string]string{"id": "api", "status": "pass"}); v != 0 {
		t.Errorf("pass series = %v", v)
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after the context ended")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

func expect(t *testing.T, url string, code int, want string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != code || !strings.Contains(string(b), want) {
		t.Fatalf("GET %s: %d %q, want %d and %q", url, resp.StatusCode, b, code, want)
	}
	return string(b)
}

func poll(t *testing.T, url string, code int) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == code {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("GET %s never answered %d", url, code)
}

// metric reads one series from /metrics, parsed as Prometheus parses it; want selects it by
// labels.
func metric(t *testing.T, base, name string, want map[string]string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := families[name]
	if !ok {
		t.Fatalf("no %s in /metrics", name)
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no %s%v in /metrics", name, want)
	return 0
}

func TestServeReportsAListenerThatFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	s := New(Options{Interval: time.Hour, Run: func(context.Context) *report.Report { return reportOf("a", kind.Pass, "ok") }})
	err = s.Serve(context.Background(), ln)
	if err == nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve on a closed listener: %v", err)
	}
}
