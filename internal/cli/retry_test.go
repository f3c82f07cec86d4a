package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/testsvc"
)

// A check with retry: passes once the deploy is ready, and every format says on which attempt.
func TestRetryUntilReady(t *testing.T) {
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"run_retry.0.txt", []string{"-v"}},
		{"run_retry.0.json", []string{"--format", "json"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			d := testsvc.NewDeploying(t, 3)
			list := writeFile(t, t.TempDir(), "deploy.yaml", `version: 1
name: Post-deploy
checks:
  - id: api-ready
    type: http.health
    title: API is ready after the deploy
    timeout: 5s
    retry: {within: 30s, every: 10ms}
    with: {url: '${API_URL}/healthz'}
`)
			r := launch(t, map[string]string{"API_URL": d.URL}, append([]string{"run", list}, tt.args...)...)
			if r.code != 0 || d.Requests.Load() != 3 {
				t.Fatalf("exit %d after %d requests, want 0 after 3\n%s%s", r.code, d.Requests.Load(), r.out, r.errOut)
			}
			goldenText(t, tt.golden, strings.ReplaceAll(r.out, list, "deploy.yaml"))
		})
	}
}

// A check that never becomes ready fails after every attempt, with the last attempt's evidence;
// a waiver still in force covers it once the retries are over.
func TestRetryNeverReady(t *testing.T) {
	d := testsvc.NewDeploying(t, 0)
	body := `version: 1
checks:
  - id: api-ready
    type: http.health
    retry: {within: 300ms, every: 10ms}
    with: {url: '${API_URL}/healthz'}
`
	dir := t.TempDir()
	vars := map[string]string{"API_URL": d.URL}
	r := launch(t, vars, "run", writeFile(t, dir, "closed.yaml", body), "--format", "json")
	n := d.Requests.Load()
	var doc struct {
		Results []struct {
			Status   string
			Summary  string
			Evidence []struct{ Label, Observed string }
			Attempts struct{ Count int32 }
		}
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil || len(doc.Results) != 1 {
		t.Fatalf("exit %d, %v:\n%s%s", r.code, err, r.out, r.errOut)
	}
	res := doc.Results[0]
	if r.code != 1 || res.Status != "fail" || res.Attempts.Count != n || n < 2 ||
		!strings.HasSuffix(res.Summary, fmt.Sprintf(" (failed on all %d attempts over 0s)", n)) {
		t.Errorf("exit %d, %s after %d attempts (%d requests): %q", r.code, res.Status, res.Attempts.Count, n, res.Summary)
	}
	if ev := fmt.Sprint(res.Evidence); !strings.Contains(ev, fmt.Sprintf("pods starting (request %d)", n)) {
		t.Errorf("the evidence is not the last attempt's (request %d): %s", n, ev)
	}

	until := fixedNow.AddDate(0, 0, 10).Format(time.DateOnly)
	waived := body + "waivers:\n  - {check: api-ready, until: " + until + ", reason: provider ticket OPS-1, owner: platform}\n"
	r = launch(t, vars, "run", writeFile(t, dir, "waived.yaml", waived))
	if r.code != 0 || !strings.Contains(r.out, "WAIVED  api-ready") || !strings.Contains(r.out, " attempts over 0s) (waived, ") {
		t.Errorf("a waived check that never became ready: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}

// --wait retries the checks that read; a flow that POSTs is run once, and says why it was not
// retried, unless its own retry: asks for more.
func TestWaitLeavesWritesAlone(t *testing.T) {
	health := testsvc.NewDeploying(t, 2)
	var posts atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(app.Close)
	flow := func(id, retry string) string {
		return fmt.Sprintf(`  - id: %s
    type: http.flow
    %s
    with:
      base_url: ${APP_URL}
      steps:
        - {name: signup, request: {method: POST, path: /signup}, expect: {status: 201}}
`, id, retry)
	}
	dir := t.TempDir()
	vars := map[string]string{"API_URL": health.URL, "APP_URL": app.URL}
	once := writeFile(t, dir, "once.yaml", "version: 1\nchecks:\n  - {id: api, type: http.health, with: {url: '${API_URL}/'}}\n"+flow("signup", "title: Signup"))
	r := launch(t, vars, "run", once, "--wait", "2s")
	if r.code != 1 || posts.Load() != 1 || health.Requests.Load() != 2 {
		t.Fatalf("exit %d after %d POSTs and %d health requests, want 1 after 1 and 2\n%s%s", r.code, posts.Load(), health.Requests.Load(), r.out, r.errOut)
	}
	for _, want := range []string{"PASS   api ", "(passed on attempt 2 after 0s)", "FAIL   signup ", "(not retried under --wait: it sends traffic and writes to its target)"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("no %q in:\n%s", want, r.out)
		}
	}
	asks := writeFile(t, dir, "asks.yaml", "version: 1\nchecks:\n"+flow("signup", "retry: {within: 30s, every: 10ms}"))
	if r := launch(t, vars, "run", asks, "--wait", "2s"); r.code != 0 || posts.Load() != 3 || !strings.Contains(r.out, "(passed on attempt 2 after 0s)") {
		t.Errorf("a flow with its own retry: exit %d after %d POSTs in all\n%s%s", r.code, posts.Load(), r.out, r.errOut)
	}
}

// `check` shares run's flags: --wait waits for a one-off check too, and a negative one is a
// mistake.
func TestCheckWaits(t *testing.T) {
	d := testsvc.NewDeploying(t, 2)
	r := launch(t, nil, "check", "http.health", d.URL+"/healthz", "--wait", "2s")
	if r.code != 0 || d.Requests.Load() != 2 || !strings.Contains(r.out, "(passed on attempt 2 after 0s)") {
		t.Errorf("exit %d after %d requests\n%s%s", r.code, d.Requests.Load(), r.out, r.errOut)
	}
	if r := launch(t, nil, "run", "--wait", "-1s"); r.code != 2 || !strings.Contains(r.errOut, "--wait must be positive") {
		t.Errorf("--wait -1s: exit %d, %q", r.code, r.errOut)
	}
}
