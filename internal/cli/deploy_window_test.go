package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestRunDeployWindow pins the text report of the example on its own Friday.
func TestRunDeployWindow(t *testing.T) {
	r := launch(t, nil, "run", "testdata/deploy_window.yaml", "--now", "2026-12-04T16:00:00+01:00")
	if r.code != 1 {
		t.Fatalf("exit %d:\n%s%s", r.code, r.out, r.errOut)
	}
	goldenText(t, "run_deploy_window.1.txt", r.out)
}

// TestExplainDeployWindow pins what `launchgate explain deploy.window` prints: every rule field
// under deny[] and allow[], and the example.
func TestExplainDeployWindow(t *testing.T) {
	r := launch(t, nil, "explain", "deploy.window")
	if r.code != 0 {
		t.Fatal(r.errOut)
	}
	goldenText(t, "explain_deploy.window.txt", r.out)
}

// exampleLine is a commented-out line of YAML in the starter (a key, a list item, a flow
// mapping), as opposed to a comment in prose.
var exampleLine = regexp.MustCompile(`^(\s*)# (\s*(- )?([a-z_]+:( |$)|\{).*)$`)

// TestStarterExamplesLoad: the starter's commented examples (the deploy window, the waiver)
// load once uncommented, so that a user who uncomments them gets a working gate.
func TestStarterExamplesLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "launchgate.yaml")
	if r := launch(t, nil, "init", "-f", file); r.code != 0 {
		t.Fatalf("init: %s", r.errOut)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	uncommented := 0
	for i, l := range lines {
		if exampleLine.MatchString(l) {
			lines[i] = exampleLine.ReplaceAllString(l, "$1$2")
			uncommented++
		}
	}
	full := filepath.Join(dir, "full.yaml")
	if err := os.WriteFile(full, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := launch(t, nil, "validate", full); r.code != 0 || uncommented < 20 {
		t.Fatalf("the starter with its %d example lines uncommented does not validate: %s\n%s", uncommented, r.errOut, strings.Join(lines, "\n"))
	}
	r := launch(t, nil, "run", full, "--only", "deploy-window", "--now", "2026-12-04T16:00:00+01:00")
	if r.code != 1 || !strings.Contains(r.out, "deploys are frozen until Mon 7 Dec 00:00 CET: no Friday afternoon deploys, then weekend") {
		t.Errorf("the starter's window on a Friday at 16:00: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}
