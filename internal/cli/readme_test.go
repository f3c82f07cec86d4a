package cli

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// readmeCommands returns the commands README.md shows: every line of its sh blocks, and every
// "$ " line of its other blocks (transcripts).
func readmeCommands(t *testing.T) []string {
	t.Helper()
	var cmds []string
	for _, b := range markdownBlocks(t, filepath.Join(repoRoot(t), "README.md")) {
		for _, line := range strings.Split(b.text, "\n") {
			l := strings.TrimSpace(line)
			switch {
			case b.info == "sh" && l != "" && !strings.HasPrefix(l, "#"):
				cmds = append(cmds, l)
			case b.info != "sh" && strings.HasPrefix(l, "$ "):
				cmds = append(cmds, strings.TrimPrefix(l, "$ "))
			}
		}
	}
	return cmds
}

// withoutComment drops a shell comment at the end of a command line.
func withoutComment(cmd string) string {
	if i := strings.Index(cmd, " #"); i >= 0 {
		cmd = cmd[:i]
	}
	return strings.TrimSpace(cmd)
}

// TestREADMEKeepsTheTwoCommands: README's first code block holds the two commands that do
// everything on a fresh machine, and .ci/run runs exactly the test command it gives.
func TestREADMEKeepsTheTwoCommands(t *testing.T) {
	root := repoRoot(t)
	blocks := markdownBlocks(t, filepath.Join(root, "README.md"))
	if len(blocks) == 0 || blocks[0].info != "sh" || blocks[0].line > 30 {
		t.Fatalf("README's first code block must be the sh block with the two commands, near the top: %+v", blocks[:min(1, len(blocks))])
	}
	var got []string
	for _, line := range strings.Split(blocks[0].text, "\n") {
		got = append(got, withoutComment(line))
	}
	want := []string{"go run ./cmd/launchgate run", "go test -race ./..."}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README's two commands are %q, want %q", got, want)
	}
	ci, err := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, line := range strings.Split(string(ci), "\n") {
		if strings.TrimSpace(line) == want[1] {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf(".ci/run runs %q %d times, want exactly once:\n%s", want[1], runs, ci)
	}
}

// TestREADMECommandsRun runs every command README.md shows, as written, against loopback
// stand-ins for its example hosts: each must run (exit 0 or 1 with a gate banner), never fail
// to start (exit 2). `go run ./cmd/launchgate run` runs the binary built from ./cmd/launchgate
// in the repository itself with nothing configured. The test command is checked by
// TestREADMEKeepsTheTwoCommands, not run from inside the tests.
func TestREADMECommandsRun(t *testing.T) {
	root := repoRoot(t)
	var signups atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/signup" {
			if signups.Add(1) > 3 {
				w.Header().Set("Retry-After", "60")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			http.Error(w, "invalid password", http.StatusUnprocessableEntity)
			return
		}
		w.Header().Set("Content-Type", "application/health+json")
		w.Write([]byte(`{"status":"pass"}`))
	}))
	defer api.Close()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	defer tlsSrv.Close()
	examples := strings.NewReplacer("https://api.example.com", api.URL, "api.example.com", strings.TrimPrefix(tlsSrv.URL, "https://"))
	sandbox := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "checklists"), filepath.Join(sandbox, "checklists")); err != nil {
		t.Fatal(err)
	}
	// Nothing from the environment that runs the tests: only what the examples point at.
	clean := []string{"HOME=" + t.TempDir()}
	env := append(clean, "API_URL="+api.URL,
		"DATABASE_URL=postgres://launchgate@"+testsvc.ClosedAddr(t)+"/app?sslmode=disable",
		"REDIS_URL=redis://"+testsvc.ClosedAddr(t))

	cmds := readmeCommands(t)
	if len(cmds) < 10 {
		t.Fatalf("found %d commands in README.md, expected at least 10: %q", len(cmds), cmds)
	}
	banner := regexp.MustCompile(`(?m)^ (GATE OPEN|GATE CLOSED|NOTHING CHECKED) `)
	for _, c := range cmds {
		t.Run(c, func(t *testing.T) {
			switch {
			case strings.HasPrefix(c, "go test "):
				t.Skip("checked by TestREADMEKeepsTheTwoCommands")
			case strings.HasPrefix(c, "go run ./cmd/launchgate "):
				// Whether the gate opens is the repository's business (its history's secrets);
				// that the command runs the embedded default and looks at something is README's.
				code, out := shellEnv(t, root, "launchgate "+strings.TrimPrefix(c, "go run ./cmd/launchgate "), clean)
				secrets := regexp.MustCompile(`(?m)^  (PASS|WARN|FAIL) +secrets `)
				if (code != ExitOpen && code != ExitClosed) || !strings.Contains(out, "(embedded default.yaml)") || !secrets.MatchString(out) {
					t.Errorf("in the repository with nothing configured: exit %d, want the embedded default with its secrets scan:\n%s", code, out)
				}
				return
			}
			code, out := shellEnv(t, sandbox, examples.Replace(c), env)
			if (code != ExitOpen && code != ExitClosed) || !banner.MatchString(out) {
				t.Errorf("exit %d, want 0 or 1 and a gate banner:\n%s", code, out)
			}
		})
	}
}

// The transcript in README.md is a run of the checklist it names: its ids are that checklist's.
func TestREADMETranscriptMatchesItsChecklist(t *testing.T) {
	root := repoRoot(t)
	row := regexp.MustCompile(`^  (PASS|WARN|FAIL|ERROR|SKIP) +(\S+) `)
	found := 0
	for _, b := range markdownBlocks(t, filepath.Join(root, "README.md")) {
		lines := strings.Split(b.text, "\n")
		file, ok := strings.CutPrefix(lines[0], "$ launchgate run ")
		if !ok {
			continue
		}
		found++
		var list struct {
			Checks []struct {
				ID string `yaml:"id"`
			} `yaml:"checks"`
		}
		readYAML(t, filepath.Join(root, file), &list)
		var want, got []string
		for _, c := range list.Checks {
			want = append(want, c.ID)
		}
		for _, l := range lines[1:] {
			if m := row.FindStringSubmatch(l); m != nil {
				got = append(got, m[2])
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("README's run of %s shows checks %v, the file has %v", file, got, want)
		}
	}
	if found == 0 {
		t.Error("README.md shows no run of a shipped checklist")
	}
}

// Every checklist README.md and `launchgate run --help` name is shipped.
func TestNamedChecklistsExist(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var help bytes.Buffer
	app, _, _ := ciApp(nil, t.TempDir())
	app.IO.Out = &help
	if code := Main([]string{"run", "--help"}, app); code != ExitOpen {
		t.Fatalf("run --help: exit %d", code)
	}
	named := regexp.MustCompile(`checklists/[a-z0-9_-]+\.yaml`)
	for where, text := range map[string]string{"README.md": string(readme), "run --help": help.String()} {
		paths := named.FindAllString(text, -1)
		if len(paths) == 0 {
			t.Errorf("%s names no checklist", where)
		}
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s names %s: %v", where, p, err)
			}
		}
	}
}

// TestEveryKindIsDocumented: each registered kind has its row in README's table of kinds and its
// page at docs/checks/<kind>.md, where the house plan says it is, so that a new kind cannot land
// undocumented and a renamed one cannot leave a dead link.
func TestEveryKindIsDocumented(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range kind.KindNames() {
		if strings.HasPrefix(name, "servetest.") {
			continue // kinds this test binary registers for serve's own tests
		}
		doc := "docs/checks/" + name + ".md"
		if !strings.Contains(string(readme), "| `"+name+"` |") || !strings.Contains(string(readme), "]("+doc+")") {
			t.Errorf("README's table of kinds has no row for %s linking %s", name, doc)
		}
		if _, err := os.Stat("../../" + doc); err != nil {
			t.Errorf("%s has no documentation: %v", name, err)
		}
	}
}
