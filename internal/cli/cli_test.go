package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/cli"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type result struct {
	code        int
	out, errOut string
}

// launch runs the command line the way main does, with buffers for streams and a fixed clock.
func launch(t *testing.T, vars map[string]string, args ...string) result {
	t.Helper()
	return launchApp(t, vars, nil, args...)
}

// launchApp is launch with a hook to change the App first (its stdin, its signals).
func launchApp(t *testing.T, vars map[string]string, edit func(*cli.App), args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return vars[k] }
	app := &cli.App{
		IO: &cli.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Env: func() *kind.Env {
			env := kind.DefaultEnv("test")
			env.Now = func() time.Time { return fixedNow }
			env.Getenv = getenv
			return env
		},
		Dir: t.TempDir(),
	}
	if edit != nil {
		edit(app)
	}
	code := cli.Main(args, app)
	return result{code, out.String(), errOut.String()}
}

var ports = regexp.MustCompile(`127\.0\.0\.1:\d+`)

func goldenText(t *testing.T, name, got string) {
	t.Helper()
	got = ports.ReplaceAllString(got, "127.0.0.1:PORT")
	golden.Check(t, name, []byte(got))
}

// fixture starts the servers mixed.yaml points at.
func fixture(t *testing.T) map[string]string {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/health+json")
		fmt.Fprint(w, `{"status":"pass"}`)
	}))
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/health+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"status":"fail","checks":{"postgres:connections":[{"status":"fail","output":"pool exhausted"}]}}`)
	}))
	t.Cleanup(ok.Close)
	t.Cleanup(down.Close)
	return map[string]string{"OK_URL": ok.URL, "DOWN_URL": down.URL, "CLOSED_URL": "http://" + testsvc.ClosedAddr(t)}
}

func TestRunMixedGate(t *testing.T) {
	vars := fixture(t)
	for _, tt := range []struct {
		golden string
		extra  []string
		env    map[string]string
	}{
		{"run_mixed.1.txt", nil, nil},
		{"run_mixed.1.color.txt", nil, map[string]string{"FORCE_COLOR": "1"}},
		{"run_mixed.1.json", []string{"--format", "json"}, nil},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			v := map[string]string{}
			for k, x := range vars {
				v[k] = x
			}
			for k, x := range tt.env {
				v[k] = x
			}
			r := launch(t, v, append([]string{"run", "testdata/mixed.yaml"}, tt.extra...)...)
			if r.code != 1 {
				t.Errorf("exit code %d, want 1 (gate closed); stderr: %s", r.code, r.errOut)
			}
			if r.errOut != "" {
				t.Errorf("stderr is not empty off a terminal: %q", r.errOut)
			}
			goldenText(t, tt.golden, r.out)
		})
	}
}

func TestJSONIsAStableDocument(t *testing.T) {
	r := launch(t, fixture(t), "run", "testdata/mixed.yaml", "--format", "json")
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Gate          struct {
			Verdict string         `json:"verdict"`
			Counts  map[string]int `json:"counts"`
		} `json:"gate"`
		Results []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Blocking bool   `json:"blocking"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.out)
	}
	if doc.SchemaVersion != 1 || doc.Gate.Verdict != "closed" || doc.Gate.Counts["total"] != 5 {
		t.Errorf("gate: %+v", doc)
	}
	want := "api-health:pass:false payments:fail:true docs:warn:false search:error:true admin:skip:false"
	var got []string
	for _, x := range doc.Results {
		got = append(got, fmt.Sprintf("%s:%s:%v", x.ID, x.Status, x.Blocking))
	}
	if strings.Join(got, " ") != want {
		t.Errorf("results %q, want %q", strings.Join(got, " "), want)
	}
}

func TestExitCodes(t *testing.T) {
	vars := fixture(t)
	dir := t.TempDir()
	okList := filepath.Join(dir, "ok.yaml")
	os.WriteFile(okList, []byte("version: 1\nchecks:\n  - {id: a, type: http.health, with: {url: '${OK_URL}'}}\n"), 0o644)
	warnList := filepath.Join(dir, "warn.yaml")
	os.WriteFile(warnList, []byte("version: 1\nchecks:\n  - {id: a, type: http.health, severity: warn, with: {url: '${DOWN_URL}'}}\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"open gate", []string{"run", okList}, 0, ""},
		{"warning keeps the gate open", []string{"run", "-f", warnList}, 0, ""},
		{"--strict closes it on warnings", []string{"run", warnList, "--strict"}, 1, ""},
		{"--only selects by tag", []string{"run", "testdata/mixed.yaml", "--only", "smoke"}, 0, ""},
		{"--skip by id and tag", []string{"run", "testdata/mixed.yaml", "--skip", "payments,slow,docs"}, 0, ""},
		{"--only with an unknown name", []string{"run", "testdata/mixed.yaml", "--only", "smok"}, 2, "--only smok: no check in Checkout API launch has this id or tag"},
		{"missing file", []string{"run", filepath.Join(dir, "nope.yaml")}, 2, "nope.yaml: cannot read checklist: no such file or directory"},
		{"invalid checklist", []string{"run", "../config/testdata/invalid/typo-in-with.yaml"}, 2, `unknown parameter "max_latncy" (did you mean "max_latency"?)`},
		{"unknown flag", []string{"run", "--frmat", "json"}, 2, "unknown flag: --frmat"},
		{"unknown format", []string{"run", okList, "--format", "yaml"}, 2, `unknown --format "yaml"`},
		{"bad --output", []string{"run", okList, "--output", "junit"}, 2, `--output "junit": write FORMAT=PATH`},
		{"unwritable --output stops before any check runs", []string{"run", okList, "--output", "junit=" + filepath.Join(dir, "no", "x.xml")}, 2, "cannot write"},
		{"unknown command", []string{"rn"}, 2, `unknown command "rn"`},
		{"file twice", []string{"run", okList, "-f", warnList}, 2, "either as an argument or with -f"},
		{"check passes", []string{"check", "http.health", vars["OK_URL"]}, 0, ""},
		{"check fails", []string{"check", "http.health", "url=" + vars["DOWN_URL"]}, 1, ""},
		{"check with a typo", []string{"check", "http.health", "url=" + vars["OK_URL"], "max_latncy=1s"}, 2, `did you mean "max_latency"?`},
		{"check unknown kind", []string{"check", "http.helth"}, 2, `did you mean "http.health"?`},
		{"validate valid", []string{"validate", "testdata/mixed.yaml"}, 0, ""},
		{"validate invalid", []string{"validate", "../config/testdata/invalid/many-errors.yaml"}, 2, "many-errors.yaml:20:25"},
		{"explain unknown", []string{"explain", "nope"}, 2, `unknown check kind "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, vars, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.out, r.errOut)
			}
			if !strings.Contains(r.errOut, tt.stderr) {
				t.Errorf("stderr %q lacks %q", r.errOut, tt.stderr)
			}
		})
	}
}

func TestUnwritableStepSummaryKeepsTheVerdict(t *testing.T) {
	vars := fixture(t)
	vars["GITHUB_ACTIONS"], vars["GITHUB_STEP_SUMMARY"] = "true", filepath.Join(t.TempDir(), "no", "summary.md")
	r := launch(t, vars, "run", "testdata/mixed.yaml", "--only", "smoke")
	if r.code != 0 || !strings.Contains(r.errOut, "warning: could not append the summary") {
		t.Errorf("exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestDefaultChecklist(t *testing.T) {
	// With nothing configured, the default checklist still scans the working directory for
	// secrets: that check looks, so the gate can open.
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644)
	inDir := func(app *cli.App) { app.Dir = dir }
	r := launchApp(t, nil, inDir, "run")
	if r.code != 0 {
		t.Fatalf("exit %d with nothing configured: %s%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.out, "embedded default.yaml") || !strings.Contains(r.out, "set LAUNCHGATE_URL") {
		t.Errorf("default checklist output:\n%s", r.out)
	}
	// Without that scan nothing is left that looks at anything.
	if r := launchApp(t, nil, inDir, "run", "--skip", "secrets"); r.code != 1 || !strings.Contains(r.out, " NOTHING CHECKED ") {
		t.Errorf("default checklist with every check skipped: exit %d\n%s", r.code, r.out)
	}
	vars := fixture(t)
	r = launch(t, map[string]string{"LAUNCHGATE_URL": vars["DOWN_URL"]}, "run", "--only", "app-health")
	if r.code != 1 || !strings.Contains(r.out, "FAIL   app-health") {
		t.Errorf("default checklist against a failing app: exit %d\n%s", r.code, r.out)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const token = "tok_live_9f8e7d6c5b4a"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A careless server that echoes the credential back in an error body.
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad credential %s for %s", r.Header.Get("Authorization"), r.URL)
	}))
	defer echo.Close()
	dir := t.TempDir()
	list := filepath.Join(dir, "l.yaml")
	os.WriteFile(list, []byte(`version: 1
checks:
  - id: api
    type: http.health
    with:
      url: ${URL}/me?api_key=${KEY_IN_URL}
      headers: {Authorization: "Bearer ${API_TOKEN}"}
      expect_body: welcome
`), 0o644)
	vars := map[string]string{"URL": strings.Replace(echo.URL, "http://", "http://admin:hunter22@", 1), "API_TOKEN": token, "KEY_IN_URL": "k3y-in-url"}
	// A literal credential in a secret-looking header, echoed back by the server, is masked too.
	literal := filepath.Join(dir, "literal.yaml")
	os.WriteFile(literal, []byte("version: 1\nchecks:\n  - id: api\n    type: http.health\n    with:\n      url: ${URL}/me\n      headers: {Authorization: Bearer lit3ral-cred-42}\n      expect_body: welcome\n"), 0o644)
	if r := launch(t, vars, "run", literal, "--format", "json"); strings.Contains(r.out+r.errOut, "lit3ral-cred-42") || r.code != 1 {
		t.Errorf("a literal header credential leaks (exit %d):\n%s%s", r.code, r.out, r.errOut)
	}
	for _, format := range []string{"text", "json"} {
		r := launch(t, vars, "run", list, "--format", format)
		for _, secret := range []string{token, "hunter22", "k3y-in-url"} {
			if strings.Contains(r.out+r.errOut, secret) {
				t.Errorf("%s output leaks %q:\n%s%s", format, secret, r.out, r.errOut)
			}
		}
		if r.code != 1 {
			t.Errorf("%s: exit %d", format, r.code)
		}
	}
}

func TestExplainAndChecks(t *testing.T) {
	r := launch(t, nil, "explain", "http.health")
	if r.code != 0 {
		t.Fatal(r.errOut)
	}
	goldenText(t, "explain_http.health.txt", r.out)
	r = launch(t, nil, "checks")
	if r.code != 0 || !strings.Contains(r.out, "http.health") {
		t.Errorf("checks: %d %s", r.code, r.out)
	}
}

func TestInitWritesAValidStarter(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "launchgate.yaml")
	if r := launch(t, nil, "init", "-f", file); r.code != 0 {
		t.Fatalf("init: %s", r.errOut)
	}
	if r := launch(t, nil, "validate", file); r.code != 0 {
		t.Errorf("the starter does not validate: %s", r.errOut)
	}
	if r := launch(t, nil, "init", "-f", file); r.code != 2 || !strings.Contains(r.errOut, "already exists") {
		t.Errorf("init over an existing file: %d %s", r.code, r.errOut)
	}
}

func TestVersion(t *testing.T) {
	if r := launch(t, nil, "version"); r.code != 0 || !strings.HasPrefix(r.out, "launchgate ") {
		t.Errorf("version: %d %q", r.code, r.out)
	}
}
