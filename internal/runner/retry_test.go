package runner_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/launchgate/launchgate/checks/httpcheck"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/runner"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// healthJob loads one http.health check of url with the loader, retry: as given (none when "").
func healthJob(t *testing.T, url, retry string) runner.Job {
	t.Helper()
	doc := fmt.Sprintf("version: 1\nchecks:\n  - id: api\n    type: http.health\n    timeout: 10s\n    with: {url: %q}\n", url)
	if retry != "" {
		doc += "    retry: " + retry + "\n"
	}
	cl, err := config.Parse("retry.yaml", []byte(doc), config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	return runner.Job{Entry: cl.Checks[0]}
}

func evidence(r runner.Result) string {
	var lines []string
	for _, ev := range r.Evidence {
		lines = append(lines, fmt.Sprintf("%s %s: %s", ev.Status, ev.Label, ev.Observed))
	}
	return strings.Join(lines, "\n")
}

// A deploy that becomes ready on its 4th request passes on attempt 4, and the result keeps a
// line saying what the attempt before found.
func TestRetryPassesWhenTheTargetBecomesReady(t *testing.T) {
	d := testsvc.NewDeploying(t, 4)
	out := runner.Run(context.Background(), []runner.Job{healthJob(t, d.URL, "{within: 30s, every: 10ms}")}, runner.Options{})
	r := out.Results[0]
	if r.Status != kind.Pass || r.Attempts.Count != 4 || d.Requests.Load() != 4 {
		t.Fatalf("%s after %d attempts and %d requests, want a pass on attempt 4: %s", r.Status, r.Attempts.Count, d.Requests.Load(), r.Summary)
	}
	if !strings.Contains(r.Summary, " (passed on attempt 4 after ") {
		t.Errorf("summary does not say how it passed: %q", r.Summary)
	}
	if ev := evidence(r); !strings.Contains(ev, "fail attempt 3: status 503 Service Unavailable") {
		t.Errorf("the failure before the pass is not kept:\n%s", ev)
	}
	if r.Attempts.Retry != (config.Retry{Within: 30 * time.Second, Every: 10 * time.Millisecond}) || r.Attempts.Elapsed < r.Duration {
		t.Errorf("attempts %+v (last attempt %s)", r.Attempts, r.Duration)
	}
	if out.Checked != 1 {
		t.Errorf("Checked = %d", out.Checked)
	}
}

// A deploy that never becomes ready fails once the window has closed, saying how many attempts
// it made, with the evidence of the last one.
func TestRetryFailsWithTheLastEvidence(t *testing.T) {
	d := testsvc.NewDeploying(t, 0)
	r := runner.Run(context.Background(), []runner.Job{healthJob(t, d.URL, "{within: 300ms, every: 10ms}")}, runner.Options{}).Results[0]
	n := d.Requests.Load()
	if r.Status != kind.Fail || int32(r.Attempts.Count) != n || n < 2 {
		t.Fatalf("%s after %d attempts and %d requests, want a fail after several: %s", r.Status, r.Attempts.Count, n, r.Summary)
	}
	if want := fmt.Sprintf(" (failed on all %d attempts over ", n); !strings.Contains(r.Summary, want) {
		t.Errorf("summary %q does not say %q", r.Summary, want)
	}
	if ev := evidence(r); !strings.Contains(ev, fmt.Sprintf("pods starting (request %d)", n)) || strings.Contains(ev, fmt.Sprintf("(request %d)", n-1)) {
		t.Errorf("the evidence is not the last attempt's (request %d):\n%s", n, ev)
	}
}

// counting is a check that returns the statuses given, one per run, the last one from then on.
type counting struct {
	statuses []kind.Status
	runs     atomic.Int32
	effects  kind.Effects
}

func (c *counting) Run(context.Context, *kind.Env) kind.Result {
	n := int(c.runs.Add(1))
	st := c.statuses[min(n, len(c.statuses))-1]
	return kind.Result{Status: st, Summary: fmt.Sprintf("%s on run %d", st, n)}
}

func (c *counting) Effects() kind.Effects { return c.effects }

func countingJob(id string, c *counting, retry *config.Retry) runner.Job {
	j := job(id, c, 10*time.Second)
	j.Entry.Retry = retry
	return j
}

var quickRetry = &config.Retry{Within: 30 * time.Second, Every: 10 * time.Millisecond}

// Only a failure or an error is run again: a warning, a skip and a pass stand at once, and a
// check that errors is retried like one that fails.
func TestOnlyFailuresAndErrorsAreRetried(t *testing.T) {
	tests := []struct {
		statuses []kind.Status
		runs     int32
		want     kind.Status
	}{
		{[]kind.Status{kind.Warn, kind.Pass}, 1, kind.Warn},
		{[]kind.Status{kind.Skip, kind.Pass}, 1, kind.Skip},
		{[]kind.Status{kind.Pass, kind.Fail}, 1, kind.Pass},
		{[]kind.Status{kind.Error, kind.Fail, kind.Warn}, 3, kind.Warn},
	}
	for _, tt := range tests {
		t.Run(tt.statuses[0].String(), func(t *testing.T) {
			c := &counting{statuses: tt.statuses}
			r := runner.Run(context.Background(), []runner.Job{countingJob("c", c, quickRetry)}, runner.Options{}).Results[0]
			if r.Status != tt.want || c.runs.Load() != tt.runs || r.Attempts.Count != int(tt.runs) {
				t.Errorf("%s after %d runs (%d attempts), want %s after %d: %s", r.Status, c.runs.Load(), r.Attempts.Count, tt.want, tt.runs, r.Summary)
			}
		})
	}
}

// --wait retries the checks that only read. One that sends traffic or writes is run once, and
// says why it was not retried, unless its own retry: asks for more.
func TestWaitLeavesChecksWithEffectsAlone(t *testing.T) {
	flaky := []kind.Status{kind.Fail, kind.Fail, kind.Pass}
	reads := &counting{statuses: flaky}
	sends := &counting{statuses: flaky, effects: kind.Effects{SendsTraffic: true}}
	writes := &counting{statuses: flaky, effects: kind.Effects{SendsTraffic: true, Writes: true}}
	asks := &counting{statuses: flaky, effects: kind.Effects{Writes: true}}
	jobs := []runner.Job{countingJob("reads", reads, nil), countingJob("sends", sends, nil),
		countingJob("writes", writes, nil), countingJob("asks", asks, quickRetry)}
	// --wait 2s pauses 500ms between attempts (a quarter of a window shorter than 20s): long
	// enough a window for three attempts on a busy machine, short enough a test.
	res := runner.Run(context.Background(), jobs, runner.Options{Wait: 2 * time.Second}).Results
	want := []struct {
		status  kind.Status
		runs    int32
		summary string
	}{
		{kind.Pass, 3, "pass on run 3 (passed on attempt 3 after "},
		{kind.Fail, 1, "fail on run 1 (not retried under --wait: it sends traffic)"},
		{kind.Fail, 1, "fail on run 1 (not retried under --wait: it sends traffic and writes to its target)"},
		{kind.Pass, 3, "pass on run 3 (passed on attempt 3 after "},
	}
	for i, c := range []*counting{reads, sends, writes, asks} {
		r := res[i]
		if r.Status != want[i].status || c.runs.Load() != want[i].runs || !strings.HasPrefix(r.Summary, want[i].summary) {
			t.Errorf("%s: %s after %d runs %q, want %s after %d %q", r.Entry.ID, r.Status, c.runs.Load(), r.Summary,
				want[i].status, want[i].runs, want[i].summary)
		}
	}
	if a := res[0].Attempts; a.Retry.Within != 2*time.Second || a.Retry.Every != 500*time.Millisecond {
		t.Errorf("--wait 2s retries every %s within %s, want every 500ms", a.Retry.Every, a.Retry.Within)
	}
	if a := res[3].Attempts; a.Retry != *quickRetry {
		t.Errorf("a check's own retry: gave way to --wait: %+v", a.Retry)
	}
}

// A retry window extends a check's time budget: each attempt keeps the check's timeout, and the
// check may go on past it, until its window closes.
func TestRetryRunsPastTheCheckTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	var first time.Time
	var runs atomic.Int32
	c := funcCheck(func(ctx context.Context) kind.Result {
		if runs.Add(1) == 1 {
			first = time.Now()
		}
		if time.Since(first) < 2*timeout {
			return kind.Result{Status: kind.Fail, Summary: "not ready yet"}
		}
		return kind.Result{Status: kind.Pass, Summary: "ready"}
	})
	j := job("slow-deploy", c, timeout)
	j.Entry.Retry = &config.Retry{Within: 30 * time.Second, Every: 10 * time.Millisecond}
	r := runner.Run(context.Background(), []runner.Job{j}, runner.Options{Grace: 50 * time.Millisecond}).Results[0]
	if r.Status != kind.Pass || r.Attempts.Count < 2 || r.Attempts.Elapsed < 2*timeout {
		t.Errorf("%s after %d attempts over %s, want a pass past the %s timeout: %s", r.Status, r.Attempts.Count, r.Attempts.Elapsed, timeout, r.Summary)
	}
}

// The overall --timeout ends a retry loop, even in the middle of a long pause.
func TestOverallTimeoutEndsRetries(t *testing.T) {
	c := &counting{statuses: []kind.Status{kind.Fail}}
	j := countingJob("c", c, &config.Retry{Within: 2 * time.Hour, Every: time.Hour})
	out := runner.Run(context.Background(), []runner.Job{j}, runner.Options{Timeout: 300 * time.Millisecond})
	r := out.Results[0]
	if r.Status != kind.Fail || r.Attempts.Count != 1 || !strings.HasPrefix(r.Summary, "fail on run 1 (failed on 1 attempt over ") ||
		!strings.HasSuffix(r.Summary, "; the overall --timeout of 300ms ended the retries)") {
		t.Errorf("%s after %d attempts: %q", r.Status, r.Attempts.Count, r.Summary)
	}
	if out.Interrupted {
		t.Error("a timeout reported as an interrupt")
	}
}

// An interrupt ends the pause between two attempts at once: the check reports it was
// interrupted, keeping what its last attempt found.
func TestInterruptBetweenAttempts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	c := funcCheck(func(context.Context) kind.Result {
		defer once.Do(func() { go cancel() })
		return kind.Result{Status: kind.Fail, Summary: "pods starting",
			Evidence: []kind.Evidence{{Label: "ready", Observed: "1 of 4", Status: kind.Fail}}}
	})
	j := job("c", c, 10*time.Second)
	j.Entry.Retry = &config.Retry{Within: 2 * time.Hour, Every: time.Hour}
	out := runner.Run(ctx, []runner.Job{j}, runner.Options{})
	r := out.Results[0]
	if r.Status != kind.Error || !strings.HasPrefix(r.Summary, "interrupted (after 1 attempt over ") || !out.Interrupted {
		t.Errorf("%s %q (interrupted %v)", r.Status, r.Summary, out.Interrupted)
	}
	if ev := evidence(r); !strings.Contains(ev, "fail ready: 1 of 4") || !strings.Contains(ev, "when interrupted: pods starting") {
		t.Errorf("what the last attempt found is lost:\n%s", ev)
	}
}

// --fail-fast ends the retries of a check waiting for its next attempt; the check reports its
// last verdict, not a skip.
func TestFailFastEndsRetries(t *testing.T) {
	tried := make(chan struct{})
	var once sync.Once
	waiting := funcCheck(func(context.Context) kind.Result {
		once.Do(func() { close(tried) })
		return kind.Result{Status: kind.Fail, Summary: "not ready"}
	})
	breaker := funcCheck(func(context.Context) kind.Result {
		<-tried
		return kind.Result{Status: kind.Fail, Summary: "broken"}
	})
	w := job("waiting", waiting, 10*time.Second)
	w.Entry.Retry = &config.Retry{Within: 2 * time.Hour, Every: time.Hour}
	res := runner.Run(context.Background(), []runner.Job{w, job("breaker", breaker, 10*time.Second)},
		runner.Options{FailFast: true, Concurrency: 2}).Results
	if r := res[0]; r.Status != kind.Fail || !strings.HasSuffix(r.Summary, "; --fail-fast ended the retries)") {
		t.Errorf("retrying check: %s %q", r.Status, r.Summary)
	}
}

// A check that needs one that failed under a waiver still runs: the gate accepted that risk.
func TestWaivedNeedLetsDependentsRun(t *testing.T) {
	ret := func(st kind.Status) funcCheck {
		return func(context.Context) kind.Result { return kind.Result{Status: st, Summary: st.String()} }
	}
	never := funcCheck(func(context.Context) kind.Result { t.Error("a blocked check ran"); return kind.Result{} })
	db := job("db", ret(kind.Fail), time.Second)
	db.Waived = true
	cache := job("cache", ret(kind.Error), time.Second)
	cache.Waived = true
	queue := job("queue", ret(kind.Fail), time.Second)
	api := job("api", ret(kind.Pass), time.Second)
	api.Entry.Needs = []string{"db", "cache"}
	worker := job("worker", never, time.Second)
	worker.Entry.Needs = []string{"db", "queue"}
	res := runner.Run(context.Background(), []runner.Job{db, cache, queue, api, worker}, runner.Options{}).Results
	if r := res[3]; r.Status != kind.Pass {
		t.Errorf("api, needing waived failures: %s %q", r.Status, r.Summary)
	}
	if r := res[4]; r.Status != kind.Blocked || r.Summary != "not run: queue failed" {
		t.Errorf("worker, needing a waived and an unwaived failure: %s %q", r.Status, r.Summary)
	}
}
