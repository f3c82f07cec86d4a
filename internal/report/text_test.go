package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

func renderStyled(t *testing.T, format string, s Style, r *Report) string {
	t.Helper()
	f, _ := Lookup(format)
	var b bytes.Buffer
	if err := f.New(s).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTextGolden(t *testing.T) {
	golden.Check(t, "closed.txt", render(t, "text", fixtureReport()))
	golden.Check(t, "open.txt", render(t, "text", passingReport()))
	golden.Check(t, "closed.verbose.txt", []byte(renderStyled(t, "text", Style{Verbose: true}, fixtureReport())))
	golden.Check(t, "closed.80.txt", []byte(renderStyled(t, "text", Style{Width: 80}, fixtureReport())))
}

const longTitle = "Memory of redis://127.0.0.1:63790/0 stays under 80% of maxmemory"

func longTitleReport() *Report {
	r := passingReport()
	r.Results[0].Title = longTitle
	r.Results = append(r.Results, Entry{ID: "db", Type: "postgres.connections", Title: "Connection headroom on db.internal.example.com:5432",
		Status: kind.Fail, CheckStatus: kind.Fail, Blocking: true, Severity: config.Block, Summary: "92% in use"})
	r.Verdict = Closed
	return r
}

// Off a terminal (CI logs, a pipe, a file) nothing limits the width: a title is never cut, since
// its end is often what tells checks apart (the port in redis://127.0.0.1:63…).
func TestTextNeverCutsTitlesOffATerminal(t *testing.T) {
	out := render(t, "text", longTitleReport())
	row := lineWith(t, string(out), "api-health")
	if !strings.Contains(row, longTitle) {
		t.Errorf("the title was cut: %q", row)
	}
}

// On a terminal the rows fit its width: titles are cut to what is left, and shown whole in the
// details.
func TestTextFitsTitlesToTheTerminal(t *testing.T) {
	for _, width := range []int{70, 80, 120} {
		out := renderStyled(t, "text", Style{Width: width}, longTitleReport())
		row := lineWith(t, out, "api-health")
		if w := lipgloss.Width(row); w > width {
			t.Errorf("width %d: row is %d wide: %q", width, w, row)
		}
		if width < 100 && !strings.Contains(row, "…") {
			t.Errorf("width %d: the title was not cut: %q", width, row)
		}
		if !strings.Contains(out, "db · Connection headroom on db.internal.example.com:5432") {
			t.Errorf("width %d: the details do not show the whole title:\n%s", width, out)
		}
	}
	wide := renderStyled(t, "text", Style{Width: 200}, longTitleReport())
	if strings.Contains(wide, "…") {
		t.Errorf("a title was cut on a terminal wide enough:\n%s", wide)
	}
}

func lineWith(t *testing.T, out, s string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q in:\n%s", s, out)
	return ""
}

// verboseReport has a passing check whose evidence is worth seeing: PostgreSQL's
// max_connections was only visible in the JSON report.
func verboseReport() *Report {
	r := passingReport()
	r.Results[0] = Entry{ID: "db-pool", Type: "postgres.connections", Title: "Connection headroom on db:5432",
		Severity: config.Block, Status: kind.Pass, CheckStatus: kind.Pass, Summary: "12% of max_connections in use",
		Evidence: []kind.Evidence{{Label: "max_connections", Observed: "200", Status: kind.Pass},
			{Label: "in use", Observed: "24 of 200 (12%)", Expected: "≤ 80%", Status: kind.Pass}}}
	return r
}

// -v shows the evidence of passing checks too, in every format that otherwise shows details only
// for what did not pass.
func TestVerboseShowsTheEvidenceOfPassingChecks(t *testing.T) {
	for _, format := range []string{"text", "markdown", "github"} {
		if out := renderStyled(t, format, Style{}, verboseReport()); strings.Contains(out, "24 of 200 (12%)") {
			t.Errorf("%s without -v shows passing evidence:\n%s", format, out)
		}
		out := strings.ReplaceAll(renderStyled(t, format, Style{Verbose: true}, verboseReport()), `\_`, "_")
		if !strings.Contains(out, "✓ max_connections") && !strings.Contains(out, "| max_connections | 200 |") || !strings.Contains(out, "24 of 200 (12%)") {
			t.Errorf("%s with -v does not show the passing evidence:\n%s", format, out)
		}
	}
}

func TestTerminalWidth(t *testing.T) {
	env := func(cols string) func(string) string {
		return func(k string) string {
			if k == "COLUMNS" {
				return cols
			}
			return ""
		}
	}
	var b bytes.Buffer
	for _, tt := range []struct {
		tty  bool
		cols string
		want int
	}{
		{false, "100", 0},
		{true, "100", 100},
		{true, "", 80},
		{true, "wide", 80},
	} {
		if got := TerminalWidth(&b, tt.tty, env(tt.cols)); got != tt.want {
			t.Errorf("tty %v, COLUMNS %q: %d, want %d", tt.tty, tt.cols, got, tt.want)
		}
	}
}
