package report

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/launchgate/launchgate/internal/redact"
)

// cleaner makes text from checks, and from the targets and files they looked at, safe to print:
// secrets are redacted, and nothing in it can act on a terminal or a log. A file name with a
// newline in it, a git error, a server's ANSI escapes would otherwise print lines of their own at
// column 0 ("GATE OPEN", a GitHub "::error" command) or rewrite what is on screen. So:
//
//   - one-line fields (titles, summaries, file names…) show \n, \r and \t escaped;
//   - multi-line fields (evidence observed, remedies) keep \n and \t, and every renderer indents
//     their continuation lines;
//   - other control characters, and the Unicode characters that reorder or break lines (bidi
//     overrides, U+2028), are shown as \xNN or \uNNNN;
//   - bytes that are not UTF-8 are shown as \xNN, so every format's output is valid UTF-8.
//
// Redaction comes first: escaping could split a secret that the redactor would recognise.
type cleaner struct{ rd *redact.Redactor }

func (c cleaner) line(s string) string  { return escape(c.rd.String(s), false) }
func (c cleaner) lines(s string) string { return escape(c.rd.String(s), true) }

func escape(s string, multiLine bool) string {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || mustEscape(r, multiLine) {
			break
		}
		i += size
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !mustEscape(r, multiLine):
			b.WriteString(s[i : i+size])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += size
	}
	return b.String()
}

func mustEscape(r rune, multiLine bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !multiLine
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069): // bidi controls
		return true
	}
	return false
}

// continued indents the continuation lines of a multi-line field with prefix, so that none
// starts at column 0 where it could pass for a line of launchgate's own, and quotes with "| " a
// line that a CI runner would take for a command: GitHub Actions reads "::name::" and the older
// "##[name]" from every line of a step's output, whatever the format and after any indentation.
func continued(s, prefix string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines[1:] {
		lines[i+1] = prefix + quoteCommand(l)
	}
	return strings.Join(lines, "\n")
}

// quoteCommand prefixes a line that reads as a CI workflow command with "| ".
func quoteCommand(l string) string {
	if t := strings.TrimLeft(l, " \t"); strings.HasPrefix(t, "::") || strings.HasPrefix(t, "##[") {
		return "| " + l
	}
	return l
}

// Message makes a message for stderr (an error quoting a URL, a server, a file name) as safe as
// report text: redacted, control characters escaped, continuation lines indented and workflow
// commands quoted, since CI reads stderr as much as stdout.
func Message(rd *redact.Redactor, s string) string {
	s = escape(rd.String(s), true)
	if strings.Contains(s, "\n") {
		s = "\n" + s
	}
	return continued(s, "  ")
}
