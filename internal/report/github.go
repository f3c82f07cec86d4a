package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// GitHub renders GitHub Actions workflow commands: an ::error annotation for every check that
// closes the gate and for every secret finding, a ::warning for every warning, each pointing at
// the line that defines the check (or, for a secret, the line where it is), and the details of
// every check that did not pass (every check with Verbose) in a collapsible ::group::.
//
// GitHub shows at most 10 error and 10 warning annotations per step (50 per job), so the
// annotations come in checklist order and the full story is always in the groups below them.
type GitHub struct {
	Style
}

var _ Reporter = GitHub{}

func init() {
	RegisterFormat(Format{Name: "github", Description: "GitHub Actions annotations (::error, ::warning) and ::group:: details",
		New: func(s Style) Reporter { return GitHub{s} }})
}

func (g GitHub) Write(w io.Writer, r *Report) error {
	var b strings.Builder
	for _, e := range r.Results {
		checkAnnotation(&b, e, r.PathOf(e))
		for _, f := range e.Findings {
			findingAnnotation(&b, e, f)
		}
	}
	for _, e := range r.Results {
		if g.detailed(e) {
			detailsGroup(&b, e)
		}
	}
	fmt.Fprintf(&b, "launchgate: gate %s: %s\n", r.Verdict, r.Counts.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

// checkAnnotation annotates the line of file that defines a check which closed the gate, warns
// or was waived.
func checkAnnotation(b *strings.Builder, e Entry, file string) {
	level := alertLevel(e, "notice")
	if level == "" {
		return
	}
	msg := e.Summary
	if e.Remedy != "" {
		msg += "\n" + e.Remedy
	}
	var props [][2]string
	if file != "" && e.Line > 0 {
		props = annotationPlace(file, e.Line, e.Column)
	}
	props = append(props, [2]string{"title", fmt.Sprintf("%s %s: %s", strings.ToUpper(e.Status.String()), e.ID, e.Title)})
	workflowCommand(b, level, props, msg)
}

// findingAnnotation annotates where a secret is: an error when its check closed the gate, else
// a warning.
func findingAnnotation(b *strings.Builder, e Entry, f kind.Finding) {
	props := append(annotationPlace(f.File, f.Line, f.Column), [2]string{"title", "secret: " + f.Rule})
	level := "error"
	if !e.Blocking {
		level = "warning"
	}
	workflowCommand(b, level, props, findingAlert(f))
}

// annotationPlace is the file, line and column properties of an annotation, as far as they are
// known.
func annotationPlace(file string, line, col int) [][2]string {
	props := [][2]string{{"file", file}}
	if line > 0 {
		props = append(props, [2]string{"line", strconv.Itoa(line)})
		if col > 0 {
			props = append(props, [2]string{"col", strconv.Itoa(col)})
		}
	}
	return props
}

// detailsGroup is a check's details in a collapsible group of the log.
func detailsGroup(b *strings.Builder, e Entry) {
	workflowCommand(b, "group", nil, fmt.Sprintf("%s %s · %s (%s)", strings.ToUpper(e.Status.String()), e.ID, e.Title, e.Type))
	logLine(b, e.Summary)
	for _, ev := range e.Evidence {
		line := fmt.Sprintf("%s %s: %s", marks[ev.Status], ev.Label, ev.Observed)
		if ev.Expected != "" {
			line += " (expected " + ev.Expected + ")"
		}
		logLine(b, line)
	}
	for _, f := range e.Findings {
		logLine(b, fmt.Sprintf("%s %s %s: %s %s", marks[kind.Fail], findingLocation(f), f.Rule, f.Message, f.Preview))
	}
	if e.Remedy != "" {
		logLine(b, "→ "+e.Remedy)
	}
	b.WriteString("::endgroup::\n")
}

// workflowCommand writes ::name k=v,k=v::message with the escaping the Actions runner undoes:
// in the message % CR LF; in property values also : and , which would end the value.
func workflowCommand(b *strings.Builder, name string, props [][2]string, msg string) {
	b.WriteString("::" + name)
	for i, p := range props {
		if i == 0 {
			b.WriteString(" ")
		} else {
			b.WriteString(",")
		}
		b.WriteString(p[0] + "=" + escapeProperty(p[1]))
	}
	b.WriteString("::" + escapeData(msg) + "\n")
}

var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func escapeData(s string) string     { return dataEscaper.Replace(s) }
func escapeProperty(s string) string { return propertyEscaper.Replace(s) }

// logLine writes plain text inside a group, indented, one log line per line of text; a line
// that would read as a workflow command is quoted (see quoteCommand).
func logLine(b *strings.Builder, s string) {
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		b.WriteString("  " + quoteCommand(line) + "\n")
	}
}
