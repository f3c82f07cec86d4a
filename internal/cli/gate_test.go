package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/launchgate/launchgate/internal/cli"
)

// writeFile writes a file below dir, making its directories, and returns its path.
func writeFile(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// A gate that verified nothing is not open: every check skipped or filtered out closes it with
// NOTHING CHECKED, unless --allow-empty says an empty run is fine.
func TestNothingCheckedClosesTheGate(t *testing.T) {
	vars := fixture(t)
	dir := t.TempDir()
	unset := writeFile(t, dir, "unset.yaml", "version: 1\nchecks:\n  - {id: admin, type: http.health, needs_env: [ADMIN_URL], with: {url: '${ADMIN_URL}/healthz'}}\n")
	tests := []struct {
		name    string
		args    []string
		code    int
		banner  string
		verdict string
	}{
		{"every needs_env unset", []string{"run", unset}, 1, "NOTHING CHECKED", ""},
		{"--allow-empty accepts it", []string{"run", unset, "--allow-empty"}, 0, "GATE OPEN", ""},
		{"--only selects only skipped checks", []string{"run", "testdata/mixed.yaml", "--only", "admin"}, 1, "NOTHING CHECKED", ""},
		{"--skip filters out every check that would run", []string{"run", "testdata/mixed.yaml", "--skip", "api-health,payments,docs,search"}, 1, "NOTHING CHECKED", ""},
		{"a check that skips itself", []string{"check", "tls", vars["OK_URL"]}, 1, "NOTHING CHECKED", ""},
		{"json says closed", []string{"run", unset, "--format", "json"}, 1, "", "closed"},
		{"json with --allow-empty says open", []string{"run", unset, "--format", "json", "--allow-empty"}, 0, "", "open"},
		{"one check that looked is enough", []string{"run", "testdata/mixed.yaml", "--only", "api-health,admin"}, 0, "GATE OPEN", ""},
		{"errors keep their own banner", []string{"run", "testdata/mixed.yaml", "--only", "search,admin"}, 1, "GATE CLOSED", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, vars, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", r.code, tt.code, r.out, r.errOut)
			}
			if tt.banner != "" && !strings.Contains(r.out, "\n "+tt.banner+" ") {
				t.Errorf("no %s banner:\n%s", tt.banner, r.out)
			}
			if tt.banner == "NOTHING CHECKED" && !strings.Contains(r.errOut, "--allow-empty") {
				t.Errorf("stderr does not say how to accept an empty run: %q", r.errOut)
			}
			if tt.verdict != "" {
				var doc struct {
					Gate struct{ Verdict string } `json:"gate"`
				}
				if err := json.Unmarshal([]byte(r.out), &doc); err != nil || doc.Gate.Verdict != tt.verdict {
					t.Errorf("verdict %q (%v), want %q", doc.Gate.Verdict, err, tt.verdict)
				}
			}
		})
	}
}

// --fail-on-skip: a check skipped because its needs_env variables are unset closes the gate;
// checks filtered out with --only/--skip stay skipped.
func TestFailOnSkip(t *testing.T) {
	vars := fixture(t)
	list := writeFile(t, t.TempDir(), "l.yaml", `version: 1
checks:
  - {id: api, type: http.health, with: {url: '${OK_URL}/healthz'}}
  - {id: admin, type: http.health, needs_env: [ADMIN_URL], with: {url: '${ADMIN_URL}/healthz'}}
`)
	withAdmin := map[string]string{"ADMIN_URL": vars["OK_URL"]}
	for k, v := range vars {
		withAdmin[k] = v
	}
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
		line string
	}{
		{"unset variable skips", vars, []string{"run", list}, 0, "SKIP   admin  "},
		{"unset variable closes the gate", vars, []string{"run", list, "--fail-on-skip"}, 1, "ERROR  admin  "},
		{"set variable runs", withAdmin, []string{"run", list, "--fail-on-skip"}, 0, "PASS   admin  "},
		{"filtered out stays skipped", vars, []string{"run", list, "--fail-on-skip", "--skip", "admin"}, 0, "SKIP   admin  "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, tt.vars, tt.args...)
			if r.code != tt.code || !strings.Contains(r.out, tt.line) {
				t.Errorf("exit %d (want %d), want a line %q:\n%s%s", r.code, tt.code, tt.line, r.out, r.errOut)
			}
		})
	}
	if r := launch(t, vars, "run", list, "--fail-on-skip"); !strings.Contains(r.out, "not configured: ADMIN_URL unset and --fail-on-skip given") {
		t.Errorf("the error does not say which variable:\n%s", r.out)
	}
}

// `run -` and `validate -` read the checklist from standard input, with a size cap.
func TestChecklistFromStdin(t *testing.T) {
	vars := fixture(t)
	stdin := func(s string) func(*cli.App) {
		return func(app *cli.App) { app.IO.In = strings.NewReader(s) }
	}
	good := "version: 1\nname: piped\nchecks:\n  - {id: api, type: http.health, with: {url: '${OK_URL}/healthz'}}\n"
	bad := "version: 1\nchecks:\n  - id: api\n    type: http.health\n    with: {url: '${OK_URL}', max_latncy: 1s}\n"
	tests := []struct {
		name   string
		in     string
		args   []string
		code   int
		out    string
		stderr string
	}{
		{"run -", good, []string{"run", "-"}, 0, "PASS   api", ""},
		{"run -f -", good, []string{"run", "-f", "-", "--format", "json"}, 0, `"verdict": "open"`, ""},
		{"validate -", good, []string{"validate", "-"}, 0, "<stdin>: valid, 1 check", ""},
		{"mistakes name stdin and the line", bad, []string{"run", "-"}, 2, "", `<stdin>:5:`},
		{"mistakes name stdin and the line (message)", bad, []string{"run", "-"}, 2, "", `check "api": with: unknown parameter "max_latncy"`},
		{"empty stdin", "", []string{"run", "-"}, 2, "", "<stdin>: the checklist is empty"},
		{"too large", strings.Repeat("#", 16<<20+1), []string{"validate", "-"}, 2, "", "<stdin>: cannot read checklist from standard input: holds more than the limit of 16MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launchApp(t, vars, stdin(tt.in), tt.args...)
			if r.code != tt.code || !strings.Contains(r.out, tt.out) || !strings.Contains(r.errOut, tt.stderr) {
				t.Errorf("exit %d (want %d), stdout lacks %q or stderr lacks %q:\n%s%s", r.code, tt.code, tt.out, tt.stderr, r.out, r.errOut)
			}
		})
	}
}

// What a newcomer types wrong gets a pointer to what they meant.
func TestHintsForNewcomers(t *testing.T) {
	vars := fixture(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		out    string
		stderr string
	}{
		{"explain alone lists the kinds", []string{"explain"}, 0, "postgres.replica_lag", ""},
		{"explain a family", []string{"explain", "postgres"}, 2, "", `unknown check kind "postgres" (did you mean "postgres.backups", "postgres.connections", `},
		{"explain another family", []string{"explain", "mysql"}, 2, "", `(did you mean "mysql.connections" or "mysql.replica_lag"`},
		{"explain a typo", []string{"explain", "http.helth"}, 2, "", `(did you mean "http.health"?)`},
		{"check a family", []string{"check", "redis", "redis://127.0.0.1:1"}, 2, "", `unknown check kind "redis" (did you mean "redis.memory"`},
		{"--only tag typo", []string{"run", "testdata/mixed.yaml", "--only", "smok"}, 2, "", `--only smok: no check in Checkout API launch has this id or tag (did you mean "smoke"?)`},
		{"--skip id typo", []string{"run", "testdata/mixed.yaml", "--skip", "paymnts"}, 2, "", `(did you mean "payments"?)`},
		{"a parameter given as a flag", []string{"check", "http.health", vars["OK_URL"], "--max-latency", "300ms"}, 2, "",
			"unknown flag: --max-latency: parameters of http.health are key=value arguments: max_latency=300ms"},
		{"a parameter given as --flag=value", []string{"check", "http.health", "--max_latency=300ms", vars["OK_URL"]}, 2, "",
			"parameters of http.health are key=value arguments: max_latency=300ms"},
		{"an unknown flag that is no parameter", []string{"check", "http.health", vars["OK_URL"], "--colour"}, 2, "", "unknown flag: --colour\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, vars, tt.args...)
			if r.code != tt.code || !strings.Contains(r.out, tt.out) || !strings.Contains(r.errOut, tt.stderr) {
				t.Errorf("exit %d (want %d), stdout lacks %q or stderr lacks %q:\nstdout: %s\nstderr: %s", r.code, tt.code, tt.out, tt.stderr, r.out, r.errOut)
			}
		})
	}
}

// An --output file is replaced whole when the report is ready: while checks run it still holds
// the previous report (a run killed half-way never leaves it empty), and no temporary file is
// left beside it.
func TestOutputFilesAreReplacedWhole(t *testing.T) {
	dir := t.TempDir()
	junit := writeFile(t, dir, "gate.xml", "previous report\n")
	var mu sync.Mutex
	var during []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(junit)
		mu.Lock()
		during = append(during, fmt.Sprintf("%q %v", b, err))
		mu.Unlock()
		w.Write([]byte(`{"status":"pass"}`))
	}))
	defer srv.Close()
	list := writeFile(t, dir, "l.yaml", "version: 1\nchecks:\n  - {id: api, type: http.health, with: {url: '"+srv.URL+"/healthz'}}\n")
	r := launch(t, nil, "run", list, "--output", "junit="+junit, "--output", "json="+filepath.Join(dir, "new.json"))
	if r.code != 0 {
		t.Fatalf("exit %d: %s%s", r.code, r.out, r.errOut)
	}
	mu.Lock()
	if got := strings.Join(during, ", "); got != `"previous report\n" <nil>` {
		t.Errorf("while the check ran, the --output file held %s", got)
	}
	mu.Unlock()
	b, _ := os.ReadFile(junit)
	if !strings.Contains(string(b), "<testsuites") {
		t.Errorf("the report was not written:\n%s", b)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "gate.xml l.yaml new.json" {
		t.Errorf("files left in the directory: %s", got)
	}
}

// An interrupt (SIGINT, SIGTERM) cancels the running checks, prints the results there are with
// the interrupted checks as errors, writes every --output file and exits 128+signal.
func TestInterruptReportsAndExits(t *testing.T) {
	for _, sig := range []struct {
		name string
		sig  os.Signal
		code int
	}{{"SIGINT", os.Interrupt, 130}, {"SIGTERM", syscall.SIGTERM, 143}} {
		t.Run(sig.name, func(t *testing.T) {
			vars := fixture(t)
			signals := make(chan os.Signal, 1)
			hung := make(chan struct{})
			var once sync.Once
			slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				once.Do(func() { close(hung) })
				<-r.Context().Done()
			}))
			defer slow.Close()
			vars["SLOW_URL"] = slow.URL
			go func() { <-hung; signals <- sig.sig }()
			dir := t.TempDir()
			list := writeFile(t, dir, "l.yaml", `version: 1
checks:
  - {id: ok, type: http.health, with: {url: '${OK_URL}/healthz'}}
  - {id: slow, type: http.health, timeout: 1m, with: {url: '${SLOW_URL}/healthz'}}
`)
			jsonOut := filepath.Join(dir, "gate.json")
			r := launchApp(t, vars, func(app *cli.App) {
				app.Signals = func() (<-chan os.Signal, func()) { return signals, func() {} }
			}, "run", list, "--concurrency", "1", "--output", "json="+jsonOut)
			if r.code != sig.code {
				t.Errorf("exit %d, want %d", r.code, sig.code)
			}
			if !strings.Contains(r.out, "PASS   ok  ") || !strings.Contains(r.out, "ERROR  slow ") || !strings.Contains(r.out, "interrupted") {
				t.Errorf("the report does not show what ran and what was interrupted:\n%s", r.out)
			}
			if !strings.Contains(r.errOut, "interrupted by "+sig.name) {
				t.Errorf("stderr: %q", r.errOut)
			}
			var doc struct {
				Gate    struct{ Verdict string } `json:"gate"`
				Results []struct{ ID, Status, Summary string }
			}
			b, _ := os.ReadFile(jsonOut)
			if err := json.Unmarshal(b, &doc); err != nil || doc.Gate.Verdict != "closed" || len(doc.Results) != 2 || doc.Results[1].Summary != "interrupted" {
				t.Errorf("--output json after the interrupt (%v):\n%s", err, b)
			}
		})
	}
}

// A waiver keeps the gate open for a failing check until it ends; --no-waivers ignores it.
func TestWaiversAtTheGate(t *testing.T) {
	vars := fixture(t)
	list := writeFile(t, t.TempDir(), "w.yaml", `version: 1
checks:
  - {id: api, type: http.health, with: {url: '${OK_URL}/healthz'}}
  - {id: broken, type: http.health, with: {url: 'http://127.0.0.1:1/healthz'}}
waivers:
  - {check: broken, until: 2026-12-01, reason: "ticket OPS-123", owner: platform-team}
`)
	tests := []struct {
		name  string
		args  []string
		code  int
		lines []string
	}{
		{"waived", []string{"run", list}, 0, []string{"WAIVED  broken", "(waived, 9 days left)", "1 waived · 1 passed", "waived until 2026-12-01 by platform-team: ticket OPS-123"}},
		{"--no-waivers", []string{"run", list, "--no-waivers"}, 1, []string{"ERROR  broken"}},
		{"json", []string{"run", list, "--format", "json"}, 0, []string{`"waived": 1`, `"owner": "platform-team"`, `"expired": false`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, vars, tt.args...)
			for _, l := range tt.lines {
				if r.code != tt.code || !strings.Contains(r.out, l) {
					t.Errorf("exit %d (want %d), want %q:\n%s%s", r.code, tt.code, l, r.out, r.errOut)
				}
			}
		})
	}
	long := writeFile(t, t.TempDir(), "long.yaml", `version: 1
checks:
  - {id: api, type: http.health, with: {url: '${OK_URL}/healthz'}}
waivers:
  - {check: api, until: 2027-06-01, reason: r, owner: o}
`)
	if r := launch(t, vars, "run", long); r.code != 2 || !strings.Contains(r.errOut, "more than policy.max_waiver_days (90) from today") {
		t.Errorf("an overlong waiver loads: exit %d\n%s", r.code, r.errOut)
	}
}

// needs: a failed need blocks its dependents (closing the gate by the cause); --only runs what
// the selected checks need and says why.
func TestNeedsAtTheGate(t *testing.T) {
	vars := fixture(t)
	list := writeFile(t, t.TempDir(), "n.yaml", `version: 1
checks:
  - {id: db, type: http.health, with: {url: 'http://127.0.0.1:1/healthz'}}
  - {id: api, type: http.health, needs: [db], with: {url: '${OK_URL}/healthz'}}
  - {id: up, type: http.health, with: {url: '${OK_URL}/healthz'}}
  - {id: flow, type: http.health, needs: [up], with: {url: '${OK_URL}/healthz'}}
`)
	r := launch(t, vars, "run", list)
	if r.code != 1 || !strings.Contains(r.out, "BLOCKED  api") || !strings.Contains(r.out, "not run: db errored") || !strings.Contains(r.out, "1 blocked") {
		t.Errorf("exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
	r = launch(t, vars, "run", list, "--only", "flow")
	if r.code != 0 || !strings.Contains(r.out, "(run because flow needs it)") || !strings.Contains(r.out, "SKIP   db") {
		t.Errorf("--only flow: exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
}
