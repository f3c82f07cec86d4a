package report

import (
	"strings"
	"testing"

	"github.com/launchgate/launchgate/checklists"
	"github.com/launchgate/launchgate/internal/check"
)

func TestMarkdownGolden(t *testing.T) {
	checkGolden(t, "closed.md", render(t, "markdown", fixtureReport()))
	checkGolden(t, "open.md", render(t, "markdown", passingReport()))
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
	for _, want := range []string{"<code>db-pool</code>", "**Remedy:** Raise max\\_connections", "`config/prod.env:3:19`", "`checklists/payments.yaml`"} {
		if !strings.Contains(doc, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(doc, "<code>api-health</code>") {
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
	r.File = checklists.DefaultName
	e := &r.Results[5]
	for i := 0; i < 200; i++ {
		e.Findings = append(e.Findings, check.Finding{Rule: "r", File: "f", Line: i + 1, Message: "m"})
	}
	doc := string(render(t, "markdown", r))
	if !strings.Contains(doc, "… and 152 more findings") {
		t.Errorf("findings beyond %d must be summarised", maxMarkdownFindings)
	}
	if strings.Contains(doc, checklists.DefaultName) {
		t.Error("the embedded checklist is not a file to point at")
	}
}
