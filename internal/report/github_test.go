package report

import (
	"bufio"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"
)

func TestGitHubGolden(t *testing.T) {
	golden.Check(t, "closed.github.txt", render(t, "github", fixtureReport()))
	golden.Check(t, "open.github.txt", render(t, "github", passingReport()))
}

type workflowCmd struct {
	name  string
	props map[string]string
	msg   string
}

// unescape undoes the runner's escaping (%25 %0D %0A %3A %2C), which is percent-decoding.
func unescape(t *testing.T, s string) string {
	t.Helper()
	v, err := url.PathUnescape(s)
	if err != nil {
		t.Fatalf("bad escape in %q: %v", s, err)
	}
	return v
}

// parseCommands reads workflow commands the way the Actions runner does: a line starting with
// ::, the name, properties split on , and =, then :: and the message.
func parseCommands(t *testing.T, out string) []workflowCmd {
	t.Helper()
	var cmds []workflowCmd
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(strings.TrimSpace(line), "::") {
			continue
		}
		if !strings.HasPrefix(line, "::") {
			t.Errorf("indented command-looking line: %q", line)
			continue
		}
		head, msg, ok := strings.Cut(line[2:], "::")
		if !ok {
			t.Errorf("not a command: %q", line)
			continue
		}
		name, rawProps, _ := strings.Cut(head, " ")
		c := workflowCmd{name: name, props: map[string]string{}, msg: unescape(t, msg)}
		if rawProps != "" {
			for _, kv := range strings.Split(rawProps, ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Errorf("property without =: %q in %q", kv, line)
				}
				c.props[k] = unescape(t, v)
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func TestGitHubAnnotationsRoundTrip(t *testing.T) {
	cmds := parseCommands(t, string(render(t, "github", fixtureReport())))
	var errs, warns []workflowCmd
	groups, ends := 0, 0
	for _, c := range cmds {
		switch c.name {
		case "error":
			errs = append(errs, c)
		case "warning":
			warns = append(warns, c)
		case "group":
			groups++
		case "endgroup":
			ends++
		default:
			t.Errorf("unexpected command %q", c.name)
		}
	}
	// db-pool, cache, no-secrets, and its two findings.
	if len(errs) != 5 || len(warns) != 1 {
		t.Fatalf("want 5 errors and 1 warning, got %d and %d: %+v", len(errs), len(warns), cmds)
	}
	if groups != 4 || ends != 4 {
		t.Errorf("want a group per non-passing check (4), got %d groups, %d ends", groups, ends)
	}
	db := errs[0]
	if db.props["file"] != "checklists/payments.yaml" || db.props["line"] != "31" || db.props["col"] != "5" ||
		db.props["title"] != "FAIL db-pool: Connections | headroom < 80%" {
		t.Errorf("check annotation properties: %+v", db.props)
	}
	if db.msg != "92% of max_connections in use: 184 of 200, limit 80%\nRaise max_connections or add a pooler (PgBouncer);\nthen rerun: launchgate run --only db" {
		t.Errorf("check annotation message: %q", db.msg)
	}
	secret := errs[4]
	if secret.props["file"] != "deploy/a,b:c%.yaml" || secret.props["line"] != "12" || secret.props["title"] != "secret: generic-password" ||
		!strings.Contains(secret.msg, "100% visible") {
		t.Errorf("secret annotation: %+v", secret)
	}
	if warns[0].props["line"] != "20" {
		t.Errorf("warning annotation: %+v", warns[0])
	}
}

func TestGitHubEscaping(t *testing.T) {
	var b strings.Builder
	workflowCommand(&b, "error", [][2]string{{"file", "a,b:c%d"}, {"title", "x\ny"}}, "50%\r\nnext: a, b")
	want := "::error file=a%2Cb%3Ac%25d,title=x%0Ay::50%25%0D%0Anext: a, b\n"
	if b.String() != want {
		t.Errorf("got  %q\nwant %q", b.String(), want)
	}
}

func TestGitHubDetailsCannotInjectCommands(t *testing.T) {
	r := fixtureReport()
	r.Results[2].Evidence[0].Observed = "fine\n::set-output name=x::y\n   ::add-mask::z"
	out := string(render(t, "github", r))
	for _, c := range parseCommands(t, out) {
		if c.name != "error" && c.name != "warning" && c.name != "group" && c.name != "endgroup" {
			t.Errorf("server text injected ::%s", c.name)
		}
	}
	if !strings.Contains(out, "| ::set-output") {
		t.Errorf("the line should be quoted:\n%s", out)
	}
}

func TestGitHubWithoutAFileHasNoFileProperty(t *testing.T) {
	r := fixtureReport()
	r.File = ""
	for _, c := range parseCommands(t, string(render(t, "github", r))) {
		if c.name == "error" && c.props["title"] != "" && !strings.HasPrefix(c.props["title"], "secret") {
			if _, ok := c.props["file"]; ok {
				t.Errorf("no checklist file, yet file=%q", c.props["file"])
			}
		}
	}
}

// FuzzWorkflowCommand: whatever the text, a command is one line, and the runner's unescaping
// gives back exactly the properties and message that went in.
func FuzzWorkflowCommand(f *testing.F) {
	f.Add("a,b:c%d", "x\ny", "50%\r\nnext: a, b")
	f.Add("", "::", "%0A")
	f.Fuzz(func(t *testing.T, file, title, msg string) {
		var b strings.Builder
		workflowCommand(&b, "error", [][2]string{{"file", file}, {"title", title}}, msg)
		out := b.String()
		if strings.Count(out, "\n") != 1 || strings.ContainsRune(strings.TrimSuffix(out, "\n"), '\r') {
			t.Fatalf("not one line: %q", out)
		}
		cmds := parseCommands(t, out)
		if len(cmds) != 1 {
			t.Fatalf("parsed %d commands from %q", len(cmds), out)
		}
		c := cmds[0]
		// The runner unescapes percent-encoding only for what we escaped; any other
		// %XX in the input was itself escaped to %25XX, so decoding is exact.
		if c.props["file"] != file || c.props["title"] != title || c.msg != msg {
			t.Errorf("round trip: %q %q %q -> %+v", file, title, msg, c)
		}
	})
}

func BenchmarkGitHub(b *testing.B) {
	r := bigReport(5000)
	for i := 0; i < b.N; i++ {
		if err := (GitHub{}).Write(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
