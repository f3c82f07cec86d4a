package prometheuscheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

const serviceRules = `groups:
  - name: api
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
        labels: {severity: page}
      - alert: ApiScraped
        expr: up{job="api"} == 1
      - alert: AnyTargetDown
        expr: up == 0
      - record: job:up:sum
        expr: sum by (job) (up)
`

// brokenRules has a rule that fails at every evaluation: its selector picks two series that
// differ only in their name, which an alert drops.
const brokenRules = `groups:
  - name: broken
    rules:
      - alert: ApiDown
        expr: up{job="api"} == 0
      - alert: Duplicates
        expr: '{__name__=~"up|scrape_samples_scraped",job="api"}'
`

// firing waits until Prometheus reports the named alert firing.
func waitFiring(t *testing.T, base, name string) {
	t.Helper()
	eventually(t, "alert "+name+" to fire", func() (bool, string) {
		var rs struct {
			Groups []ruleGroup `json:"groups"`
		}
		if err := apiGet(base, "/api/v1/rules", &rs); err != nil {
			return false, err.Error()
		}
		for _, g := range rs.Groups {
			for _, r := range g.Rules {
				if r.Name == name && len(r.Alerts) > 0 && r.Alerts[0].State == "firing" {
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%+v", rs.Groups)
	})
}

func silenceAlert(t *testing.T, am, alertname, comment string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"matchers":  []map[string]any{{"name": "alertname", "value": alertname, "isRegex": false, "isEqual": true}},
		"startsAt":  time.Now().UTC().Format(time.RFC3339),
		"endsAt":    time.Now().Add(time.Hour).UTC().Format(time.RFC3339),
		"createdBy": "alice",
		"comment":   comment,
	})
	resp, err := http.Post(am+"/api/v2/silences", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("creating a silence: %s", resp.Status)
	}
}

func TestAlertsAgainstPrometheus(t *testing.T) {
	t.Parallel()
	api := serveMetrics(t, steady)
	worker := serveMetrics(t, steady)
	am := startAlertmanager(t)
	base := startPrometheus(t, promSetup{jobs: map[string][]string{"api": {api.addr}, "worker": {worker.addr}},
		rules: serviceRules, alertmanager: strings.TrimPrefix(am, "http://")})
	waitFiring(t, base, "ApiScraped")

	alerts := func(jobs []string, allow ...string) *Alerts {
		c := &Alerts{Jobs: jobs, AllowFiring: allow}
		c.URL = base
		return c
	}
	for _, c := range []struct {
		name   string
		check  *Alerts
		status kind.Status
		words  []string
	}{
		{"firing alert fails, named", alerts([]string{"api"}), kind.Fail,
			[]string{"alert ApiScraped is firing (job api) since "}},
		{"allowed, it passes", alerts([]string{"api"}, "ApiScraped"), kind.Pass,
			[]string{"job api is selected by ApiDown and ApiScraped"}},
		{"allowed by regex", alerts([]string{"/ap./"}, "/Api.*/"), kind.Pass, nil},
		{"covered only by a rule for every job", alerts([]string{"worker"}), kind.Warn,
			[]string{"job worker is covered only by rules that select every job (AnyTargetDown)"}},
		{"a regex matching no job", alerts([]string{"/billing-.*/"}), kind.Fail,
			[]string{"no job matches /billing-.*/"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, c.check)
			if r.Status != c.status {
				t.Fatalf("status %s, want %s:\n%s", r.Status, c.status, golden.Result(r))
			}
			for _, w := range c.words {
				if !strings.Contains(r.Summary, w) {
					t.Errorf("summary lacks %q:\n%s", w, golden.Result(r))
				}
			}
		})
	}

	t.Run("alertmanager", func(t *testing.T) {
		c := alerts([]string{"api"}, "ApiScraped")
		c.AlertmanagerURL = am
		if r := run(t, c); r.Status != kind.Pass || !strings.Contains(golden.Result(r), "silences: no active silence") {
			t.Fatalf("healthy, nothing silenced:\n%s", golden.Result(r))
		}
		silenceAlert(t, am, "SomethingElse", "unrelated")
		silenceAlert(t, am, "ApiDown", "deploy window")
		r := run(t, c)
		if r.Status != kind.Fail || !strings.Contains(r.Summary, `mutes ApiDown (job api), until `) ||
			!strings.Contains(r.Summary, `by alice ("deploy window")`) {
			t.Errorf("silenced:\n%s", golden.Result(r))
		}
		down := alerts([]string{"api"}, "ApiScraped")
		down.AlertmanagerURL = "http://" + strings.TrimPrefix(base, "http://") + "/nothing-here"
		if r := run(t, down); r.Status != kind.Fail || !strings.Contains(r.Summary, "no Alertmanager API at") {
			t.Errorf("not an Alertmanager:\n%s", golden.Result(r))
		}
	})
}

func TestAlertsBrokenRule(t *testing.T) {
	t.Parallel()
	api := serveMetrics(t, steady)
	base := startPrometheus(t, promSetup{jobs: map[string][]string{"api": {api.addr}}, rules: brokenRules})
	eventually(t, "the broken rule to be evaluated", func() (bool, string) {
		var rs struct {
			Groups []ruleGroup `json:"groups"`
		}
		err := apiGet(base, "/api/v1/rules", &rs)
		return err == nil && strings.Contains(fmt.Sprint(rs), "err"), fmt.Sprint(rs, err)
	})
	c := &Alerts{Jobs: []string{"api", "worker"}}
	c.URL = base
	r := run(t, c)
	for _, w := range []string{
		"rule Duplicates (group broken) fails to evaluate: vector contains metrics with the same labelset after applying alert labels",
		"no alerting rule selects job worker: nobody is alerted when it breaks",
		"Prometheus sends its alerts to no Alertmanager",
	} {
		if !strings.Contains(r.Summary, w) {
			t.Errorf("summary lacks %q:\n%s", w, golden.Result(r))
		}
	}
	if r.Status != kind.Fail {
		t.Errorf("status %s", r.Status)
	}
}

// TestJudgeAlerts pins the full result for a fixed state.
func TestJudgeAlerts(t *testing.T) {
	a := &Alerts{Jobs: []string{"api", "worker"}, AllowFiring: []string{"Watchdog"}}
	a.URL = "http://prometheus.test:9090"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 11, 23, 11, 58, 0, 0, time.UTC)
	st := alertsState{
		jobs: []string{"api", "worker"},
		rules: []rule{
			{Name: "ApiErrors", Type: "alerting", Health: "ok", group: "api",
				Query: `sum by (job) (rate(http_requests_total{job="api",code=~"5.."}[5m])) > 1`, Labels: map[string]string{"severity": "page"},
				Alerts: []alert{{State: "firing", ActiveAt: since, Labels: map[string]string{"alertname": "ApiErrors", "job": "api"}}}},
			{Name: "ApiLatency", Type: "alerting", Health: "ok", group: "api",
				Query:  `histogram_quantile(0.99, rate(http_request_duration_seconds_bucket{job=~"api|web"}[5m])) > 0.5`,
				Alerts: []alert{{State: "pending", ActiveAt: since, Labels: map[string]string{"alertname": "ApiLatency", "job": "api"}}}},
			{Name: "Watchdog", Type: "alerting", Health: "ok", group: "meta", Query: `vector(1)`,
				Alerts: []alert{{State: "firing", ActiveAt: since, Labels: map[string]string{"alertname": "Watchdog"}}}},
			{Name: "NodeDiskFull", Type: "alerting", Health: "ok", group: "node", Query: `node_filesystem_avail_bytes{job="node"} < 1e9`,
				Alerts: []alert{{State: "firing", ActiveAt: since, Labels: map[string]string{"alertname": "NodeDiskFull", "job": "node"}}}},
			{Name: "job:errors:rate5m", Type: "recording", Health: "err", group: "api", LastError: "many-to-many matching not allowed"},
		},
		alertmanagers: 1,
		am: &amState{cluster: "ready", silences: []silence{
			silenceFor("4f1c2a7e-0000", "active", "alertname", "ApiLatency"),
			silenceFor("9b00c0de-0000", "expired", "alertname", "ApiErrors"),
		}},
	}
	r := a.judge(st)
	if r.Status != kind.Fail {
		t.Errorf("status %s", r.Status)
	}
	golden.Check(t, "alerts_state.golden", []byte(golden.Result(r)))
}

func silenceFor(id, state, name, value string) silence {
	var s silence
	s.ID, s.Status.State, s.CreatedBy, s.Comment = id, state, "bob", "maintenance"
	s.EndsAt = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)
	s.Matchers = append(s.Matchers, struct {
		Name    string `json:"name"`
		Value   string `json:"value"`
		IsRegex bool   `json:"isRegex"`
		IsEqual *bool  `json:"isEqual"`
	}{Name: name, Value: value})
	return s
}

func TestSilenceMatchers(t *testing.T) {
	no := false
	ls := map[string]string{"alertname": "ApiDown", "job": "api", "severity": "page"}
	for _, c := range []struct {
		name, value    string
		isRegex, match bool
		isEqual        *bool
	}{
		{"alertname", "ApiDown", false, true, nil},
		{"alertname", "Api.*", true, true, nil},
		{"alertname", "Api", true, false, nil}, // anchored, as Alertmanager matches
		{"job", "api", false, false, &no},
		{"instance", "", false, true, nil}, // a missing label reads as empty
		{"instance", "10.0.0.1:80", false, false, nil},
	} {
		s := silenceFor("x", "active", c.name, c.value)
		s.Matchers[0].IsRegex, s.Matchers[0].IsEqual = c.isRegex, c.isEqual
		if got := s.matches(ls); got != c.match {
			t.Errorf("%+v matches = %v, want %v", c, got, c.match)
		}
	}
}
