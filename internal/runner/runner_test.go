package runner_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/runner"
)

// funcCheck is a check whose behaviour the test writes inline.
type funcCheck func(ctx context.Context) kind.Result

func (f funcCheck) Run(ctx context.Context, _ *kind.Env) kind.Result { return f(ctx) }

func sleeper(d time.Duration, st kind.Status) funcCheck {
	return func(ctx context.Context) kind.Result {
		select {
		case <-time.After(d):
			return kind.Result{Status: st, Summary: "slept " + d.String()}
		case <-ctx.Done():
			return kind.Result{Status: kind.Error, Summary: "cancelled: " + ctx.Err().Error()}
		}
	}
}

func job(id string, c kind.Check, timeout time.Duration) runner.Job {
	return runner.Job{Entry: &config.Entry{ID: id, Type: "test." + id, Severity: config.Block, Timeout: timeout, Check: c}}
}

func TestResultsInChecklistOrder(t *testing.T) {
	var jobs []runner.Job
	for i := 0; i < 10; i++ {
		// Later checks finish first.
		jobs = append(jobs, job(string(rune('a'+i)), sleeper(time.Duration(10-i)*20*time.Millisecond, kind.Pass), time.Second))
	}
	res := runner.Run(context.Background(), jobs, runner.Options{}).Results
	for i, r := range res {
		want := "slept " + (time.Duration(10-i) * 20 * time.Millisecond).String()
		if r.Status != kind.Pass || r.Summary != want {
			t.Errorf("result %d = %s %q, want pass %q", i, r.Status, r.Summary, want)
		}
		if r.Duration <= 0 {
			t.Errorf("result %d has no duration", i)
		}
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	var cur, peak atomic.Int32
	c := funcCheck(func(ctx context.Context) kind.Result {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		cur.Add(-1)
		return kind.Result{Status: kind.Pass, Summary: "ok"}
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
	boom := funcCheck(func(context.Context) kind.Result { panic("index out of range") })
	res := runner.Run(context.Background(), []runner.Job{
		job("boom", boom, time.Second), job("fine", sleeper(0, kind.Pass), time.Second),
	}, runner.Options{}).Results
	if res[0].Status != kind.Error || !strings.Contains(res[0].Summary, "the test.boom check crashed: index out of range") {
		t.Errorf("panic result: %s %q", res[0].Status, res[0].Summary)
	}
	if len(res[0].Evidence) == 0 || !strings.Contains(res[0].Evidence[0].Observed, "panic(") {
		t.Errorf("panic evidence has no stack: %+v", res[0].Evidence)
	}
	if res[1].Status != kind.Pass {
		t.Errorf("a panic in one check affected another: %+v", res[1])
	}
}

func TestFailFast(t *testing.T) {
	fail := funcCheck(func(context.Context) kind.Result { return kind.Result{Status: kind.Fail, Summary: "bad"} })
	jobs := []runner.Job{job("first", fail, time.Second)}
	for i := 0; i < 5; i++ {
		jobs = append(jobs, job("later", sleeper(50*time.Millisecond, kind.Pass), time.Second))
	}
	res := runner.Run(context.Background(), jobs, runner.Options{Concurrency: 1, FailFast: true}).Results
	if res[0].Status != kind.Fail {
		t.Fatalf("first: %+v", res[0])
	}
	for i, r := range res[1:] {
		if r.Status != kind.Skip || !strings.Contains(r.Summary, `--fail-fast stopped the gate after "first" fail`) {
			t.Errorf("result %d: %s %q", i+1, r.Status, r.Summary)
		}
	}
}

func TestOverallTimeout(t *testing.T) {
	jobs := []runner.Job{
		job("slow", sleeper(10*time.Second, kind.Pass), 10*time.Second),
		job("queued", sleeper(0, kind.Pass), time.Second),
	}
	res := runner.Run(context.Background(), jobs, runner.Options{Concurrency: 1, Timeout: 150 * time.Millisecond}).Results
	if res[0].Status != kind.Error || !strings.Contains(res[0].Summary, "overall --timeout of 150ms") {
		t.Errorf("running check: %s %q", res[0].Status, res[0].Summary)
	}
	if res[1].Status != kind.Error || !strings.Contains(res[1].Summary, "not started: the overall --timeout of 150ms passed first") {
		t.Errorf("queued check: %s %q", res[1].Status, res[1].Summary)
	}
}

func TestSkips(t *testing.T) {
	never := funcCheck(func(context.Context) kind.Result { t.Error("a skipped check ran"); return kind.Result{} })
	missing := job("db", never, time.Second)
	missing.Entry.Missing = []string{"DATABASE_URL"}
	filtered := job("tls", never, time.Second)
	filtered.SkipReason = "not selected by --only db"
	res := runner.Run(context.Background(), []runner.Job{missing, filtered}, runner.Options{}).Results
	if res[0].Status != kind.Skip || res[0].Summary != "not configured: set DATABASE_URL to run this check" {
		t.Errorf("missing env: %+v", res[0])
	}
	if res[1].Status != kind.Skip || res[1].Summary != "not selected by --only db" {
		t.Errorf("filtered: %+v", res[1])
	}
}

func TestFixedClockGivesZeroDurations(t *testing.T) {
	fixed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	env := kind.DefaultEnv("test")
	env.Now = func() time.Time { return fixed }
	res := runner.Run(context.Background(), []runner.Job{job("a", sleeper(10*time.Millisecond, kind.Pass), time.Second)},
		runner.Options{Env: env}).Results
	if res[0].Duration != 0 {
		t.Errorf("duration %s under a fixed clock", res[0].Duration)
	}
}

// BenchmarkRunner200x100ms runs 200 checks that each take 100ms with the default concurrency;
// the wall time per run is the figure to watch (the floor: well under 0.5s).
func BenchmarkRunner200x100ms(b *testing.B) {
	var jobs []runner.Job
	for i := 0; i < 200; i++ {
		jobs = append(jobs, job("c", sleeper(100*time.Millisecond, kind.Pass), 5*time.Second))
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := runner.Run(context.Background(), jobs, runner.Options{}).Results
		if res[199].Status != kind.Pass {
			b.Fatal(res[199])
		}
	}
}

// A result the gate cannot read (no status, a status it does not know, no summary) says
// nothing about the target: it must close the gate as an error, never count as a pass or a skip.
func TestUnreadableResultsAreErrors(t *testing.T) {
	tests := []struct {
		name string
		res  kind.Result
		want string
	}{
		{"zero result", kind.Result{}, "the test.c check returned an empty result"},
		{"skip without a reason", kind.Result{Status: kind.Skip, Evidence: []kind.Evidence{{Label: "x"}}}, "the test.c check returned skip without a summary"},
		{"pass without a summary", kind.Result{Status: kind.Pass, Evidence: []kind.Evidence{{Label: "x"}}}, "the test.c check returned pass without a summary"},
		{"waived by a check", kind.Result{Status: kind.Waived, Summary: "fine"}, "the test.c check returned the status waived, which only the gate gives"},
		{"blocked by a check", kind.Result{Status: kind.Blocked, Summary: "fine"}, "the test.c check returned the status blocked, which only the gate gives"},
		{"blank summary", kind.Result{Status: kind.Warn, Summary: " \n"}, "the test.c check returned warn without a summary"},
		{"unknown status", kind.Result{Status: kind.Status(9), Summary: "fine"}, "the test.c check returned an unknown status (9)"},
		{"negative status", kind.Result{Status: kind.Status(-1), Summary: "fine"}, "the test.c check returned an unknown status (-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := funcCheck(func(context.Context) kind.Result { return tt.res })
			out := runner.Run(context.Background(), []runner.Job{job("c", c, time.Second)}, runner.Options{})
			r := out.Results[0]
			if r.Status != kind.Error || r.Summary != tt.want || !strings.Contains(r.Remedy, "bug in launchgate") {
				t.Errorf("got %s %q (remedy %q), want error %q", r.Status, r.Summary, r.Remedy, tt.want)
			}
			if len(r.Evidence) != len(tt.res.Evidence) {
				t.Errorf("evidence dropped: %+v", r.Evidence)
			}
			if out.Checked != 0 {
				t.Errorf("Checked = %d for a result nobody can read", out.Checked)
			}
		})
	}
}

// A check that ends its goroutine without returning (runtime.Goexit, as t.FailNow does) is an
// error at once, not a wait for its deadline.
func TestCheckThatNeverReturnsIsAnErrorAtOnce(t *testing.T) {
	c := funcCheck(func(context.Context) kind.Result { runtime.Goexit(); return kind.Result{} })
	start := time.Now()
	out := runner.Run(context.Background(), []runner.Job{job("c", c, 30*time.Second)}, runner.Options{})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("waited %s for a check that had already stopped", took)
	}
	if r := out.Results[0]; r.Status != kind.Error || r.Summary != "the test.c check stopped without returning a result" {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
}

// The hard stop: a check that ignores its context is abandoned after its deadline plus the
// grace, not before its deadline and not much after.
func TestHardStopIsTheDeadlinePlusGrace(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stubborn := funcCheck(func(context.Context) kind.Result {
		<-release // ignores ctx on purpose
		return kind.Result{Status: kind.Pass, Summary: "late"}
	})
	const timeout, grace = 300 * time.Millisecond, 200 * time.Millisecond
	start := time.Now()
	out := runner.Run(context.Background(), []runner.Job{job("stubborn", stubborn, timeout)}, runner.Options{Grace: grace})
	took := time.Since(start)
	if took < timeout+grace || took > timeout+grace+time.Second {
		t.Errorf("abandoned after %s, want %s (timeout plus grace)", took, timeout+grace)
	}
	if r := out.Results[0]; r.Status != kind.Error || !strings.Contains(r.Summary, "no result within the 300ms timeout") {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
}

// Cancelling the run (a signal) stops every running check through its context, waits at most
// the grace for those that ignore it, reports them as interrupted with what they had measured,
// and starts nothing more.
func TestCancelledRunReportsInterruptedChecks(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var started sync.WaitGroup
	started.Add(2)
	release := make(chan struct{})
	defer close(release)
	loadTest := funcCheck(func(ctx context.Context) kind.Result {
		started.Done()
		<-ctx.Done()
		return kind.Result{Status: kind.Error, Summary: "sent 12 requests: " + ctx.Err().Error(),
			Evidence: []kind.Evidence{{Label: "p95", Observed: "31ms", Status: kind.Pass}}}
	})
	stubborn := funcCheck(func(context.Context) kind.Result {
		started.Done()
		<-release // ignores ctx on purpose
		return kind.Result{Status: kind.Pass, Summary: "late"}
	})
	never := funcCheck(func(context.Context) kind.Result { t.Error("a check started after the cancel"); return kind.Result{} })
	jobs := []runner.Job{job("load", loadTest, 20*time.Second), job("stubborn", stubborn, 20*time.Second), job("queued", never, 20*time.Second)}
	go func() { started.Wait(); cancel() }()
	start := time.Now()
	out := runner.Run(ctx, jobs, runner.Options{Concurrency: 2, Grace: 200 * time.Millisecond})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the run took %s to stop after the cancel", took)
	}
	load := out.Results[0]
	if load.Status != kind.Error || load.Summary != "interrupted" {
		t.Errorf("running check: %s %q, want error \"interrupted\"", load.Status, load.Summary)
	}
	var labels []string
	for _, ev := range load.Evidence {
		labels = append(labels, ev.Label+"="+ev.Observed)
	}
	if got := strings.Join(labels, "; "); got != "p95=31ms; when interrupted=sent 12 requests: context canceled" {
		t.Errorf("what the check measured is lost: %s", got)
	}
	if r := out.Results[1]; r.Status != kind.Error || r.Summary != "interrupted" {
		t.Errorf("check ignoring its context: %s %q", r.Status, r.Summary)
	}
	if r := out.Results[2]; r.Status != kind.Skip || r.Summary != "not started: interrupted" {
		t.Errorf("queued check: %s %q", r.Status, r.Summary)
	}
	if !out.Interrupted || out.Checked != 0 {
		t.Errorf("Interrupted %v, Checked %d", out.Interrupted, out.Checked)
	}
}

// Checked counts what looked at a target: pass, warn and fail. Skips (filtered, not configured)
// and errors (could not decide) looked at nothing.
func TestCheckedCountsOnlyVerdicts(t *testing.T) {
	ret := func(st kind.Status) funcCheck {
		return func(context.Context) kind.Result { return kind.Result{Status: st, Summary: st.String()} }
	}
	filtered := job("f", ret(kind.Pass), time.Second)
	filtered.SkipReason = "not selected by --only x"
	unset := job("u", ret(kind.Pass), time.Second)
	unset.Entry.Missing = []string{"API_URL"}
	for _, tt := range []struct {
		jobs []runner.Job
		want int
	}{
		{[]runner.Job{filtered, unset, job("s", ret(kind.Skip), time.Second), job("e", ret(kind.Error), time.Second)}, 0},
		{[]runner.Job{filtered, job("p", ret(kind.Pass), time.Second), job("w", ret(kind.Warn), time.Second), job("x", ret(kind.Fail), time.Second)}, 3},
	} {
		if out := runner.Run(context.Background(), tt.jobs, runner.Options{}); out.Checked != tt.want || out.Interrupted {
			t.Errorf("Checked %d (interrupted %v), want %d", out.Checked, out.Interrupted, tt.want)
		}
	}
}

func TestFailOnMissingEnv(t *testing.T) {
	never := funcCheck(func(context.Context) kind.Result { t.Error("a check with unset variables ran"); return kind.Result{} })
	missing := job("db", never, time.Second)
	missing.Entry.Missing = []string{"DATABASE_URL", "DATABASE_REPLICA_URLS"}
	filtered := job("tls", never, time.Second)
	filtered.Entry.Missing = []string{"API_URL"}
	filtered.SkipReason = "not selected by --only db"
	out := runner.Run(context.Background(), []runner.Job{missing, filtered}, runner.Options{FailOnMissingEnv: true})
	if r := out.Results[0]; r.Status != kind.Error || r.Summary != "not configured: DATABASE_URL, DATABASE_REPLICA_URLS unset and --fail-on-skip given" {
		t.Errorf("missing env: %s %q", r.Status, r.Summary)
	}
	if r := out.Results[1]; r.Status != kind.Skip {
		t.Errorf("a check filtered out must stay skipped: %+v", r)
	}
}

// A check whose need failed is blocked, one whose need was skipped is skipped, and the chain
// propagates; independent checks and checks whose needs passed run.
func TestNeeds(t *testing.T) {
	ret := func(st kind.Status) funcCheck {
		return func(context.Context) kind.Result { return kind.Result{Status: st, Summary: st.String()} }
	}
	never := funcCheck(func(context.Context) kind.Result { t.Error("a blocked check ran"); return kind.Result{} })
	db := job("db", ret(kind.Fail), time.Second)
	api := job("api", never, time.Second)
	api.Entry.Needs = []string{"db"}
	flow := job("flow", never, time.Second)
	flow.Entry.Needs = []string{"api"}
	cache := job("cache", ret(kind.Pass), time.Second)
	sessions := job("sessions", ret(kind.Pass), time.Second)
	sessions.Entry.Needs = []string{"cache"}
	off := job("off", never, time.Second)
	off.SkipReason = "not selected by --only x"
	after := job("after", never, time.Second)
	after.Entry.Needs = []string{"off"}
	warnOnly := job("soft", ret(kind.Fail), time.Second)
	warnOnly.Entry.Severity = config.WarnOnly
	free := job("free", ret(kind.Pass), time.Second)
	free.Entry.Needs = []string{"soft"}
	// Needs listed before the check they need, and concurrency 1: nothing may deadlock.
	jobs := []runner.Job{flow, api, db, sessions, cache, after, off, free, warnOnly}
	res := runner.Run(context.Background(), jobs, runner.Options{Concurrency: 1}).Results
	want := map[string]struct {
		status  kind.Status
		summary string
	}{
		"flow":     {kind.Blocked, "not run: api was blocked"},
		"api":      {kind.Blocked, "not run: db failed"},
		"sessions": {kind.Pass, ""},
		"after":    {kind.Skip, "not run: off was skipped"},
		"free":     {kind.Pass, ""},
	}
	for _, r := range res {
		w, ok := want[r.Entry.ID]
		if ok && (r.Status != w.status || (w.summary != "" && r.Summary != w.summary)) {
			t.Errorf("%s: %s %q, want %s %q", r.Entry.ID, r.Status, r.Summary, w.status, w.summary)
		}
	}
}
