package prometheuscheck

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/report"
	"github.com/launchgate/launchgate/internal/runner"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// TestLoadMistakes loads checklists with one mistake each and pins where and how it is reported.
func TestLoadMistakes(t *testing.T) {
	for _, c := range []struct {
		name, with string
		kind       string
		line       int
		want       string
	}{
		{"query that does not parse", "query: sum(rate(x[5m])\nmax: 1", "prometheus.query", 7, "parse error: unclosed left parenthesis"},
		{"a range vector", "query: x[5m]\nmax: 1", "prometheus.query", 7, "give the window as over"},
		{"no limit", "query: up", "prometheus.query", 5, "max: give max, min or both"},
		{"min above max", "query: up\nmin: 2\nmax: 1", "prometheus.query", 8, "min: 2 is above max (1)"},
		{"aggregate without a window", "query: up\nmax: 1\naggregate: p99", "prometheus.query", 9, "aggregate: p99 needs a window"},
		{"unknown aggregate", "query: up\nmax: 1\nover: 1h\naggregate: p95", "prometheus.query", 10, `unknown aggregate "p95"`},
		{"step longer than the window", "query: up\nmax: 1\nover: 1m\nstep: 5m", "prometheus.query", 10, "step: 5m is longer than over (1m)"},
		{"unknown unit", "query: up\nmax: 1\nunit: furlongs", "prometheus.query", 9, `unknown unit "furlongs"`},
		{"a typo inside with", "query: up\nmax: 1\novre: 1h", "prometheus.query", 9, `unknown parameter "ovre" (did you mean "over"?)`},
		{"a typo inside basic_auth", "jobs: [api]\nbasic_auth: {username: u, pasword: p}", "prometheus.targets", 8, `unknown parameter "pasword"`},
		{"two kinds of credentials", "jobs: [api]\nbearer_token: t0ken\nbasic_auth: {username: u, password: p}", "prometheus.targets", 8, "give one of bearer_token, basic_auth"},
		{"the API path in the url", "jobs: [api]", "prometheus.targets", 6, "leave out /api/v1"},
		{"a bad job regex", "jobs: [/api-(/]", "prometheus.alerts", 7, "jobs: /api-(/: invalid regular expression: error parsing regexp: missing closing ): `api-(`"},
		{"no jobs", "jobs: []", "prometheus.alerts", 7, "jobs: name at least one job"},
		{"negative window", "jobs: [api]\nover: -1h", "prometheus.targets", 8, `over: duration "-1h" is negative`},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := "http://prometheus.test:9090"
			if c.name == "the API path in the url" {
				url += "/api/v1"
			}
			data := fmt.Sprintf("version: 1\nchecks:\n  - id: c\n    type: %s\n    with:\n      url: %s\n      %s\n",
				c.kind, url, strings.ReplaceAll(c.with, "\n", "\n      "))
			_, err := config.Parse("c.yaml", []byte(data), config.Options{Getenv: func(string) string { return "" }})
			if err == nil {
				t.Fatalf("loaded:\n%s", data)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("c.yaml:%d:", c.line)) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("want %q at line %d, got:\n%v\nin:\n%s", c.want, c.line, err, data)
			}
		})
	}
}

// TestCredentialsNeverPrinted: a server that echoes the request's credentials in its errors
// must not get them into the report.
func TestCredentialsNeverPrinted(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"status":"error","errorType":"bad_data","error":"you sent %s and %s"}`,
			r.Header.Get("Authorization"), r.Header.Get("X-Scope-OrgID"))
	}))
	defer echo.Close()
	vars := map[string]string{"PROM_URL": echo.URL, "PROM_TOKEN": "s3cr3t-bearer-value", "TENANT_KEY": "tenant-key-value"}
	data := `version: 1
checks:
  - id: targets
    type: prometheus.targets
    with:
      url: ${PROM_URL}
      jobs: [api]
      bearer_token: ${PROM_TOKEN}
      headers: {X-Scope-OrgID: "${TENANT_KEY}"}
  - id: query
    type: prometheus.query
    with:
      url: ${PROM_URL}
      query: up
      max: 1
      basic_auth: {username: admin, password: "hunter2-password"}
`
	cl, err := config.Parse("c.yaml", []byte(data), config.Options{Getenv: func(k string) string { return vars[k] }})
	if err != nil {
		t.Fatal(err)
	}
	var results []runner.Result
	for _, e := range cl.Checks {
		ctx, cancel := kind.WithTimeout(context.Background(), 5*time.Second)
		results = append(results, runner.Result{Entry: e, Result: e.Check.Run(ctx, kind.DefaultEnv("test"))})
		cancel()
	}
	rd := &redact.Redactor{}
	rd.Add(cl.Secrets...)
	rep := report.Build(cl, results, report.Options{Redactor: rd})
	var out bytes.Buffer
	f, _ := report.Lookup("text")
	if err := f.New(report.Style{}).Write(&out, rep); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"s3cr3t-bearer-value", "tenant-key-value", "hunter2-password", "YWRtaW46aHVudGVyMi1wYXNzd29yZA"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("%q reached the report:\n%s", secret, out.String())
		}
	}
	if !strings.Contains(out.String(), "Prometheus refused /api/v1/targets (400 Bad Request)") {
		t.Errorf("the server's error is not reported:\n%s", out.String())
	}
}

// TestHangingPrometheus: a server that accepts and never answers is an error within the check's
// deadline, said in words.
func TestHangingPrometheus(t *testing.T) {
	c := &Targets{Jobs: []string{"api"}}
	c.URL = "http://" + testsvc.HangingListener(t)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := c.Run(ctx, kind.DefaultEnv("test"))
	if r.Status != kind.Error || !strings.Contains(r.Summary, "accepted the connection but sent no response within 300ms") {
		t.Errorf("%s", golden.Result(r))
	}
	testsvc.NotHung(t, start, 300*time.Millisecond)
}

// TestAnswerTooLarge: an endless answer is cut at the cap and reported, not read to the end.
func TestAnswerTooLarge(t *testing.T) {
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"activeTargets":[`)
		chunk := bytes.Repeat([]byte(`{"labels":{"job":"api"}},`), 4096)
		for i := 0; i < (maxAnswer/len(chunk))+2; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	defer big.Close()
	c := &Targets{Jobs: []string{"api"}}
	c.URL = big.URL
	r := run(t, c)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "is larger than 32MiB") {
		t.Errorf("%s", golden.Result(r))
	}
}

func TestNamesFromOneString(t *testing.T) {
	for in, want := range map[string]string{
		"api, worker":        "api|worker",
		"api,/web-\\d{1,3}/": "api|/web-\\d{1,3}/",
		"/a,b/,c":            "/a,b/|c",
		" , api ,":           "api",
		"/unclosed,regex":    "/unclosed,regex",
	} {
		if got := strings.Join(splitNames(in), "|"); got != want {
			t.Errorf("splitNames(%q) = %q, want %q", in, got, want)
		}
	}
}
