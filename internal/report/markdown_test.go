package report

import (
	"io"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/checklists"
	"github.com/launchgate/launchgate/internal/kind"
)

func TestMarkdownGolden(t *testing.T) {
	golden.Check(t, "closed.md", render(t, "markdown", fixtureReport()))
	golden.Check(t, "open.md", render(t, "markdown", passingReport()))
}

// tableRows returns the rows of the first table, as cells split on unescaped pipes.
func tableRows(t *testing.T, doc string) [][]string {
	t.Helper()
	var rows [][]string
	in := false
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(line, "|") {
			if in {
				break
			}
			continue
		}
		in = true
		var cells []string
		cell := ""
		for i := 0; i < len(line); i++ {
			switch {
			case line[i] == '\\' && i+1 < len(line):
				cell += line[i : i+2]
				i++
			case line[i] == '|':
				cells = append(cells, cell)
				cell = ""
			default:
				cell += string(line[i])
			}
		}
		rows = append(rows, cells[1:])
	}
	return rows
}

func TestMarkdownTableHasOneRowPerCheckAndFixedColumns(t *testing.T) {
	r := fixtureReport()
	r.Results[0].Summary = "line one\nline two | with a pipe"
	r.Results[0].Title = "a `code` title | <b>"
	r.Results[0].ID = "odd|id"
	doc := string(render(t, "markdown", r))
	rows := tableRows(t, doc)
	if len(rows) != 2+len(r.Results) {
		t.Fatalf("want header, separator and %d rows, got %d:\n%s", len(r.Results), len(rows), doc)
	}
	for i, row := range rows {
		if len(row) != 5 {
			t.Errorf("row %d has %d cells, want 5: %q", i, len(row), row)
		}
	}
	if strings.Contains(doc, "<b>") || !strings.Contains(doc, "line one<br>line two \\| with a pipe") {
		t.Errorf("cells must escape newlines, pipes and HTML:\n%s", doc)
	}
}

func TestMarkdownVerdictAndDetails(t *testing.T) {
	doc := string(render(t, "markdown", fixtureReport()))
	if !strings.HasPrefix(doc, "### ⛔ Gate closed · Payments API launch\n") {
		t.Errorf("a closed gate must say so first:\n%s", doc)
	}
	for _, want := range []string{"<summary>❌ fail <code>db-pool</code>", "**Remedy:** Raise max\\_connections", "<code>config/prod.env:3:19</code>", "<code>checklists/payments.yaml</code>"} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(doc, "<summary>✅") || strings.Contains(doc, "<summary>⏭️") {
		t.Error("a passing check needs no details")
	}
	if strings.Count(doc, "<details>") != strings.Count(doc, "</details>") {
		t.Error("unbalanced <details>")
	}
	open := string(render(t, "markdown", passingReport()))
	if !strings.HasPrefix(open, "### ✅ Gate open · Starter\n") || strings.Contains(open, "<details>") {
		t.Errorf("an open gate:\n%s", open)
	}
}

func TestMarkdownCapsFindingsAndHidesTheEmbeddedPath(t *testing.T) {
	r := fixtureReport()
	r.File, r.Embedded = checklists.DefaultName, true
	e := &r.Results[5]
	for i := 0; i < 200; i++ {
		e.Findings = append(e.Findings, kind.Finding{Rule: "r", File: "f", Line: i + 1, Message: "m"})
	}
	doc := string(render(t, "markdown", r))
	if !strings.Contains(doc, "… and 152 more findings") {
		t.Errorf("findings beyond %d must be summarised", maxMarkdownFindings)
	}
	if strings.Contains(doc, checklists.DefaultName) {
		t.Error("the embedded checklist is not a file to point at")
	}
}

// FuzzMarkdownCell: whatever the text, an escaped cell stays one cell on one line, and it
// carries no raw HTML.
func FuzzMarkdownCell(f *testing.F) {
	f.Add("a | b\nc <b>x</b> `code` \\| done")
	f.Add("\r\n|\\")
	f.Fuzz(func(t *testing.T, s string) {
		row := "| " + mdEscape(s) + " | " + mdCode(s) + " |"
		if strings.ContainsAny(row, "\r\n") {
			t.Fatalf("row breaks across lines: %q", row)
		}
		if strings.ContainsAny(strings.ReplaceAll(mdEscape(s), "<br>", ""), "<>") {
			t.Fatalf("raw HTML survives: %q", mdEscape(s))
		}
		if code := strings.TrimSuffix(strings.TrimPrefix(mdCode(s), "<code>"), "</code>"); strings.ContainsAny(code, "<>|`\\\n") {
			t.Fatalf("code element carries raw text: %q", code)
		}
		cells := tableRows(t, row)
		if len(cells) != 1 || len(cells[0]) != 2 {
			t.Fatalf("%q splits into %v", row, cells)
		}
	})
}

// bigReport is a closed gate with n secret findings, for benchmarks.
func bigReport(n int) *Report {
	r := fixtureReport()
	e := &r.Results[5]
	for i := 0; i < n; i++ {
		e.Findings = append(e.Findings, kind.Finding{Rule: "generic-api-key", File: "src/keys.go", Line: i + 1, Column: 9,
			Message: "generic API key", Preview: "sk_live_****", Fingerprint: strings.Repeat("f", 15) + string(rune('a'+i%26))})
	}
	return r
}

func BenchmarkMarkdown(b *testing.B) {
	r := bigReport(5000)
	for i := 0; i < b.N; i++ {
		if err := (Markdown{}).Write(io.Discard, r); err != nil {
			b.Fatal(err)
		}
	}
}
