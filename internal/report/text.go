package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/launchgate/launchgate/internal/check"
)

// Text renders the report for a person at a terminal: one line per check, details and a remedy
// for every check that did not pass, and the gate banner. Without colour it is plain text with
// no escape codes, fit for CI logs.
type Text struct {
	Color bool
}

var _ Reporter = Text{}

func init() {
	RegisterFormat(Format{Name: "text", Description: "for people: one line per check, details, the gate banner",
		New: func(s Style) Reporter { return Text{Color: s.Color} }})
}

// maxTitle keeps the summary column on screen.
const maxTitle = 44

type palette struct {
	status map[check.Status]lipgloss.Style
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
		status: map[check.Status]lipgloss.Style{
			check.Pass: c("2"), check.Warn: c("3"), check.Fail: c("1"), check.Error: c("5"),
			check.Skip: r.NewStyle().Foreground(lipgloss.Color("8")),
		},
		dim:    r.NewStyle().Foreground(lipgloss.Color("8")),
		bold:   r.NewStyle().Bold(true),
		open:   r.NewStyle().Bold(true).Foreground(lipgloss.Color("0")).Background(lipgloss.Color("2")),
		closed: r.NewStyle().Bold(true).Foreground(lipgloss.Color("15")).Background(lipgloss.Color("1")),
	}
}

var marks = map[check.Status]string{check.Pass: "✓", check.Warn: "!", check.Fail: "✗", check.Error: "?", check.Skip: "-"}

func (t Text) Write(w io.Writer, r *Report) error {
	p := newPalette(w, t.Color)
	var b strings.Builder
	head := "launchgate"
	if r.Checklist != "" {
		head += " · " + r.Checklist
	}
	b.WriteString(p.bold.Render(head))
	if r.File != "" {
		b.WriteString(p.dim.Render(" (" + r.File + ")"))
	}
	b.WriteString("\n\n")

	idW, titleW := 2, 5
	for _, e := range r.Results {
		idW = max(idW, lipgloss.Width(e.ID))
		titleW = max(titleW, lipgloss.Width(truncate(e.Title, maxTitle)))
	}
	for _, e := range r.Results {
		dur := "—"
		if e.CheckStatus != check.Skip || e.Duration > 0 {
			dur = formatElapsed(e.Duration)
		}
		fmt.Fprintf(&b, "  %s  %s  %s  %s  %s\n",
			p.status[e.Status].Render(pad(strings.ToUpper(e.Status.String()), 5)),
			pad(e.ID, idW), pad(truncate(e.Title, maxTitle), titleW),
			p.dim.Render(padLeft(dur, 6)), e.Summary)
	}

	var details []Entry
	for _, e := range r.Results {
		if e.Status == check.Warn || e.Status == check.Fail || e.Status == check.Error {
			details = append(details, e)
		}
	}
	if len(details) > 0 {
		b.WriteString("\n" + p.bold.Render("Details") + "\n")
	}
	for _, e := range details {
		b.WriteString("\n")
		fmt.Fprintf(&b, "%s %s · %s %s\n", p.status[e.Status].Render(strings.ToUpper(e.Status.String())),
			p.bold.Render(e.ID), e.Title, p.dim.Render("("+e.Type+")"))
		if e.Status != e.CheckStatus {
			fmt.Fprintf(&b, "  %s\n", p.dim.Render(fmt.Sprintf("the check said %s; severity warn makes it a warning", e.CheckStatus)))
		}
		fmt.Fprintf(&b, "  %s\n", e.Summary)
		labelW := 0
		for _, ev := range e.Evidence {
			labelW = max(labelW, lipgloss.Width(ev.Label))
		}
		for _, ev := range e.Evidence {
			line := ev.Observed
			if ev.Expected != "" {
				line += p.dim.Render("  (expected " + ev.Expected + ")")
			}
			observed := continued(line, "    "+strings.Repeat(" ", labelW+2))
			fmt.Fprintf(&b, "  %s %s  %s\n", p.status[ev.Status].Render(marks[ev.Status]), pad(ev.Label, labelW), observed)
		}
		for _, f := range e.Findings {
			loc := f.File
			if f.Line > 0 {
				loc += fmt.Sprintf(":%d", f.Line)
				if f.Column > 0 {
					loc += fmt.Sprintf(":%d", f.Column)
				}
			}
			if f.Commit != "" {
				loc += " @ " + shortCommit(f.Commit)
			}
			fmt.Fprintf(&b, "  %s %s  %s %s\n", p.status[check.Fail].Render(marks[check.Fail]), loc, f.Message, p.dim.Render(f.Preview))
		}
		if e.Remedy != "" {
			fmt.Fprintf(&b, "  %s %s\n", p.bold.Render("→"), continued(e.Remedy, "    "))
		}
	}

	b.WriteString("\n")
	banner := p.open.Render(" GATE OPEN ")
	if r.Verdict == Closed {
		banner = p.closed.Render(" GATE CLOSED ")
	}
	fmt.Fprintf(&b, "%s  %s  %s\n", banner, r.Counts.Summary(), p.dim.Render("in "+formatElapsed(r.Duration)))
	if r.Counts.Total > 0 && r.Counts.Skip == r.Counts.Total {
		fmt.Fprintf(&b, "%s\n", p.dim.Render("no check ran: every check was skipped, so nothing was verified"))
	}
	if r.Strict && r.Counts.Warn > 0 {
		fmt.Fprintf(&b, "%s\n", p.dim.Render("--strict: warnings close the gate"))
	}
	_, err := io.WriteString(w, b.String())
	return err
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

func truncate(s string, w int) string {
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	return string(r[:w-1]) + "…"
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

// formatElapsed prints durations the way people read them: 42ms, 1.3s, 2m5s.
func formatElapsed(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return "0ms"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}
