package prometheuscheck

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"time"

	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxTargetLines bounds the evidence lines about the targets of one job: a job of 500 pods that
// are all down needs ten examples and a count, not 500 lines.
const maxTargetLines = 10

// Targets checks that Prometheus scrapes every target of the service's jobs, that they are up
// now, and that they stayed up over a window.
type Targets struct {
	Conn `yaml:",inline"`
	Jobs Names         `yaml:"jobs" required:"true" doc:"The jobs (the job label of the targets) that must be scraped and up: names, or regular expressions between slashes (/api-.*/)."`
	Over kind.Duration `yaml:"over" doc:"How far back every target must have been up (min_over_time(up[over]) is 1); 0s judges only now."`

	jobs []jobSpec
}

func init() {
	kind.Register(kind.Kind{
		Name:       "prometheus.targets",
		Summary:    "Prometheus scrapes every target of the service's jobs, and they are up and stayed up.",
		Title:      "Prometheus scrapes the service and it stays up",
		Positional: "url",
		New:        func() kind.Check { return &Targets{Over: kind.Duration(time.Hour)} },
		Example: `url: ${PROMETHEUS_URL}
jobs: [api, worker]
over: 1h`,
	})
}

// Title names the jobs.
func (t *Targets) Title() string {
	return fmt.Sprintf("Prometheus scrapes %s, and they stay up", enumerate(t.Jobs))
}

// Validate checks the connection, the jobs and the window.
func (t *Targets) Validate() error {
	errs := t.Conn.validate()
	jobs, err := parseJobs(t.Jobs)
	if err != nil {
		errs = append(errs, kind.BadParam("jobs", "%v", err))
	}
	t.jobs = jobs
	if t.Over < 0 {
		errs = append(errs, kind.BadParam("over", "must not be negative"))
	}
	return errors.Join(errs...)
}

// target is what /api/v1/targets says of one active target.
type target struct {
	Labels    map[string]string `json:"labels"`
	ScrapeURL string            `json:"scrapeUrl"`
	LastError string            `json:"lastError"`
	Health    string            `json:"health"`
}

func (t target) job() string      { return t.Labels[model.JobLabel] }
func (t target) instance() string { return t.Labels[model.InstanceLabel] }

// Run asks Prometheus for its targets now and for the history of their up series.
func (t *Targets) Run(ctx context.Context, env *kind.Env) kind.Result {
	c, err := t.connect(ctx, env)
	if err != nil {
		return errorResult(err)
	}
	defer c.close()
	var active struct {
		Targets []target `json:"activeTargets"`
	}
	if err := c.api(ctx, "/api/v1/targets", url.Values{"state": {"active"}}, &active); err != nil {
		return errorResult(err)
	}
	var history model.Vector
	if t.Over > 0 {
		q := fmt.Sprintf("avg_over_time(up{%s}[%s])", jobSelector(t.jobs), promDuration(t.Over.D()))
		if history, err = c.instant(ctx, q, env.Now()); err != nil {
			return errorResult(err)
		}
	}
	return judgeTargets(t.jobs, active.Targets, history, t.Over.D())
}

// upShare is the share of the window a target was up (the average of its up series), by job and
// instance.
type upShare map[[2]string]float64

func newUpShare(history model.Vector) upShare {
	s := upShare{}
	for _, smp := range history {
		s[[2]string{string(smp.Metric[model.JobLabel]), string(smp.Metric[model.InstanceLabel])}] = float64(smp.Value)
	}
	return s
}

func judgeTargets(specs []jobSpec, active []target, history model.Vector, over time.Duration) kind.Result {
	var j kind.Judgement
	shares := newUpShare(history)
	for _, spec := range specs {
		byJob := map[string][]target{}
		for _, t := range active {
			if spec.matches(t.job()) {
				byJob[t.job()] = append(byJob[t.job()], t)
			}
		}
		if len(byJob) == 0 {
			noTargets(&j, spec)
			continue
		}
		jobs := make([]string, 0, len(byJob))
		for name := range byJob {
			jobs = append(jobs, name)
		}
		sort.Strings(jobs)
		for _, name := range jobs {
			judgeJob(&j, name, byJob[name], shares, over)
		}
	}
	goneTargets(&j, specs, active, shares, over)
	return j.Result()
}

func noTargets(j *kind.Judgement, spec jobSpec) {
	problem := fmt.Sprintf("job %s has no targets: Prometheus is not scraping it at all", spec)
	if spec.re != nil {
		problem = fmt.Sprintf("no job matches %s: Prometheus is not scraping any such job", spec)
	}
	j.Add(kind.Line{Label: spec.describe(), Observed: "no targets", Expected: "every target up",
		Status: kind.Fail, Problem: problem,
		Remedy: "add a scrape config (or a ServiceMonitor or PodMonitor) for the job, and check that its service discovery finds the service"})
}

// judgeJob adds a line per target that is down or was down or, when all were up all along, one
// line for the job.
func judgeJob(j *kind.Judgement, job string, targets []target, shares upShare, over time.Duration) {
	sort.Slice(targets, func(a, b int) bool { return targets[a].instance() < targets[b].instance() })
	var bad []kind.Line
	for _, t := range targets {
		if line, ok := targetLine(job, t, shares, over); ok {
			bad = append(bad, line)
		}
	}
	if len(bad) == 0 {
		since := ""
		if over > 0 {
			since = " for the whole of the last " + kind.FormatDuration(over)
		}
		j.Add(kind.Line{Label: "job " + job, Observed: fmt.Sprintf("%d of %s up%s", len(targets), plural(len(targets), "target"), since),
			Expected: "every target up", Status: kind.Pass})
		j.Note("job %s: %s up%s", job, plural(len(targets), "target"), since)
		return
	}
	for i, l := range bad {
		if i == maxTargetLines {
			worst := kind.Pass
			for _, h := range bad[i:] {
				worst = kind.Worst(worst, h.Status)
			}
			j.Add(kind.Line{Label: "job " + job, Observed: fmt.Sprintf("%d more targets down or not up all along, not shown", len(bad)-i),
				Expected: "every target up", Status: worst, Problem: fmt.Sprintf("%d more targets of job %s", len(bad)-i, job)})
			return
		}
		j.Add(l)
	}
}

// targetLine judges one target: down now, or up now after being down in the window.
func targetLine(job string, t target, shares upShare, over time.Duration) (kind.Line, bool) {
	label := job + " " + t.instance()
	share, known := shares[[2]string{job, t.instance()}]
	downBefore := ""
	if known && share < 1 && over > 0 {
		downBefore = fmt.Sprintf("down %s of the last %s", percent(1-share), kind.FormatDuration(over))
	}
	switch t.Health {
	case "up":
		if downBefore == "" {
			return kind.Line{}, false
		}
		return kind.Line{Label: label, Observed: "up now, but " + downBefore + about(1-share, over), Expected: "up all along",
			Status: kind.Fail, Problem: fmt.Sprintf("target %s of job %s was %s", t.instance(), job, downBefore),
			Remedy: "find out why the target went down (restarts, crashes, OOM kills) before launch"}, true
	case "down":
		why := "down"
		if t.LastError != "" {
			why += ": " + scrapeError(t.LastError)
		}
		obs := why
		if downBefore != "" {
			obs += " (" + downBefore + ")"
		}
		return kind.Line{Label: label, Observed: obs, Expected: "up", Status: kind.Fail,
			Problem: fmt.Sprintf("target %s of job %s is %s", t.instance(), job, why),
			Remedy:  "bring the target back: the scrape error says why Prometheus cannot reach it"}, true
	}
	return kind.Line{Label: label, Observed: "not scraped yet (health " + probe.Clip(t.Health) + ")", Expected: "up",
		Status: kind.Warn, Problem: fmt.Sprintf("target %s of job %s has not been scraped yet", t.instance(), job),
		Remedy: "run the gate again after a scrape interval"}, true
}

// scrapeNoise is what Prometheus's scrape errors repeat of the target: the request and the
// dialled address, both in the line's label already.
var scrapeNoise = regexp.MustCompile(`^(?:Get|GET) "[^"]*": |dial tcp \S+: `)

// scrapeError is the reason a scrape failed, in a few words: "connect: connection refused".
func scrapeError(s string) string {
	return probe.Clip(redact.String(scrapeNoise.ReplaceAllString(s, "")))
}

// goneTargets warns of series in the window whose targets are no longer scraped and that were
// down before they went: a replaced pod's last scrapes often fail, but a crash looks the same.
func goneTargets(j *kind.Judgement, specs []jobSpec, active []target, shares upShare, over time.Duration) {
	current := map[[2]string]bool{}
	for _, t := range active {
		current[[2]string{t.job(), t.instance()}] = true
	}
	var gone [][2]string
	for key, share := range shares {
		if !current[key] && share < 1 && matchesAny(specs, key[0]) {
			gone = append(gone, key)
		}
	}
	sort.Slice(gone, func(a, b int) bool {
		return gone[a][0] < gone[b][0] || (gone[a][0] == gone[b][0] && gone[a][1] < gone[b][1])
	})
	for i, key := range gone {
		if i == maxTargetLines {
			j.Add(kind.Line{Label: "gone targets", Observed: fmt.Sprintf("%d more not shown", len(gone)-i), Status: kind.Warn,
				Problem: fmt.Sprintf("%d more targets that are gone were down before they went", len(gone)-i)})
			break
		}
		j.Add(kind.Line{Label: key[0] + " " + key[1],
			Observed: fmt.Sprintf("no longer scraped; down %s of the last %s before it went", percent(1-shares[key]), kind.FormatDuration(over)),
			Expected: "up all along", Status: kind.Warn,
			Problem: fmt.Sprintf("target %s of job %s, gone now, was down before it went", key[1], key[0]),
			Remedy:  "a replaced pod's last scrapes often fail; if this one crashed, find out why"})
	}
}

// about turns a share of the window into time: (about 7m12s).
func about(share float64, over time.Duration) string {
	d := time.Duration(share * float64(over)).Round(time.Second)
	if d <= 0 {
		return ""
	}
	return " (about " + kind.FormatDuration(d) + ")"
}
