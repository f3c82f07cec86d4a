package prometheuscheck

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// maxRuleLines bounds the lines about broken rules and firing alerts.
const maxRuleLines = 10

// Alerts checks that the service's jobs are covered by alerting rules, that every rule
// evaluates, that no alert about them is firing, and optionally that the Alertmanager is healthy
// and silences none of their alerts.
type Alerts struct {
	Conn                `yaml:",inline"`
	Jobs                Names             `yaml:"jobs" required:"true" doc:"The jobs that must be covered by alerting rules: names, or regular expressions between slashes (/api-.*/)."`
	AllowFiring         Names             `yaml:"allow_firing" doc:"Alerts that may fire (or be pending) without failing the check, by name or /regex/, e.g. Watchdog."`
	AlertmanagerURL     string            `yaml:"alertmanager_url" doc:"The Alertmanager base URL: when set, it must be healthy and no active silence may mute the jobs' alerts."`
	AlertmanagerHeaders map[string]string `yaml:"alertmanager_headers" doc:"Request headers for the Alertmanager (Prometheus's credentials are not sent to it). Never printed."`

	jobs  []jobSpec
	allow []jobSpec
}

func init() {
	kind.Register(kind.Kind{
		Name:       "prometheus.alerts",
		Summary:    "Alerting rules cover the service's jobs, every rule evaluates, and none of their alerts is firing or silenced.",
		Title:      "Alerts cover the service and none is firing",
		Positional: "url",
		New:        func() kind.Check { return &Alerts{} },
		Example: `url: ${PROMETHEUS_URL}
jobs: [api]
allow_firing: [Watchdog]
alertmanager_url: ${ALERTMANAGER_URL}`,
	})
}

// Title names the jobs.
func (a *Alerts) Title() string {
	return fmt.Sprintf("Alerts cover %s, and none is firing", enumerate(a.Jobs))
}

// Validate checks the connections, the jobs and the allowed alerts.
func (a *Alerts) Validate() error {
	errs := a.Conn.validate()
	jobs, err := parseJobs(a.Jobs)
	if err != nil {
		errs = append(errs, kind.BadParam("jobs", "%v", err))
	}
	a.jobs = jobs
	if len(a.AllowFiring) > 0 {
		allow, err := parseJobs(a.AllowFiring)
		if err != nil {
			errs = append(errs, kind.BadParam("allow_firing", "%v", err))
		}
		a.allow = allow
	}
	if a.AlertmanagerURL != "" {
		if err := validateBaseURL(a.AlertmanagerURL); err != nil {
			errs = append(errs, kind.BadParam("alertmanager_url", "%v", err))
		}
	}
	if err := probe.CheckHeaders(a.AlertmanagerHeaders); err != nil {
		errs = append(errs, kind.BadParam("alertmanager_headers", "%v", err))
	}
	return errors.Join(errs...)
}

// ruleGroup, rule and alert are what /api/v1/rules says.
type ruleGroup struct {
	Name  string `json:"name"`
	File  string `json:"file"`
	Rules []rule `json:"rules"`
}

type rule struct {
	Name      string            `json:"name"`
	Query     string            `json:"query"`
	Type      string            `json:"type"`
	Health    string            `json:"health"`
	LastError string            `json:"lastError"`
	Labels    map[string]string `json:"labels"`
	Alerts    []alert           `json:"alerts"`
	group     string
}

type alert struct {
	Labels   map[string]string `json:"labels"`
	State    string            `json:"state"`
	ActiveAt time.Time         `json:"activeAt"`
}

// alertsState is everything the judgement needs, gathered first.
type alertsState struct {
	rules []rule
	// jobs are the job names the specs stand for (a regex stands for the jobs Prometheus has).
	jobs []string
	// unmatched are regex specs that match no job Prometheus has.
	unmatched     []jobSpec
	alertmanagers int
	am            *amState
}

// Run gathers the rules, the job names and the Alertmanager's state, then judges them.
func (a *Alerts) Run(ctx context.Context, env *kind.Env) kind.Result {
	c, err := a.connect(ctx, env)
	if err != nil {
		return errorResult(err)
	}
	defer c.close()
	var st alertsState
	var rules struct {
		Groups []ruleGroup `json:"groups"`
	}
	if err := c.api(ctx, "/api/v1/rules", nil, &rules); err != nil {
		return errorResult(err)
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			r.group = g.Name
			st.rules = append(st.rules, r)
		}
	}
	if st.jobs, st.unmatched, err = resolveJobs(ctx, c, a.jobs, env.Now()); err != nil {
		return errorResult(err)
	}
	var ams struct {
		Active []struct{} `json:"activeAlertmanagers"`
	}
	if err := c.api(ctx, "/api/v1/alertmanagers", nil, &ams); err != nil {
		return errorResult(err)
	}
	st.alertmanagers = len(ams.Active)
	if a.AlertmanagerURL != "" {
		st.am = a.alertmanager(ctx, env)
	}
	return a.judge(st)
}

// resolveJobs turns specs into job names: a name is itself, a regex stands for the jobs of the
// up series it matches.
func resolveJobs(ctx context.Context, c *client, specs []jobSpec, now time.Time) ([]string, []jobSpec, error) {
	var names []string
	var regexes []jobSpec
	for _, s := range specs {
		if s.re == nil {
			names = append(names, s.text)
		} else {
			regexes = append(regexes, s)
		}
	}
	if len(regexes) == 0 {
		return names, nil, nil
	}
	vec, err := c.instant(ctx, fmt.Sprintf("count by (job) (up{%s})", jobSelector(regexes)), now)
	if err != nil {
		return nil, nil, err
	}
	var unmatched []jobSpec
	for _, s := range regexes {
		found := false
		for _, smp := range vec {
			if job := string(smp.Metric[model.JobLabel]); s.matches(job) {
				found = true
				names = append(names, job)
			}
		}
		if !found {
			unmatched = append(unmatched, s)
		}
	}
	sort.Strings(names)
	return dedupe(names), unmatched, nil
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}

func (a *Alerts) judge(st alertsState) kind.Result {
	var j kind.Judgement
	for _, s := range st.unmatched {
		j.Add(kind.Line{Label: s.describe(), Observed: "no such job", Expected: "covered by alerting rules", Status: kind.Fail,
			Problem: fmt.Sprintf("no job matches %s: Prometheus has no targets for it, so no alert can cover it", s),
			Remedy:  "scrape the service first (see prometheus.targets)"})
	}
	judgeCoverage(&j, st.jobs, st.rules)
	judgeHealth(&j, st.rules)
	firing := a.judgeFiring(&j, st.rules)
	judgeAlertmanagers(&j, st.alertmanagers, a.AlertmanagerURL != "")
	if st.am != nil {
		judgeAlertmanager(&j, st.am, muteTargets(st.jobs, st.rules, firing))
	}
	return j.Result()
}

// coverage is the alerting rules that select one job.
type coverage struct {
	// named select it by a job matcher; every select every job (no job matcher at all).
	named, every []rule
}

func coverageOf(job string, rules []rule) coverage {
	var c coverage
	for _, r := range rules {
		if r.Type != "alerting" {
			continue
		}
		expr, err := promql.ParseExpr(r.Query)
		if err != nil {
			continue
		}
		named, every := selectsJob(expr, job)
		switch {
		case named:
			c.named = append(c.named, r)
		case every:
			c.every = append(c.every, r)
		}
	}
	return c
}

func ruleNames(rules []rule) string {
	names := make([]string, len(rules))
	for i, r := range rules {
		names[i] = r.Name
	}
	return ruleList(names)
}

// judgeCoverage: each job must be selected by an alerting rule's expression. A rule whose
// selectors have no job matcher (up == 0) selects every job; it covers the job only in part.
func judgeCoverage(j *kind.Judgement, jobs []string, rules []rule) {
	for _, job := range jobs {
		c := coverageOf(job, rules)
		switch {
		case len(c.named) > 0:
			j.Add(kind.Line{Label: "job " + job, Observed: "selected by " + ruleNames(c.named), Expected: "an alerting rule", Status: kind.Pass})
			j.Note("job %s is selected by %s", job, ruleNames(c.named))
		case len(c.every) > 0:
			j.Add(kind.Line{Label: "job " + job, Observed: "only by rules that select every job: " + ruleNames(c.every),
				Expected: "an alerting rule that selects the job", Status: kind.Warn,
				Problem: fmt.Sprintf("job %s is covered only by rules that select every job (%s)", job, ruleNames(c.every)),
				Remedy:  "add alerting rules on the job's own symptoms (errors, latency, saturation)"})
		default:
			j.Add(kind.Line{Label: "job " + job, Observed: "no alerting rule selects it", Expected: "an alerting rule", Status: kind.Fail,
				Problem: fmt.Sprintf("no alerting rule selects job %s: nobody is alerted when it breaks", job),
				Remedy:  "add alerting rules that select the job (at least: a target down, the error ratio, latency)"})
		}
	}
}

// ruleList names up to five rules.
func ruleList(names []string) string {
	names = dedupe(sortedCopy(names))
	if len(names) > 5 {
		return fmt.Sprintf("%s and %d more", strings.Join(names[:5], ", "), len(names)-5)
	}
	return enumerate(names)
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// judgeHealth: a rule that fails to evaluate never fires.
func judgeHealth(j *kind.Judgement, rules []rule) {
	bad := 0
	for _, r := range rules {
		if r.Health != "err" {
			continue
		}
		bad++
		if bad > maxRuleLines {
			continue
		}
		why := probe.Clip(r.LastError)
		j.Add(kind.Line{Label: r.Type + " rule " + r.Name, Observed: "fails to evaluate: " + why, Expected: "health ok", Status: kind.Fail,
			Problem: fmt.Sprintf("rule %s (group %s) fails to evaluate: %s", r.Name, r.group, why),
			Remedy:  "fix the rule (promtool check rules, and the error shown): a rule that fails never fires"})
	}
	if bad > maxRuleLines {
		j.Add(kind.Line{Label: "rules", Observed: fmt.Sprintf("%d more fail to evaluate, not shown", bad-maxRuleLines), Status: kind.Fail,
			Problem: fmt.Sprintf("%d more rules fail to evaluate", bad-maxRuleLines)})
	}
	if bad == 0 {
		j.Add(kind.Line{Label: "rules", Observed: plural(len(rules), "rule") + ", all evaluating", Expected: "health ok", Status: kind.Pass})
	}
}

// judgeFiring: no alert about the jobs may fire (or be pending) unless allowed. An alert without
// a job label (an aggregate across jobs) may be about them, so it counts. It returns the alerts
// that concern the jobs, for the silence check.
func (a *Alerts) judgeFiring(j *kind.Judgement, rules []rule) []alert {
	var relevant []alert
	type key struct{ name, state string }
	counts := map[key][]alert{}
	for _, r := range rules {
		for _, al := range r.Alerts {
			if job, ok := al.Labels[model.JobLabel]; ok && !matchesAny(a.jobs, job) {
				continue
			}
			relevant = append(relevant, al)
			if al.State == "firing" || al.State == "pending" {
				k := key{r.Name, al.State}
				counts[k] = append(counts[k], al)
			}
		}
	}
	keys := make([]key, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(x, y int) bool {
		return keys[x].state < keys[y].state || (keys[x].state == keys[y].state && keys[x].name < keys[y].name)
	})
	blocking := 0
	for _, k := range keys {
		if blocking == maxRuleLines {
			break
		}
		if firingLine(j, k.name, k.state, counts[k], matchesAny(a.allow, k.name)) {
			blocking++
		}
	}
	if len(keys) == 0 {
		j.Add(kind.Line{Label: "alerts", Observed: "none firing or pending for these jobs", Expected: "none firing", Status: kind.Pass})
	}
	return relevant
}

// firingLine adds the line of one alert name in one state and reports whether it blocks.
func firingLine(j *kind.Judgement, name, state string, als []alert, allowed bool) bool {
	since := als[0].ActiveAt
	jobs := map[string]bool{}
	for _, al := range als {
		if al.ActiveAt.Before(since) {
			since = al.ActiveAt
		}
		if job := al.Labels[model.JobLabel]; job != "" {
			jobs[job] = true
		}
	}
	what := state
	if len(als) > 1 {
		what += fmt.Sprintf(" for %d series", len(als))
	}
	if len(jobs) > 0 {
		names := make([]string, 0, len(jobs))
		for n := range jobs {
			names = append(names, n)
		}
		what += " (job " + enumerate(sortedCopy(names)) + ")"
	}
	if !since.IsZero() {
		what += " since " + clock(since, 48*time.Hour) + " UTC"
	}
	line := kind.Line{Label: "alert " + name, Observed: what, Expected: "not firing", Status: kind.Fail,
		Problem: fmt.Sprintf("alert %s is %s", name, what),
		Remedy:  "resolve what the alert reports before launch, or list it in allow_firing if it always fires"}
	switch {
	case allowed:
		line.Observed += ", allowed"
		line.Status = kind.Pass
	case state == "pending":
		line.Status = kind.Warn
		line.Problem += ": it fires if the condition lasts"
	}
	j.Add(line)
	return line.Status > kind.Pass
}

// judgeAlertmanagers: alerts that reach no Alertmanager notify nobody.
func judgeAlertmanagers(j *kind.Judgement, active int, required bool) {
	if active > 0 {
		j.Add(kind.Line{Label: "alertmanagers", Observed: fmt.Sprintf("Prometheus sends alerts to %s", plural(active, "Alertmanager")),
			Expected: "at least one", Status: kind.Pass})
		return
	}
	st := kind.Warn
	if required {
		st = kind.Fail
	}
	j.Add(kind.Line{Label: "alertmanagers", Observed: "none", Expected: "at least one", Status: st,
		Problem: "Prometheus sends its alerts to no Alertmanager: they notify nobody",
		Remedy:  "configure alerting.alertmanagers in Prometheus (or check that its service discovery finds them)"})
}

// muteTargets are the label sets a silence must not match: for each job, each rule that
// selects it as its alerts would be labelled, and every alert about the jobs that is active now.
func muteTargets(jobs []string, rules []rule, active []alert) []map[string]string {
	var out []map[string]string
	for _, job := range jobs {
		for _, r := range coverageOf(job, rules).named {
			ls := map[string]string{model.AlertNameLabel: r.Name, model.JobLabel: job}
			for k, v := range r.Labels {
				ls[k] = v
			}
			out = append(out, ls)
		}
	}
	for _, al := range active {
		out = append(out, al.Labels)
	}
	return out
}

func (a *Alerts) alertmanager(ctx context.Context, env *kind.Env) *amState {
	c, err := newClient(ctx, env, "Alertmanager", a.AlertmanagerURL, a.AlertmanagerHeaders, a.InsecureSkipVerify)
	if err != nil {
		return &amState{err: err}
	}
	defer c.close()
	return fetchAlertmanager(ctx, c)
}
