package prometheuscheck

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestTargetsAgainstPrometheus follows a worker through a crash and a recovery: up all along
// passes; a job Prometheus does not scrape fails; the crashed target fails with Prometheus's own
// scrape error; once back up, it still fails because it was down within the window.
func TestTargetsAgainstPrometheus(t *testing.T) {
	t.Parallel()
	api := serveMetrics(t, steady)
	worker := serveMetrics(t, steady)
	base := startPrometheus(t, promSetup{jobs: map[string][]string{"api": {api.addr}, "worker": {worker.addr}}})
	waitHealth(t, base, "up", "api "+api.addr, "worker "+worker.addr)

	targets := func(jobs ...string) *Targets {
		c := &Targets{Over: kind.Duration(time.Minute)}
		c.URL, c.Jobs = base, jobs
		return c
	}
	want := func(r kind.Result, status kind.Status, words ...string) {
		t.Helper()
		if r.Status != status {
			t.Fatalf("status %s, want %s:\n%s", r.Status, status, golden.Result(r))
		}
		for _, w := range words {
			if !strings.Contains(r.Summary, w) {
				t.Errorf("summary lacks %q:\n%s", w, golden.Result(r))
			}
		}
	}

	want(run(t, targets("api", "worker")), kind.Pass, "job api: 1 target up for the whole of the last 1m", "job worker")
	want(run(t, targets("/a.i/")), kind.Pass, "job api")
	want(run(t, targets("api", "billing")), kind.Fail, "job billing has no targets: Prometheus is not scraping it at all")
	want(run(t, targets("/bill.*/")), kind.Fail, "no job matches /bill.*/")

	worker.srv.Close()
	waitHealth(t, base, "down", "worker "+worker.addr)
	want(run(t, targets("api", "worker")), kind.Fail, "target "+worker.addr+" of job worker is down: ", "connection refused")

	worker.restart(t, steady)
	waitHealth(t, base, "up", "worker "+worker.addr)
	r := run(t, targets("api", "worker"))
	want(r, kind.Fail, "target "+worker.addr+" of job worker was down ", "% of the last 1m")
	now := targets("worker")
	now.Over = 0
	want(run(t, now), kind.Pass, "job worker: 1 target up")
}

// TestJudgeTargets pins the full result for a fixed picture of a fleet.
func TestJudgeTargets(t *testing.T) {
	specs, err := parseJobs([]string{"api", "worker", "billing", "/batch-.*/"})
	if err != nil {
		t.Fatal(err)
	}
	active := []target{
		{Labels: map[string]string{"job": "api", "instance": "10.0.0.2:8080"}, Health: "up"},
		{Labels: map[string]string{"job": "api", "instance": "10.0.0.1:8080"}, Health: "up"},
		{Labels: map[string]string{"job": "worker", "instance": "10.0.1.1:9000"}, Health: "down",
			LastError: `Get "http://admin:hunter2@10.0.1.1:9000/metrics": dial tcp 10.0.1.1:9000: connect: connection refused`},
		{Labels: map[string]string{"job": "worker", "instance": "10.0.1.2:9000"}, Health: "unknown"},
		{Labels: map[string]string{"job": "batch-nightly", "instance": "10.0.2.1:9100"}, Health: "up"},
	}
	history := model.Vector{
		sample(map[string]string{"job": "api", "instance": "10.0.0.1:8080"}, 1),
		sample(map[string]string{"job": "api", "instance": "10.0.0.2:8080"}, 0.988),
		sample(map[string]string{"job": "worker", "instance": "10.0.1.1:9000"}, 0.5),
		sample(map[string]string{"job": "worker", "instance": "10.0.1.9:9000"}, 0.97),
		sample(map[string]string{"job": "batch-nightly", "instance": "10.0.2.1:9100"}, 1),
	}
	r := judgeTargets(specs, active, history, time.Hour)
	if r.Status != kind.Fail {
		t.Errorf("status %s, want fail", r.Status)
	}
	if strings.Contains(golden.Result(r), "hunter2") {
		t.Error("a password in a scrape URL reached the result")
	}
	golden.Check(t, "targets_fleet.golden", []byte(golden.Result(r)))
}

func sample(labels map[string]string, v float64) *model.Sample {
	m := model.Metric{}
	for k, val := range labels {
		m[model.LabelName(k)] = model.LabelValue(val)
	}
	return &model.Sample{Metric: m, Value: model.SampleValue(v)}
}

func TestTargetsBoundsItsLines(t *testing.T) {
	specs, _ := parseJobs([]string{"api"})
	var active []target
	for i := 0; i < 25; i++ {
		active = append(active, target{Labels: map[string]string{"job": "api", "instance": string(rune('a'+i)) + ":80"}, Health: "down"})
	}
	r := judgeTargets(specs, active, nil, 0)
	if len(r.Evidence) != maxTargetLines+1 {
		t.Errorf("%d evidence lines, want %d:\n%s", len(r.Evidence), maxTargetLines+1, golden.Result(r))
	}
	if last := r.Evidence[len(r.Evidence)-1]; !strings.Contains(last.Observed, "15 more targets") || last.Status != kind.Fail {
		t.Errorf("last line %+v", last)
	}
}
