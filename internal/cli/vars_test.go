package cli_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/cli"
)

// jsonResults decodes the results of a --format json report.
func jsonResults(t *testing.T, out string) []map[string]any {
	t.Helper()
	var doc struct {
		Results []map[string]any `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, out)
	}
	return doc.Results
}

// TestVariablePrecedenceOnTheCommandLine: --var over --vars (a later file over an earlier one)
// over the environment over the checklist's vars:. The check's title shows which value won.
func TestVariablePrecedenceOnTheCommandLine(t *testing.T) {
	vars := fixture(t)
	dir := t.TempDir()
	list := writeFile(t, dir, "launchgate.yaml", "version: 1\nvars: {WHO: from-vars}\n"+
		"checks:\n  - id: a\n    type: http.health\n    title: ${WHO}\n    with: {url: '${OK_URL}'}\n")
	first := writeFile(t, dir, "envs/first.yaml", "WHO: from-first-file\n")
	second := writeFile(t, dir, "envs/second.yaml", "WHO: from-second-file\nOTHER: x\n")
	for _, tt := range []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"vars: alone", "", nil, "from-vars"},
		{"the environment over vars:", "from-env", nil, "from-env"},
		{"--vars over the environment", "from-env", []string{"--vars", first}, "from-first-file"},
		{"a later --vars file wins", "from-env", []string{"--vars", first, "--vars", second}, "from-second-file"},
		{"--var over --vars", "from-env", []string{"--var", "WHO=from-flag", "--vars", second}, "from-flag"},
		{"a later --var wins", "", []string{"--var", "WHO=one", "--var", "WHO=two"}, "two"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"OK_URL": vars["OK_URL"], "WHO": tt.env}
			r := launch(t, env, append([]string{"run", list, "--format", "json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			if got := jsonResults(t, r.out)[0]["title"]; got != tt.want {
				t.Errorf("title %q, want %q", got, tt.want)
			}
		})
	}
}

// TestVarsAreRedacted: values given with --var and --vars under secret-looking names never
// appear in any format, in a load error, or in the error about a bad --var.
func TestVarsAreRedacted(t *testing.T) {
	const token, session, unused = "tok_flag_5d4c3b2a1f", "sess-from-file-77aa", "unused-pw-0e9d8c"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A careless server that echoes the credentials back in an error body.
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, "bad credential %s for %s", r.Header.Get("Authorization"), r.URL)
	}))
	defer echo.Close()
	dir := t.TempDir()
	list := writeFile(t, dir, "l.yaml", "version: 1\nchecks:\n  - id: api\n    type: http.health\n    with:\n"+
		"      url: ${URL}/me?s=${SESSION_SECRET}\n      headers: {X-Auth: \"${API_TOKEN}\"}\n      expect_body: welcome\n")
	file := writeFile(t, dir, "envs/prod.yaml", "URL: "+echo.URL+"\nSESSION_SECRET: "+session+"\n")
	flags := []string{"--vars", file, "--var", "API_TOKEN=" + token, "--var", "UNUSED_PASSWORD=" + unused}
	leaks := func(t *testing.T, r result) {
		t.Helper()
		for _, s := range []string{token, session, unused} {
			if strings.Contains(r.out+r.errOut, s) {
				t.Errorf("output leaks %q:\n%s%s", s, r.out, r.errOut)
			}
		}
	}
	for _, format := range []string{"text", "json", "junit", "sarif", "markdown", "github"} {
		t.Run(format, func(t *testing.T) {
			r := launch(t, nil, append([]string{"run", list, "--format", format, "-v"}, flags...)...)
			if r.code != 1 {
				t.Errorf("exit %d: %s", r.code, r.errOut)
			}
			leaks(t, r)
		})
	}
	bad := writeFile(t, dir, "bad.yaml", "version: 1\nchecks:\n  - id: api\n    type: http.health\n    timeout: ${API_TOKEN}\n    with: {url: 'http://127.0.0.1:1/${SESSION_SECRET}'}\n")
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"a load error", append([]string{"validate", bad}, flags...), `bad.yaml:5:14: check "api": timeout: invalid duration "${API_TOKEN}"`},
		{"a --var without =", []string{"run", list, "--var", token}, "--var: expected NAME=VALUE, got an argument without ="},
		{"a --var with a bad name", []string{"run", list, "--var", "api-token=" + token}, `--var: "api-token" is not a variable name`},
		{"a bad --vars file", []string{"run", list, "--vars", writeFile(t, dir, "envs/bad.yaml", "API_TOKEN: ["+token+"]\n")},
			"bad.yaml:1:12: API_TOKEN: expected a value (a string, number or boolean), got a list"},
		{"a missing --vars file", []string{"run", list, "--vars", filepath.Join(dir, "envs/nope.yaml")}, "nope.yaml: cannot read vars file: no such file or directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := launch(t, nil, tt.args...)
			if r.code != cli.ExitCannotRun || !strings.Contains(r.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q, want 2 and %q", r.code, r.errOut, tt.want)
			}
			leaks(t, r)
		})
	}
}

// TestIncludedChecksRunWhereTheyAreWritten: a checklist read from standard input includes files
// relative to the working directory; a check from an included file resolves its relative paths
// against that file's directory, and the formats that point at a file point at that one.
func TestIncludedChecksRunWhereTheyAreWritten(t *testing.T) {
	vars := fixture(t)
	work := t.TempDir()
	writeFile(t, work, "shared/scanned/deploy.env", "GITHUB_TOKEN="+fakeGitHubToken(t)+"\n")
	shared := writeFile(t, work, "shared/security.yaml", "version: 1\nchecks:\n"+
		"  - id: no-secrets\n    type: secrets\n    with: {path: scanned, history: false}\n"+
		"  - id: down\n    type: http.health\n    with: {url: '${DOWN_URL}'}\n")
	stdin := "version: 1\ninclude: [shared/security.yaml]\nchecks:\n  - id: api\n    type: http.health\n    with: {url: '${OK_URL}'}\n"
	run := func(format string) result {
		return launchApp(t, vars, func(app *cli.App) {
			app.Dir = work
			app.IO.In = strings.NewReader(stdin)
		}, "run", "-", "--format", format)
	}
	r := run("json")
	if r.code != 1 {
		t.Fatalf("a secret in the scanned directory: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	res := jsonResults(t, r.out)
	if res[0]["id"] != "no-secrets" || res[0]["status"] != "fail" || res[0]["file"] != shared || res[0]["line"] != 3.0 {
		t.Errorf("the included secrets check: %v", res[0])
	}
	if res[1]["id"] != "down" || res[1]["file"] != shared || res[1]["line"] != 6.0 {
		t.Errorf("the included health check: %v", res[1])
	}
	if _, ok := res[2]["file"]; ok || res[2]["status"] != "pass" {
		t.Errorf("the checklist's own check: %v", res[2])
	}
	if r := run("github"); !strings.Contains(r.out, "::error file="+shared+",line=6,col=5,") {
		t.Errorf("the annotation does not point at the included file:\n%s", r.out)
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					Physical struct {
						Artifact struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							Line int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(run("sarif").out), &sarif); err != nil || len(sarif.Runs) != 1 {
		t.Fatalf("SARIF: %v", err)
	}
	found := false
	for _, res := range sarif.Runs[0].Results {
		if loc := res.Locations[0].Physical; res.RuleID == "http.health" {
			found = strings.HasSuffix(loc.Artifact.URI, "shared/security.yaml") && loc.Region.Line == 6
		}
	}
	if !found {
		t.Errorf("no SARIF result for the included check at shared/security.yaml:6: %+v", sarif.Runs[0].Results)
	}
}
