package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// Markdown renders a summary fit for $GITHUB_STEP_SUMMARY and merge-request comments: the gate,
// one table row per check, and details (evidence, findings, remedy) for every check that did
// not pass (for every check with Verbose), folded in <details> so a long report stays readable.
// GitHub-flavoured Markdown; GitLab renders it the same.
type Markdown struct {
	Style
}

var _ Reporter = Markdown{}

func init() {
	RegisterFormat(Format{Name: "markdown", Description: "a Markdown summary for $GITHUB_STEP_SUMMARY and merge-request comments",
		New: func(s Style) Reporter { return Markdown{s} }})
}

// maxMarkdownFindings bounds the findings listed per check: GitHub accepts at most 1 MiB of
// step summary, and a scan that finds thousands of secrets must not lose the whole summary.
const maxMarkdownFindings = 50

var mdIcons = map[kind.Status]string{
	kind.Pass: "✅ pass", kind.Warn: "⚠️ warn", kind.Fail: "❌ fail", kind.Error: "❗ error", kind.Skip: "⏭️ skip",
	kind.Waived: "🏷️ waived", kind.Blocked: "⛔ blocked",
}

func (m Markdown) Write(w io.Writer, r *Report) error {
	var b strings.Builder
	mdHeader(&b, r)
	mdTable(&b, r)
	for _, e := range r.Results {
		if m.detailed(e) {
			mdDetails(&b, e)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdHeader is the gate's verdict and the checklist's name, then the counts, the time, the file,
// the version and the strict rule on one line.
func mdHeader(b *strings.Builder, r *Report) {
	verdict := "✅ Gate open"
	if r.Verdict == Closed {
		verdict = "⛔ Gate closed"
	}
	name := r.Checklist
	if name == "" {
		name = "launchgate"
	}
	fmt.Fprintf(b, "### %s · %s\n\n", verdict, mdEscape(name))
	meta := []string{r.Counts.Summary(), "in " + kind.Elapsed(r.Duration)}
	if p := r.Path(); p != "" {
		meta = append(meta, mdCode(p))
	}
	if r.Version != "" {
		meta = append(meta, "launchgate "+mdEscape(r.Version))
	}
	if r.Strict {
		meta = append(meta, "--strict: warnings close the gate")
	}
	b.WriteString(strings.Join(meta, " · ") + "\n\n")
}

// mdTable is a row per check.
func mdTable(b *strings.Builder, r *Report) {
	b.WriteString("| Status | Check | Type | Summary | Time |\n")
	b.WriteString("| --- | --- | --- | --- | ---: |\n")
	for _, e := range r.Results {
		status := mdIcons[e.Status]
		if e.Blocking && e.Status == kind.Warn {
			status += " (blocking)"
		}
		fmt.Fprintf(b, "| %s | %s %s | %s | %s | %s |\n",
			status, mdCode(e.ID), mdEscape(e.Title), mdCode(e.Type), mdEscape(e.Summary), e.took())
	}
}

// mdDetails is a check's details folded in <details>: summary, why its status, evidence,
// findings and remedy.
func mdDetails(b *strings.Builder, e Entry) {
	fmt.Fprintf(b, "\n<details><summary>%s %s %s</summary>\n\n",
		mdIcons[e.Status], mdCode(e.ID), htmlEscape(e.Title))
	fmt.Fprintf(b, "%s\n\n", mdEscape(e.Summary))
	if e.Status != e.CheckStatus {
		why := e.Reinterpreted()
		fmt.Fprintf(b, "_%s%s._\n\n", strings.ToUpper(why[:1]), mdEscape(why[1:]))
	}
	if len(e.Evidence) > 0 {
		b.WriteString("| | Evidence | Observed | Expected |\n| --- | --- | --- | --- |\n")
		for _, ev := range e.Evidence {
			fmt.Fprintf(b, "| %s | %s | %s | %s |\n", strings.Fields(mdIcons[ev.Status])[0],
				mdEscape(ev.Label), mdEscape(ev.Observed), mdEscape(ev.Expected))
		}
		b.WriteString("\n")
	}
	mdFindings(b, e.Findings)
	if e.Remedy != "" {
		fmt.Fprintf(b, "**Remedy:** %s\n\n", mdEscape(e.Remedy))
	}
	b.WriteString("</details>\n")
}

// mdFindings is a list item per finding, up to maxMarkdownFindings.
func mdFindings(b *strings.Builder, findings []kind.Finding) {
	for i, f := range findings {
		if i == maxMarkdownFindings {
			fmt.Fprintf(b, "- … and %d more findings (see the JSON or SARIF report)\n", len(findings)-i)
			break
		}
		fmt.Fprintf(b, "- %s %s: %s", mdCode(findingLocation(f)), mdEscape(f.Rule), mdEscape(f.Message))
		if f.Preview != "" {
			fmt.Fprintf(b, " (%s)", mdCode(f.Preview))
		}
		b.WriteString("\n")
	}
	if len(findings) > 0 {
		b.WriteString("\n")
	}
}

// mdEscaper makes any text inert in a table cell: Markdown punctuation is backslash-escaped,
// | would end the cell, HTML is escaped so a title like <batch> is shown and not swallowed,
// and a newline would end the row, so it becomes <br>.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "#", `\#`, "~", `\~`,
	"<", "&lt;", ">", "&gt;", "&", "&amp;",
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func mdEscape(s string) string { return mdEscaper.Replace(s) }

// mdCode renders text as inline code that is safe anywhere, table cells included. It is an
// HTML <code> element rather than a backtick span: inside backticks neither a backtick nor a
// backslash can be escaped, and the table parser splits on a pipe that follows a backslash.
// HTML entities have none of those problems.
func mdCode(s string) string { return "<code>" + htmlEscape(s) + "</code>" }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "|", "&#124;",
	"\\", "&#92;", "`", "&#96;", "\n", " ", "\r", " ")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }
