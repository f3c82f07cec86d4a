package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/cli"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// launchIn runs the command line with dir as the working directory (App.Dir), as a developer
// at the root of a repository does.
func launchIn(t *testing.T, dir string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(string) string { return "" }
	app := &cli.App{
		IO: &cli.IOStreams{Out: &out, ErrOut: &errOut},
		Env: func() *kind.Env {
			env := kind.DefaultEnv("test")
			env.Now = func() time.Time { return fixedNow }
			env.Getenv = getenv
			return env
		},
		Dir: dir,
	}
	code := cli.Main(args, app)
	return result{code, out.String(), errOut.String()}
}

// gitRepo makes a repository in a temporary directory holding files, committed.
func gitRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		testsvc.Unavailable(t, "git", "apt-get install git", err)
	}
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "init"}} {
		cmd := exec.Command("git", append([]string{"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// TestDefaultChecklistFollowsBaselineRemedy: in a repository with a committed secret, `launchgate
// run` (the embedded default checklist) closes the gate and its remedy says to run `launchgate
// secrets baseline`; after doing exactly that, with no configuration, the gate opens and the
// evidence names the baseline. A new secret closes it again. No output holds a secret.
func TestDefaultChecklistFollowsBaselineRemedy(t *testing.T) {
	first, second := fakeGitHubToken(t), fakeGitHubToken(t)
	dir := gitRepo(t, map[string]string{"deploy/app.env": "GITHUB_TOKEN=" + first + "\n", "README": "app\n"})
	var outputs []string
	run := func() result {
		r := launchIn(t, dir, "run", "--only", "secrets")
		outputs = append(outputs, r.out, r.errOut)
		return r
	}

	r := run()
	if r.code != 1 || !strings.Contains(r.out, "`launchgate secrets baseline`") {
		t.Fatalf("a committed secret: exit %d, want 1 with the baseline remedy\n%s%s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.out, "deleting the file does not remove it from history") {
		t.Errorf("the remedy does not warn that the committed secret stays in history:\n%s", r.out)
	}

	b := launchIn(t, dir, "secrets", "baseline")
	outputs = append(outputs, b.out, b.errOut)
	want := filepath.Join(".launchgate", "secrets-baseline.yaml")
	if b.code != 0 || !strings.Contains(b.errOut, "wrote 1 accepted finding(s) to "+want) || !strings.Contains(b.errOut, "without configuration") {
		t.Fatalf("secrets baseline: exit %d\n%s%s", b.code, b.out, b.errOut)
	}
	data, err := os.ReadFile(filepath.Join(dir, want))
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(data))

	if r = run(); r.code != 0 || !strings.Contains(r.out, "1 accepted in .launchgate/secrets-baseline.yaml") {
		t.Fatalf("after following the remedy: exit %d, want 0 and the baseline in the summary\n%s%s", r.code, r.out, r.errOut)
	}
	js := launchIn(t, dir, "run", "--only", "secrets", "--format", "json")
	if js.code != 0 || !strings.Contains(js.out, `".launchgate/secrets-baseline.yaml, 1 accepted"`) {
		t.Errorf("the JSON report lacks the baseline evidence: exit %d\n%s", js.code, js.out)
	}

	// From a subdirectory, `secrets baseline ..` writes to the same file.
	b = launchIn(t, filepath.Join(dir, "deploy"), "secrets", "baseline", "..")
	if b.code != 0 || !strings.Contains(b.errOut, filepath.Join(dir, want)) {
		t.Errorf("secrets baseline .. from a subdirectory: exit %d\n%s", b.code, b.errOut)
	}

	if err := os.WriteFile(filepath.Join(dir, "deploy/app.env"), []byte("GITHUB_TOKEN="+first+"\nDEPLOY_TOKEN="+second+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r = run(); r.code != 1 || !strings.Contains(r.out, "deploy/app.env:2") {
		t.Errorf("a new secret beside the accepted one: exit %d\n%s", r.code, r.out)
	}
	for _, s := range outputs {
		if strings.Contains(s, first) || strings.Contains(s, second) {
			t.Errorf("a token leaked:\n%s", s)
		}
	}
}

// TestSecretsBaselineExplicitOutput: with -o the file goes where asked (relative to the working
// directory) and the message says to configure it.
func TestSecretsBaselineExplicitOutput(t *testing.T) {
	dir := gitRepo(t, map[string]string{"app.env": "GITHUB_TOKEN=" + fakeGitHubToken(t) + "\n"})
	b := launchIn(t, dir, "secrets", "baseline", "-o", "ci/accepted.yaml")
	if b.code != 0 || !strings.Contains(b.errOut, "set baseline: ci/accepted.yaml") {
		t.Fatalf("exit %d\n%s", b.code, b.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "ci/accepted.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".launchgate")); !os.IsNotExist(err) {
		t.Errorf("the default baseline was written too: %v", err)
	}
}
