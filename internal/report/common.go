package report

import (
	"strconv"

	"github.com/launchgate/launchgate/internal/kind"
)

// The pieces below say the same thing the same way in every format that needs it: a format's
// own file holds only what is particular to that format.

// marks are the one-character status marks of the formats read as plain text.
var marks = map[kind.Status]string{kind.Pass: "✓", kind.Warn: "!", kind.Fail: "✗", kind.Error: "?", kind.Skip: "-",
	kind.Waived: "~", kind.Blocked: "⊘"}

// took is how long the check ran, or "—" for one skipped before it started.
func (e Entry) took() string {
	if e.CheckStatus == kind.Skip && e.Duration <= 0 {
		return "—"
	}
	return kind.Elapsed(e.Duration)
}

// alertLevel is how loudly a CI tool is asked to show e: "error" for a result that closed the
// gate, "warning" for a warning, waived (named differently by each tool) for a waived one, and
// "" for a result that needs no alert.
func alertLevel(e Entry, waived string) string {
	switch {
	case e.Blocking:
		return "error"
	case e.Status == kind.Warn:
		return "warning"
	case e.Status == kind.Waived:
		return waived
	}
	return ""
}

// findingLocation is file:line:column and the commit, as far as they are known.
func findingLocation(f kind.Finding) string {
	loc := f.File
	if f.Line > 0 {
		loc += ":" + strconv.Itoa(f.Line)
		if f.Column > 0 {
			loc += ":" + strconv.Itoa(f.Column)
		}
	}
	if f.Commit != "" {
		loc += " @ " + shortCommit(f.Commit)
	}
	return loc
}

// findingAlert is a finding's message for an alert that points at its file already: the
// message, the masked preview and the commit it is in.
func findingAlert(f kind.Finding) string {
	msg := f.Message
	if f.Preview != "" {
		msg += " (" + f.Preview + ")"
	}
	if f.Commit != "" {
		msg += " in commit " + shortCommit(f.Commit)
	}
	return msg
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
