package cli

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/kind"
)

// ciApp is an App as a CI runner sees it: stdout and stderr are pipes (no TTY), the
// environment is exactly env, and the clock is fixed.
func ciApp(env map[string]string, dir string) (*App, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	now := time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	return &App{
		IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Env: func() *kind.Env {
			e := kind.DefaultEnv("test")
			e.Getenv = getenv
			e.Now = func() time.Time { return now }
			return e
		},
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

// The integrations shipped in the repository (docs/ci.md's examples, action.yml,
// .goreleaser.yaml, .pre-commit-hooks.yaml) are run here against a real launchgate binary,
// built once with the release ldflags, so none of them can rot unnoticed.

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Stamped into the test binary through .goreleaser.yaml's own ldflags.
const (
	stampVersion = "9.8.7"
	stampCommit  = "abc1234"
	stampDate    = "2026-03-14T09:26:53Z"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

type goreleaserConfig struct {
	ProjectName string `yaml:"project_name"`
	Builds      []struct {
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
		Flags   []string `yaml:"flags"`
		Env     []string `yaml:"env"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"archives"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// launchgateBinary builds cmd/launchgate the way .goreleaser.yaml does, with its ldflags
// rendered for stampVersion, stampCommit and stampDate.
func launchgateBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the launchgate binary")
	}
	root := repoRoot(t)
	binOnce.Do(func() {
		var cfg goreleaserConfig
		readYAML(t, filepath.Join(root, ".goreleaser.yaml"), &cfg)
		if len(cfg.Builds) != 1 {
			binErr = fmt.Errorf(".goreleaser.yaml: want one build, got %d", len(cfg.Builds))
			return
		}
		b := cfg.Builds[0]
		ld := strings.NewReplacer("{{.Version}}", stampVersion, "{{.ShortCommit}}", stampCommit, "{{.CommitDate}}", stampDate).
			Replace(strings.Join(b.Ldflags, " "))
		if strings.Contains(ld, "{{") {
			binErr = fmt.Errorf("ldflags use a template this test does not render: %s", ld)
			return
		}
		dir, err := os.MkdirTemp("", "launchgate-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, b.Binary)
		args := append([]string{"build"}, b.Flags...)
		args = append(args, "-ldflags", ld, "-o", binPath, b.Main)
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), b.Env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func TestGoreleaserBuildsAndStampsTheVersion(t *testing.T) {
	var cfg goreleaserConfig
	readYAML(t, filepath.Join(repoRoot(t), ".goreleaser.yaml"), &cfg)
	b := cfg.Builds[0]
	if strings.Join(b.Goos, ",") != "linux,darwin,windows" || strings.Join(b.Goarch, ",") != "amd64,arm64" {
		t.Errorf("release targets %v × %v, want linux/darwin/windows × amd64/arm64", b.Goos, b.Goarch)
	}
	out, err := exec.Command(launchgateBinary(t), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if want := "launchgate 9.8.7 (abc1234, 2026-03-14T09:26:53Z)\n"; string(out) != want {
		t.Errorf("launchgate version = %q, want %q: the -X paths in .goreleaser.yaml do not reach internal/version", out, want)
	}
}

// gateDir is a directory with a launchgate.yaml: one check against a loopback server that
// passes, or fails when failing is set.
func gateDir(t *testing.T, failing bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"status":"pass"}`))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	body := "version: 1\nname: docs example\nchecks:\n  - id: up\n    type: http.health\n    tags: [smoke]\n    with:\n      url: " + srv.URL + "/healthz\n"
	if err := os.WriteFile(filepath.Join(dir, "launchgate.yaml"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shell runs script with bash in dir, with the test binary first on PATH.
func shell(t *testing.T, dir, script string, env ...string) (int, string) {
	t.Helper()
	return shellEnv(t, dir, script, append(os.Environ(), env...))
}

// shellEnv runs script with bash in dir with exactly env, plus the test binary first on PATH.
func shellEnv(t *testing.T, dir, script string, env []string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(env, "PATH="+filepath.Dir(launchgateBinary(t))+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("bash: %v", err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// fencedBlocks returns the contents of a Markdown file's fenced code blocks.
func fencedBlocks(t *testing.T, path string) []string {
	t.Helper()
	var blocks []string
	for _, b := range markdownBlocks(t, path) {
		blocks = append(blocks, b.text)
	}
	return blocks
}

// mdBlock is a fenced code block: its info string (sh, yaml, text) and its contents.
type mdBlock struct {
	info, text string
	// line is where the block starts in the file, counting from 1.
	line int
}

func markdownBlocks(t *testing.T, path string) []mdBlock {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []mdBlock
	var cur *mdBlock
	var lines []string
	for i, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			if cur != nil {
				cur.text = strings.Join(lines, "\n")
				blocks = append(blocks, *cur)
				cur, lines = nil, nil
			} else {
				cur = &mdBlock{info: strings.TrimPrefix(strings.TrimSpace(line), "```"), line: i + 1}
			}
			continue
		}
		if cur != nil {
			lines = append(lines, line)
		}
	}
	return blocks
}

var outputFlag = regexp.MustCompile(`--output [a-z]+=(\S+)`)

// TestCIDocExamplesRun runs every launchgate command in docs/ci.md's code blocks, as written,
// in a directory with a launchgate.yaml, as CI would.
func TestCIDocExamplesRun(t *testing.T) {
	var commands []string
	for _, block := range fencedBlocks(t, filepath.Join(repoRoot(t), "docs", "ci.md")) {
		for _, line := range strings.Split(block, "\n") {
			l := strings.TrimSpace(line)
			l = strings.TrimPrefix(l, "- ")
			l = strings.TrimPrefix(l, "run: ")
			if strings.HasPrefix(l, "launchgate ") {
				commands = append(commands, l)
			}
		}
	}
	if len(commands) < 7 {
		t.Fatalf("found %d launchgate commands in docs/ci.md, expected at least 7: %q", len(commands), commands)
	}
	for _, c := range commands {
		t.Run(c, func(t *testing.T) {
			dir := gateDir(t, false)
			summary := filepath.Join(dir, "summary.md")
			code, out := shell(t, dir, c, "CI=true", "GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY="+summary, "NO_COLOR=")
			if code != ExitOpen {
				t.Fatalf("exit %d, want 0 (gate open):\n%s", code, out)
			}
			for _, m := range outputFlag.FindAllStringSubmatch(c, -1) {
				if b, err := os.ReadFile(filepath.Join(dir, m[1])); err != nil || len(b) == 0 {
					t.Errorf("--output %s not written: %v", m[1], err)
				}
			}
			if strings.HasPrefix(c, "launchgate run") {
				if b, _ := os.ReadFile(summary); !strings.Contains(string(b), "Gate open") {
					t.Errorf("GitHub Actions run without a step summary")
				}
			}
		})
	}
}

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			ID   string            `yaml:"id"`
			If   string            `yaml:"if"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			Env  map[string]string `yaml:"env"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var inputExpr = regexp.MustCompile(`\$\{\{\s*inputs\.([a-z-]+)\s*\}\}`)

// TestActionDocsMatchTheAction checks that the inputs docs/ci.md uses and documents are the
// action's, and that the archive the action downloads is the one GoReleaser publishes.
func TestActionDocsMatchTheAction(t *testing.T) {
	root := repoRoot(t)
	var action actionFile
	readYAML(t, filepath.Join(root, "action.yml"), &action)
	doc, _ := os.ReadFile(filepath.Join(root, "docs", "ci.md"))
	for name := range action.Inputs {
		if !strings.Contains(string(doc), "| `"+name+"` |") {
			t.Errorf("input %q is not documented in docs/ci.md", name)
		}
	}
	for _, block := range fencedBlocks(t, filepath.Join(root, "docs", "ci.md")) {
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Uses string         `yaml:"uses"`
					With map[string]any `yaml:"with"`
				} `yaml:"steps"`
			} `yaml:"jobs"`
		}
		if yaml.Unmarshal([]byte(block), &wf) != nil {
			continue
		}
		for _, job := range wf.Jobs {
			for _, s := range job.Steps {
				if !strings.HasPrefix(s.Uses, "launchgate/launchgate@") {
					continue
				}
				for k := range s.With {
					if _, ok := action.Inputs[k]; !ok {
						t.Errorf("docs/ci.md passes input %q, which action.yml does not have", k)
					}
				}
			}
		}
	}
	var cfg goreleaserConfig
	readYAML(t, filepath.Join(root, ".goreleaser.yaml"), &cfg)
	if got := cfg.Archives[0].NameTemplate; got != "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}" || cfg.ProjectName != "launchgate" {
		t.Errorf("archive name %q (project %q) no longer matches what action.yml downloads", got, cfg.ProjectName)
	}
	install := ""
	for _, s := range action.Runs.Steps {
		if s.ID == "install" {
			install = s.Run
		}
	}
	if !strings.Contains(install, `archive="launchgate_${tag#v}_${os}_${arch}.${ext}"`) || !strings.Contains(install, "sha256sum -c") {
		t.Errorf("the install step no longer downloads and verifies the GoReleaser archive:\n%s", install)
	}
}

// TestActionGateStep runs action.yml's gate step script with bash, its inputs rendered the way
// the Actions runner renders them, and reads what it writes to $GITHUB_OUTPUT.
func TestActionGateStep(t *testing.T) {
	var action actionFile
	readYAML(t, filepath.Join(repoRoot(t), "action.yml"), &action)
	var script string
	var stepEnv map[string]string
	for _, s := range action.Runs.Steps {
		if s.ID == "gate" {
			script, stepEnv = s.Run, s.Env
		}
	}
	if script == "" {
		t.Fatal("action.yml has no step with id gate")
	}
	cases := []struct {
		name     string
		failing  bool
		inputs   map[string]string
		code     int
		verdict  string
		exitCode string
		files    []string
	}{
		{name: "defaults, open", inputs: map[string]string{}, verdict: "open", exitCode: "0"},
		{name: "closed, reports written", failing: true,
			inputs:  map[string]string{"sarif": "true", "junit-file": "out/gate.xml", "args": "--strict --only smoke"},
			verdict: "closed", exitCode: "1", files: []string{"launchgate.sarif", "out/gate.xml"}},
		{name: "explicit file, text", inputs: map[string]string{"file": "launchgate.yaml", "format": "text"}, verdict: "open", exitCode: "0"},
		{name: "cannot run", inputs: map[string]string{"file": "missing.yaml"}, code: 2, verdict: "", exitCode: "2"},
		{name: "bad flag", inputs: map[string]string{"args": "--no-such-flag"}, code: 2, verdict: "", exitCode: "2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := gateDir(t, tc.failing)
			os.MkdirAll(filepath.Join(dir, "out"), 0o755)
			outputs := filepath.Join(t.TempDir(), "github_output")
			env := []string{"GITHUB_OUTPUT=" + outputs, "GITHUB_ACTIONS=true", "CI=true"}
			for k, v := range stepEnv {
				v = inputExpr.ReplaceAllStringFunc(v, func(m string) string {
					name := inputExpr.FindStringSubmatch(m)[1]
					if val, ok := tc.inputs[name]; ok {
						return val
					}
					in, ok := action.Inputs[name]
					if !ok {
						t.Fatalf("step env uses unknown input %q", name)
					}
					return in.Default
				})
				env = append(env, k+"="+v)
			}
			code, out := shell(t, dir, script, env...)
			if code != tc.code {
				t.Fatalf("script exit %d, want %d:\n%s", code, tc.code, out)
			}
			got, _ := os.ReadFile(outputs)
			want := "exit-code=" + tc.exitCode + "\nverdict=" + tc.verdict + "\n"
			if string(got) != want {
				t.Errorf("GITHUB_OUTPUT = %q, want %q\n%s", got, want, out)
			}
			for _, f := range tc.files {
				if b, err := os.ReadFile(filepath.Join(dir, f)); err != nil || len(b) == 0 {
					t.Errorf("%s not written: %v", f, err)
				}
			}
			if tc.inputs["format"] == "" && tc.failing && !strings.Contains(out, "::error ") {
				t.Errorf("the default format must annotate:\n%s", out)
			}
		})
	}
}

// TestPreCommitHookRefusesAStagedSecret runs each hook's entry in a git repository with a
// secret staged, and with a clean change staged.
func TestPreCommitHookRefusesAStagedSecret(t *testing.T) {
	if _, ok := kind.Lookup("secrets"); !ok {
		t.Skip("the secrets check kind is not registered in this build")
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	var hooks []struct {
		ID           string `yaml:"id"`
		Entry        string `yaml:"entry"`
		Language     string `yaml:"language"`
		PassFilename *bool  `yaml:"pass_filenames"`
	}
	readYAML(t, filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml"), &hooks)
	if len(hooks) == 0 {
		t.Fatal("no hooks")
	}
	// A token-shaped value made at run time, so no credential-looking string is committed.
	token := "gh" + "p_" + randomAlnum(t, 36)
	for _, h := range hooks {
		if !strings.HasPrefix(h.Entry, "launchgate ") || h.PassFilename == nil || *h.PassFilename {
			t.Errorf("hook %s: entry %q must run launchgate and take no file names", h.ID, h.Entry)
			continue
		}
		for _, staged := range []struct {
			content string
			code    int
		}{{"GITHUB_TOKEN=" + token + "\n", ExitClosed}, {"nothing to see\n", ExitOpen}} {
			repo := t.TempDir()
			git := func(args ...string) {
				cmd := exec.Command("git", args...)
				cmd.Dir = repo
				cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
					"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			git("init", "-q")
			os.WriteFile(filepath.Join(repo, "config.env"), []byte(staged.content), 0o644)
			git("add", "config.env")
			code, out := shell(t, repo, h.Entry)
			if code != staged.code {
				t.Errorf("hook %s with %q staged: exit %d, want %d\n%s", h.ID, strings.ReplaceAll(staged.content, token, "<token>"), code, staged.code, out)
			}
			if strings.Contains(out, token) {
				t.Errorf("hook %s printed the secret", h.ID)
			}
		}
	}
}

func randomAlnum(t *testing.T, n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
