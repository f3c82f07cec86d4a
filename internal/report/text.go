package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/launchgate/launchgate/internal/kind"
)

// Text renders the report for a person at a terminal: one line per check, details and a remedy
// for every check that did not pass (for every check with Verbose), and the gate banner. Without
// colour it is plain text with no escape codes, fit for CI logs. Off a terminal nothing is cut;
// on one, titles are cut to fit its width and shown whole in the details.
type Text struct {
	Style
}

var _ Reporter = Text{}

func init() {
	RegisterFormat(Format{Name: "text", Description: "for people: one line per check, details, the gate banner",
		New: func(s Style) Reporter { return Text{s} }})
}

// On a terminal, titles give way to summaries, which say why, down to minTitle columns;
// summaries are given up to summaryRoom columns before titles are cut.
const (
	minTitle    = 20
	summaryRoom = 40
)

type palette struct {
	status map[kind.Status]lipgloss.Style
	dim    lipgloss.Style
	bold   lipgloss.Style
	open   lipgloss.Style
	closed lipgloss.Style
}

func newPalette(w io.Writer, color bool) palette {
	r := lipgloss.NewRenderer(w)
	if color {
		r.SetColorProfile(termenv.ANSI)
	} else {
		r.SetColorProfile(termenv.Ascii)
	}
	c := func(code string) lipgloss.Style { return r.NewStyle().Foreground(lipgloss.Color(code)).Bold(true) }
	return palette{
		status: map[kind.Status]lipgloss.Style{
			kind.Pass: c("2"), kind.Warn: c("3"), kind.Fail: c("1"), kind.Error: c("5"),
			kind.Blocked: c("1"), kind.Waived: c("6"),
			kind.Skip: r.NewStyle().Foreground(lipgloss.Color("8")),
		},
		dim:    r.NewStyle().Foreground(lipgloss.Color("8")),
		bold:   r.NewStyle().Bold(true),
		open:   r.NewStyle().Bold(true).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("2")),
		closed: r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")),
	}
}

func (t Text) Write(w io.Writer, r *Report) error {
	pg := &textPage{Text: t, p: newPalette(w, t.Color)}
	pg.header(r)
	pg.rows(r)
	pg.details(r)
	pg.banner(r)
	_, err := io.WriteString(w, pg.b.String())
	return err
}

// textPage is a text report being written.
type textPage struct {
	Text
	p palette
	b strings.Builder
}

// header names the checklist and its file.
func (pg *textPage) header(r *Report) {
	head := "launchgate"
	if r.Checklist != "" {
		head += " · " + r.Checklist
	}
	pg.b.WriteString(pg.p.bold.Render(head))
	if r.File != "" {
		pg.b.WriteString(pg.p.dim.Render(" (" + r.File + ")"))
	}
	pg.b.WriteString("\n\n")
}

// rows is one line per check: status, id, title, time, summary.
func (pg *textPage) rows(r *Report) {
	idW, titleW := pg.columns(r)
	statusW := 5
	for _, e := range r.Results {
		statusW = max(statusW, len(e.Status.String()))
	}
	for _, e := range r.Results {
		fmt.Fprintf(&pg.b, "  %s  %s  %s  %s  %s\n",
			pg.p.status[e.Status].Render(pad(strings.ToUpper(e.Status.String()), statusW)),
			pad(e.ID, idW), pad(truncate(e.Title, titleW), titleW),
			pg.p.dim.Render(padLeft(e.took(), 6)), e.Summary)
	}
}

// details is a block for every check whose details are shown, under a "Details" heading.
func (pg *textPage) details(r *Report) {
	heading := false
	for _, e := range r.Results {
		if !pg.detailed(e) {
			continue
		}
		if !heading {
			pg.b.WriteString("\n" + pg.p.bold.Render("Details") + "\n")
			heading = true
		}
		pg.entry(e)
	}
}

// entry is one check's details: what it is, why its status, its summary, evidence, findings,
// series and remedy.
func (pg *textPage) entry(e Entry) {
	p := pg.p
	fmt.Fprintf(&pg.b, "\n%s %s · %s %s\n", p.status[e.Status].Render(strings.ToUpper(e.Status.String())),
		p.bold.Render(e.ID), e.Title, p.dim.Render("("+e.Type+")"))
	if why := e.Reinterpreted(); why != "" {
		fmt.Fprintf(&pg.b, "  %s\n", p.dim.Render(why))
	}
	fmt.Fprintf(&pg.b, "  %s\n", e.Summary)
	labelW := pg.labelWidth(e)
	pg.evidence(e, labelW)
	for _, f := range e.Findings {
		fmt.Fprintf(&pg.b, "  %s %s  %s %s\n", p.status[kind.Fail].Render(marks[kind.Fail]), findingLocation(f), f.Message, p.dim.Render(f.Preview))
	}
	pg.series(e, labelW)
	if e.Remedy != "" {
		fmt.Fprintf(&pg.b, "  %s %s\n", p.bold.Render("→"), continued(e.Remedy, "    "))
	}
}

// labelWidth is the width of the label column of a check's evidence (and sparklines).
func (pg *textPage) labelWidth(e Entry) int {
	labelW := 0
	for _, ev := range e.Evidence {
		labelW = max(labelW, lipgloss.Width(ev.Label))
	}
	if pg.Width > 0 {
		for _, sr := range e.Series {
			labelW = max(labelW, lipgloss.Width(sr.Label))
		}
	}
	return labelW
}

// evidence is a line per piece of evidence: mark, label, what was observed and what was expected.
func (pg *textPage) evidence(e Entry, labelW int) {
	for _, ev := range e.Evidence {
		line := ev.Observed
		if ev.Expected != "" {
			line += pg.p.dim.Render("  (expected " + ev.Expected + ")")
		}
		observed := continued(line, "    "+strings.Repeat(" ", labelW+2))
		fmt.Fprintf(&pg.b, "  %s %s  %s\n", pg.p.status[ev.Status].Render(marks[ev.Status]), pad(ev.Label, labelW), observed)
	}
}

// series draws a check's measurements as sparklines, only on a terminal: a log or a file gets
// the figures, JSON the values.
func (pg *textPage) series(e Entry, labelW int) {
	if pg.Width <= 0 {
		return
	}
	for _, sr := range e.Series {
		fmt.Fprintf(&pg.b, "  %s %s  %s\n", pg.p.dim.Render("~"), pad(sr.Label, labelW), sparkline(sr, pg.Width-labelW-6))
	}
}

// banner is the gate's verdict, the counts and the time, and what a reader might misread.
func (pg *textPage) banner(r *Report) {
	p := pg.p
	pg.b.WriteString("\n")
	banner := p.open.Render(" GATE OPEN ")
	if r.Verdict == Closed {
		banner = p.closed.Render(" GATE CLOSED ")
	}
	if r.NothingChecked {
		banner = p.closed.Render(" NOTHING CHECKED ")
	}
	fmt.Fprintf(&pg.b, "%s  %s  %s\n", banner, r.Counts.Summary(), p.dim.Render("in "+kind.Elapsed(r.Duration)))
	if r.Counts.Total > 0 && r.Counts.Skip == r.Counts.Total {
		fmt.Fprintf(&pg.b, "%s\n", p.dim.Render("no check ran: every check was skipped, so nothing was verified"))
	}
	if r.Strict && r.Counts.Warn > 0 {
		fmt.Fprintf(&pg.b, "%s\n", p.dim.Render("--strict: warnings close the gate"))
	}
}

// columns are the widths of the id and title columns: as wide as the widest, except that on a
// terminal the title column gives way so that rows fit.
func (t Text) columns(r *Report) (idW, titleW int) {
	idW, titleW = 2, 5
	summaryW := 0
	for _, e := range r.Results {
		idW = max(idW, lipgloss.Width(e.ID))
		titleW = max(titleW, lipgloss.Width(e.Title))
		summaryW = max(summaryW, lipgloss.Width(e.Summary))
	}
	if t.Width <= 0 {
		return idW, titleW
	}
	// "  STATUS  id  title  duration  summary"
	fixed := 2 + 5 + 2 + idW + 2 + 2 + 6 + 2 + min(summaryW, summaryRoom)
	return idW, max(min(titleW, t.Width-fixed), min(titleW, minTitle))
}

func pad(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func padLeft(s string, w int) string {
	if n := lipgloss.Width(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

// truncate cuts s to w columns, the last of them an ellipsis.
func truncate(s string, w int) string {
	if lipgloss.Width(s) <= w {
		return s
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		rw := lipgloss.Width(string(r))
		if used+rw > w-1 {
			break
		}
		b.WriteRune(r)
		used += rw
	}
	return b.String() + "…"
}
