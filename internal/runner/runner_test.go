package runner_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/checklist"
	"github.com/launchgate/launchgate/internal/runner"
)

// funcCheck is a check whose behaviour the test writes inline.
type funcCheck func(ctx context.Context) check.Result

func (f funcCheck) Run(ctx context.Context, _ *check.Env) check.Result { return f(ctx) }

func sleeper(d time.Duration, st check.Status) funcCheck {
	return func(ctx context.Context) check.Result {
		select {
		case <-time.After(d):
			return check.Result{Status: st, Summary: "slept " + d.String()}
		case <-ctx.Done():
			return check.Result{Status: check.Error, Summary: "cancelled: " + ctx.Err().Error()}
		}
	}
}

func job(id string, c check.Check, timeout time.Duration) runner.Job {
	return runner.Job{Entry: &checklist.Entry{ID: id, Type: "test." + id, Severity: checklist.Block, Timeout: timeout, Check: c}}
}

func TestResultsInChecklistOrder(t *testing.T) {
	var jobs []runner.Job
	for i := 0; i < 10; i++ {
		// Later checks finish first.
		jobs = append(jobs, job(string(rune('a'+i)), sleeper(time.Duration(10-i)*20*time.Millisecond, check.Pass), time.Second))
	}
	res := runner.Run(context.Background(), jobs, runner.Options{})
	for i, r := range res {
		want := "slept " + (time.Duration(10-i) * 20 * time.Millisecond).String()
		if r.Status != check.Pass || r.Summary != want {
			t.Errorf("result %d = %s %q, want pass %q", i, r.Status, r.Summary, want)
		}
		if r.Duration <= 0 {
			t.Errorf("result %d has no duration", i)
		}
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	var cur, peak atomic.Int32
	c := funcCheck(func(ctx context.Context) check.Result {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		return check.Result{Status: check.Pass, Summary: "ok"}
	})
	var jobs []runner.Job
	for i := 0; i < 20; i++ {
		jobs = append(jobs, job("c", c, time.Second))
	}
	runner.Run(context.Background(), jobs, runner.Options{Concurrency: 3})
	if p := peak.Load(); p > 3 || p < 2 {
		t.Errorf("peak concurrency %d, want at most 3 (and some parallelism)", p)
	}
}

func TestPanicBecomesError(t *testing.T) {
	boom := funcCheck(func(context.Context) check.Result { panic("index out of range") })
	res := runner.Run(context.Background(), []runner.Job{
		job("boom", boom, time.Second), job("fine", sleeper(0, check.Pass), time.Second),
	}, runner.Options{})
	if res[0].Status != check.Error || !strings.Contains(res[0].Summary, "the test.boom check crashed: index out of range") {
		t.Errorf("panic result: %s %q", res[0].Status, res[0].Summary)
	}
	if len(res[0].Evidence) == 0 || !strings.Contains(res[0].Evidence[0].Observed, "panic(") {
		t.Errorf("panic evidence has no stack: %+v", res[0].Evidence)
	}
	if res[1].Status != check.Pass {
		t.Errorf("a panic in one check affected another: %+v", res[1])
	}
}

func TestCheckIgnoringItsDeadlineIsAbandoned(t *testing.T) {
	stubborn := funcCheck(func(context.Context) check.Result {
		time.Sleep(5 * time.Second) // ignores ctx on purpose
		return check.Result{Status: check.Pass}
	})
	start := time.Now()
	res := runner.Run(context.Background(), []runner.Job{job("stubborn", stubborn, 100*time.Millisecond)},
		runner.Options{Grace: 100 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the runner waited %s for a check with a 100ms timeout", took)
	}
	if res[0].Status != check.Error || !strings.Contains(res[0].Summary, "no result within the 100ms timeout") {
		t.Errorf("got %s %q", res[0].Status, res[0].Summary)
	}
}

func TestFailFast(t *testing.T) {
	fail := funcCheck(func(context.Context) check.Result { return check.Result{Status: check.Fail, Summary: "bad"} })
	jobs := []runner.Job{job("first", fail, time.Second)}
	for i := 0; i < 5; i++ {
		jobs = append(jobs, job("later", sleeper(50*time.Millisecond, check.Pass), time.Second))
	}
	res := runner.Run(context.Background(), jobs, runner.Options{Concurrency: 1, FailFast: true})
	if res[0].Status != check.Fail {
		t.Fatalf("first: %+v", res[0])
	}
	for i, r := range res[1:] {
		if r.Status != check.Skip || !strings.Contains(r.Summary, `--fail-fast stopped the gate after "first" fail`) {
			t.Errorf("result %d: %s %q", i+1, r.Status, r.Summary)
		}
	}
}

func TestOverallTimeout(t *testing.T) {
	jobs := []runner.Job{
		job("slow", sleeper(10*time.Second, check.Pass), 10*time.Second),
		job("queued", sleeper(0, check.Pass), time.Second),
	}
	res := runner.Run(context.Background(), jobs, runner.Options{Concurrency: 1, Timeout: 150 * time.Millisecond})
	if res[0].Status != check.Error || !strings.Contains(res[0].Summary, "overall --timeout of 150ms") {
		t.Errorf("running check: %s %q", res[0].Status, res[0].Summary)
	}
	if res[1].Status != check.Error || !strings.Contains(res[1].Summary, "not started: the overall --timeout of 150ms passed first") {
		t.Errorf("queued check: %s %q", res[1].Status, res[1].Summary)
	}
}

func TestSkips(t *testing.T) {
	never := funcCheck(func(context.Context) check.Result { t.Error("a skipped check ran"); return check.Result{} })
	missing := job("db", never, time.Second)
	missing.Entry.Missing = []string{"DATABASE_URL"}
	filtered := job("tls", never, time.Second)
	filtered.SkipReason = "not selected by --only db"
	res := runner.Run(context.Background(), []runner.Job{missing, filtered}, runner.Options{})
	if res[0].Status != check.Skip || res[0].Summary != "not configured: set DATABASE_URL to run this check" {
		t.Errorf("missing env: %+v", res[0])
	}
	if res[1].Status != check.Skip || res[1].Summary != "not selected by --only db" {
		t.Errorf("filtered: %+v", res[1])
	}
}

func TestFixedClockGivesZeroDurations(t *testing.T) {
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env := check.DefaultEnv("test")
	env.Now = func() time.Time { return fixed }
	res := runner.Run(context.Background(), []runner.Job{job("a", sleeper(10*time.Millisecond, check.Pass), time.Second)},
		runner.Options{Env: env})
	if res[0].Duration != 0 {
		t.Errorf("duration %s under a fixed clock", res[0].Duration)
	}
}

// BenchmarkRunner200x100ms runs 200 checks that each take 100ms with the default concurrency;
// the wall time per run is the figure to watch (the floor: well under 0.5s).
func BenchmarkRunner200x100ms(b *testing.B) {
	var jobs []runner.Job
	for i := 0; i < 200; i++ {
		jobs = append(jobs, job("c", sleeper(100*time.Millisecond, check.Pass), 5*time.Second))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := runner.Run(context.Background(), jobs, runner.Options{})
		if res[199].Status != check.Pass {
			b.Fatal(res[199])
		}
	}
}
