// Package report turns results into a gate verdict and renders it. Renderers render; the CLI
// decides the exit code from Report.Verdict.
package report

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/runner"
)

// Verdict is the gate's answer.
type Verdict string

const (
	// Open means deploy: only passes, warnings and skips (warnings close it under --strict).
	Open Verdict = "open"
	// Closed means do not deploy: a blocking check failed or errored.
	Closed Verdict = "closed"
)

// Report is a finished gate run.
type Report struct {
	Checklist string
	File      string
	// Embedded says the checklist is the one built into launchgate, no file a report can
	// point at.
	Embedded  bool
	Version   string
	Verdict   Verdict
	Strict    bool
	Counts    Counts
	StartedAt time.Time
	Duration  time.Duration
	Results   []Entry

	// NothingChecked is set by the CLI when it closed the gate because no check reached a
	// verdict; the text banner says so.
	NothingChecked bool
}

// Counts tallies results by status.
type Counts struct {
	Pass    int `json:"pass"`
	Warn    int `json:"warn"`
	Fail    int `json:"fail"`
	Error   int `json:"error"`
	Skip    int `json:"skip"`
	Waived  int `json:"waived"`
	Blocked int `json:"blocked"`
	Total   int `json:"total"`
}

// Entry is one check's result as reported.
type Entry struct {
	ID       string
	Type     string
	Title    string
	Severity config.Severity
	Tags     []string
	// Status is what counts for the gate: a failing check of severity warn reports Warn.
	Status kind.Status
	// CheckStatus is what the check itself said.
	CheckStatus kind.Status
	// Blocking is true when this result closed the gate.
	Blocking bool
	Summary  string
	Remedy   string
	Evidence []kind.Evidence
	Findings []kind.Finding
	// Series are measurements over time (a load test's); text draws them on a terminal.
	Series   []kind.Series
	Duration time.Duration
	// File is the checklist file that declares the check when it is not the checklist's own
	// (a file the checklist includes); empty otherwise. Line and Column locate the check in
	// that file.
	File         string
	Line, Column int
	// Waiver is the waiver that applies to the check, whether or not it was needed.
	Waiver *config.Waiver
	// Attempts says how a check that could be retried reached its result (its Count is 0 for
	// one that could not); the summary already says it in words.
	Attempts runner.Attempts
}

// Reinterpreted says why the gate reports another status than the check's own ("the check
// said fail; severity warn makes it a warning"), or "" when they agree.
func (e Entry) Reinterpreted() string {
	switch {
	case e.Status == e.CheckStatus:
		return ""
	case e.Status == kind.Waived:
		return fmt.Sprintf("the check said %s; %s", e.CheckStatus, e.waiverJustification())
	case e.Waiver != nil:
		return fmt.Sprintf("the check said %s; its waiver (owner %s) ended on %s", e.CheckStatus, e.Waiver.Owner, e.Waiver.UntilText)
	}
	return fmt.Sprintf("the check said %s; severity warn makes it a warning", e.CheckStatus)
}

// waiverJustification says who accepted a waived result, why, and until when.
func (e Entry) waiverJustification() string {
	if e.Waiver == nil {
		return e.Summary
	}
	return fmt.Sprintf("waived until %s by %s: %s", e.Waiver.UntilText, e.Waiver.Owner, e.Waiver.Reason)
}

// Options for Build.
type Options struct {
	Strict    bool
	Version   string
	StartedAt time.Time
	Duration  time.Duration
	// Redactor removes known secrets; URL and DSN passwords are removed regardless.
	Redactor *redact.Redactor
	// NoWaivers ignores the checklist's waivers (--no-waivers, for release branches).
	NoWaivers bool
}

// Build applies severities and the strict rule to results (each carrying its entry, in checklist
// order) and computes the verdict. Every text that reaches a renderer passes through the redactor and the escaping of
// text from outside here, in one place (see cleaner).
func Build(cl *config.Checklist, results []runner.Result, o Options) *Report {
	c := cleaner{o.Redactor}
	r := &Report{Checklist: c.line(cl.Name), File: c.line(cl.File), Version: o.Version, Strict: o.Strict,
		StartedAt: o.StartedAt, Duration: o.Duration, Verdict: Open}
	r.Embedded = cl.Embedded
	for _, res := range results {
		e := res.Entry
		en := Entry{ID: c.line(e.ID), Type: c.line(e.Type), Title: c.line(e.Title), Severity: e.Severity,
			Status: e.GateStatus(res.Status), CheckStatus: res.Status, Summary: c.line(res.Summary),
			Remedy: c.lines(res.Remedy), Duration: res.Duration, Line: e.Line, Column: e.Column, Attempts: res.Attempts}
		if e.File != cl.File {
			en.File = c.line(e.File)
		}
		for _, t := range e.Tags {
			en.Tags = append(en.Tags, c.line(t))
		}
		for _, ev := range res.Evidence {
			ev.Label, ev.Observed, ev.Expected = c.line(ev.Label), c.lines(ev.Observed), c.line(ev.Expected)
			en.Evidence = append(en.Evidence, ev)
		}
		for _, f := range res.Findings {
			f.Rule, f.File, f.Commit = c.line(f.Rule), c.line(f.File), c.line(f.Commit)
			f.Message, f.Preview = c.line(f.Message), c.line(f.Preview)
			en.Findings = append(en.Findings, f)
		}
		for _, sr := range res.Series {
			sr.Label, sr.Unit = c.line(sr.Label), c.line(sr.Unit)
			en.Series = append(en.Series, sr)
		}
		if w := cl.WaiverFor(e); w != nil && !o.NoWaivers {
			cw := *w
			cw.Check, cw.UntilText, cw.Reason, cw.Owner = c.line(w.Check), c.line(w.UntilText), c.line(w.Reason), c.line(w.Owner)
			applyWaiver(&en, e, &cw, o.StartedAt)
		}
		en.Blocking = en.Status.Closes() || (o.Strict && en.Status == kind.Warn)
		if en.Blocking {
			r.Verdict = Closed
		}
		r.Counts.add(en.Status)
		r.Results = append(r.Results, en)
	}
	return r
}

// applyWaiver judges a check under its waiver at the moment the run started: a valid waiver
// turns a failure or error into waived; an expired one turns it into a failure that says so;
// either kind on a check that now passes asks for the waiver to be removed.
func applyWaiver(en *Entry, e *config.Entry, w *config.Waiver, now time.Time) {
	en.Waiver = w
	failing := en.CheckStatus == kind.Fail || en.CheckStatus == kind.Error
	active := w.ActiveAt(now)
	switch {
	case active && failing:
		days := int(math.Ceil(w.Until.Sub(now).Hours() / 24))
		en.Status = kind.Waived
		en.Summary += fmt.Sprintf(" (waived, %d %s left)", days, kind.Plural(days, "day", "days"))
	case active && en.CheckStatus != kind.Skip:
		en.Summary += " (waiver no longer needed: remove it)"
	case failing:
		en.Status = e.GateStatus(kind.Fail)
		en.Summary = fmt.Sprintf("waiver expired on %s (owner %s): %s", w.UntilText, w.Owner, en.Summary)
	case en.CheckStatus == kind.Pass:
		en.Status = kind.Warn
		en.Summary = fmt.Sprintf("expired waiver no longer needed: remove it (it ended on %s); %s", w.UntilText, en.Summary)
	}
}

func (c *Counts) add(s kind.Status) {
	c.Total++
	switch s {
	case kind.Pass:
		c.Pass++
	case kind.Warn:
		c.Warn++
	case kind.Fail:
		c.Fail++
	case kind.Error:
		c.Error++
	case kind.Skip:
		c.Skip++
	case kind.Waived:
		c.Waived++
	case kind.Blocked:
		c.Blocked++
	}
}

// Summary is the counts in words, worst first: "1 failed · 1 blocked · 1 waived · 2 passed ·
// 1 skipped".
func (c Counts) Summary() string {
	parts := []string{}
	add := func(n int, one, many string) {
		if n > 0 {
			parts = append(parts, kind.Count(n, one, many))
		}
	}
	add(c.Fail, "failed", "failed")
	add(c.Error, "error", "errors")
	add(c.Blocked, "blocked", "blocked")
	add(c.Warn, "warning", "warnings")
	add(c.Waived, "waived", "waived")
	add(c.Pass, "passed", "passed")
	add(c.Skip, "skipped", "skipped")
	if len(parts) == 0 {
		return "no checks"
	}
	return strings.Join(parts, " · ")
}

// Reporter renders a report in one format.
type Reporter interface {
	Write(w io.Writer, r *Report) error
}

// Style carries what a renderer may need to know about where it writes.
type Style struct {
	// Color enables ANSI styling (only text uses it).
	Color bool
	// Width is the terminal's width in columns, 0 when the output is not a terminal: only then
	// is there a width to fit, and text cuts long titles to it.
	Width int
	// Verbose shows the details (evidence, findings) of passing and skipped checks too, in the
	// formats that otherwise show them only for what did not pass.
	Verbose bool
}

// detailed reports whether the details of e are shown: always for a check that did not pass,
// with Verbose also for one that passed or was skipped, if it has anything to show.
func (s Style) detailed(e Entry) bool {
	switch e.Status {
	case kind.Waived, kind.Warn, kind.Blocked, kind.Fail, kind.Error:
		return true
	}
	return s.Verbose && (len(e.Evidence) > 0 || len(e.Findings) > 0)
}

// Format describes a registered output format.
type Format struct {
	Name        string
	Description string
	New         func(Style) Reporter
}

var (
	formatsMu sync.RWMutex
	formats   = map[string]Format{}
)

// RegisterFormat adds an output format; each format's file calls it from init.
func RegisterFormat(f Format) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	if _, dup := formats[f.Name]; dup {
		panic("report: format registered twice: " + f.Name)
	}
	formats[f.Name] = f
}

// registerFixed adds a format whose output is the same whatever the Style (a document for
// programs: JSON, JUnit, SARIF). Passing r as a Reporter is the compile-time check that the
// format implements one.
func registerFixed(name, description string, r Reporter) {
	RegisterFormat(Format{Name: name, Description: description, New: func(Style) Reporter { return r }})
}

// Lookup finds a format by name.
func Lookup(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// FormatNames lists the registered formats, sorted.
func FormatNames() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Path is the checklist's path as CI tools want it (forward slashes, no leading ./), or "" when
// the checklist is not a file of the repository (the embedded default, a single `launchgate
// check`): the formats that point at a file use it.
func (r *Report) Path() string {
	if r.File == "" || r.Embedded {
		return ""
	}
	return ciPath(r.File)
}

// PathOf is the path, as Path gives it, of the file that declares e: an included file, or the
// checklist's own.
func (r *Report) PathOf(e Entry) string {
	if e.File == "" || r.Embedded {
		return r.Path()
	}
	return ciPath(e.File)
}

func ciPath(file string) string {
	return strings.TrimPrefix(filepath.ToSlash(filepath.Clean(file)), "./")
}
