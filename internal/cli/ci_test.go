package cli

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/check"
)

// ciApp is an App as a CI runner sees it: stdout and stderr are pipes (no TTY), the
// environment is exactly env, and the clock is fixed.
func ciApp(env map[string]string, dir string) (*App, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	now := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	return &App{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: getenv,
		Env: func() *check.Env {
			e := check.DefaultEnv("test")
			e.Getenv = getenv
			return e
		},
		Now: func() time.Time { return now },
		Dir: dir,
	}, &out, &errOut
}

// gateChecklist writes a checklist with a passing, a failing and a warn-severity failing check
// against a loopback server.
func gateChecklist(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"status":"pass"}`))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	path := filepath.Join(dir, "gate.yaml")
	body := `version: 1
name: CI gate
checks:
  - id: up
    type: http.health
    with:
      url: ` + srv.URL + `/healthz
  - id: broken
    type: http.health
    with:
      url: ` + srv.URL + `/broken
  - id: optional
    type: http.health
    severity: warn
    with:
      url: ` + srv.URL + `/broken
`
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type verdict struct {
	Gate struct {
		Verdict string         `json:"verdict"`
		Counts  map[string]int `json:"counts"`
	} `json:"gate"`
	Results []struct {
		ID       string `json:"id"`
		Status   string `json:"status"`
		Blocking bool   `json:"blocking"`
	} `json:"results"`
}

func TestCIDoesNotChangeVerdicts(t *testing.T) {
	file := gateChecklist(t)
	run := func(env map[string]string, args ...string) (int, verdict, string, string) {
		app, out, errOut := ciApp(env, t.TempDir())
		code := Main(append([]string{"run", "-f", file}, args...), app)
		var v verdict
		if strings.Contains(strings.Join(args, " "), "json") {
			if err := json.Unmarshal(out.Bytes(), &v); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
		}
		return code, v, out.String(), errOut.String()
	}
	for _, strict := range []bool{false, true} {
		args := []string{"--format", "json"}
		if strict {
			args = append(args, "--strict")
		}
		codeLocal, local, _, _ := run(map[string]string{}, args...)
		codeCI, ci, _, _ := run(map[string]string{"CI": "true", "GITHUB_ACTIONS": "true", "GITLAB_CI": "true"}, args...)
		if codeLocal != ExitClosed || codeCI != codeLocal {
			t.Errorf("strict=%v: exit %d locally, %d with CI=true; want %d for both", strict, codeLocal, codeCI, ExitClosed)
		}
		lj, _ := json.Marshal(local)
		cj, _ := json.Marshal(ci)
		if string(lj) != string(cj) {
			t.Errorf("strict=%v: verdicts differ:\nlocal %s\nCI    %s", strict, lj, cj)
		}
		if local.Gate.Verdict != "closed" || local.Gate.Counts["fail"] != 1 || local.Gate.Counts["warn"] != 1 {
			t.Errorf("unexpected verdict %s", lj)
		}
	}
}

func TestCIOutputHasNoColourOrProgress(t *testing.T) {
	file := gateChecklist(t)
	for _, env := range []map[string]string{{}, {"CI": "true"}, {"CI": "true", "TERM": "xterm-256color"}} {
		app, out, errOut := ciApp(env, t.TempDir())
		if code := Main([]string{"run", "-f", file}, app); code != ExitClosed {
			t.Errorf("env %v: exit %d", env, code)
		}
		if strings.Contains(out.String(), "\x1b[") || strings.Contains(errOut.String(), "\x1b[") || strings.Contains(errOut.String(), "\r") {
			t.Errorf("env %v: escape codes or a progress line without a TTY:\nstdout %q\nstderr %q", env, out, errOut)
		}
		if !strings.Contains(out.String(), "GATE CLOSED") {
			t.Errorf("env %v: no gate banner:\n%s", env, out)
		}
	}
}

func TestGitHubActionsGetsTheStepSummaryAndReports(t *testing.T) {
	file := gateChecklist(t)
	dir := t.TempDir()
	summary := filepath.Join(dir, "summary.md")
	os.WriteFile(summary, []byte("earlier step\n"), 0o644)
	app, out, _ := ciApp(map[string]string{"CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}, dir)
	junit, sarif := filepath.Join(dir, "gate.xml"), filepath.Join(dir, "gate.sarif")
	code := Main([]string{"run", "-f", file, "--format", "github", "--output", "junit=" + junit, "--output", "sarif=" + sarif}, app)
	if code != ExitClosed {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out.String(), "::error ") || !strings.Contains(out.String(), "title=FAIL broken") {
		t.Errorf("no annotation for the failed check:\n%s", out)
	}
	md, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(md), "earlier step\n### ⛔ Gate closed · CI gate") {
		t.Errorf("the step summary must be appended to:\n%s", md)
	}
	for _, f := range []string{junit, sarif} {
		if b, err := os.ReadFile(f); err != nil || len(b) == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}

func TestSchemaCommand(t *testing.T) {
	app, out, _ := ciApp(map[string]string{}, t.TempDir())
	if code := Main([]string{"schema"}, app); code != ExitOpen {
		t.Fatalf("exit %d", code)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc["$schema"] != "http://json-schema.org/draft-07/schema#" || !strings.Contains(out.String(), `"with:http.health"`) {
		t.Errorf("unexpected schema:\n%.400s", out)
	}
}
