package report

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// SARIF renders SARIF 2.1.0 the way GitHub code scanning accepts it (see docs/ci.md):
//
//   - tool.driver.rules: one rule per check type in the checklist (id = the type, e.g.
//     "http.health") and one per secret rule that found something (id "secrets/<rule>");
//   - results: only what did not pass (GitHub shows every result as an alert, so passes would
//     be noise): level error for a blocking fail or error, warning for a warning;
//   - each result has one physical location, a uri relative to the repository root (GitHub
//     resolves it against the checkout, so run launchgate from there): for a secret, the file, line and column where it
//     is; for a live check, the checklist file and the line that defines the check. The
//     embedded default checklist is not in the repository, so its results point at the
//     placeholder "launchgate.yaml" (the file `launchgate init` writes) with the line in it;
//   - partialFingerprints are hashes of rule id, check id, file and the finding's own
//     fingerprint, never a line number, so an alert survives edits that move lines;
//   - GitHub accepts at most 25,000 results per run (and shows the first 5,000): results
//     beyond MaxSARIFResults are left out and the run's properties say how many.
//
// The document is built from plain structs holding only fields with content (every property
// SARIF defines but launchgate has nothing for is left out, so the spec's defaults apply) and
// written without indentation: SARIF is read by programs, and a 25,000-result file is a third
// of the size, and of the time to write, of an indented generic SARIF model.
type SARIF struct{}

func init() {
	registerFixed("sarif", "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers", SARIF{})
}

// MaxSARIFResults is GitHub code scanning's limit on results per run.
const MaxSARIFResults = 25000

// maxSARIFMessage bounds a result's message; the details are in the other reports.
const maxSARIFMessage = 4000

// sarifPlaceholderURI stands for a checklist that is not a file in the repository.
const sarifPlaceholderURI = "launchgate.yaml"

const (
	informationURI = "https://github.com/launchgate/launchgate"
	sarifSchema    = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/main/sarif-2.1/schema/sarif-schema-2.1.0.json"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool              sarifTool              `json:"tool"`
	AutomationDetails sarifAutomationDetails `json:"automationDetails"`
	// Results is written even when empty: an empty list says "looked, found nothing", an absent
	// one "did not run" (SARIF §3.14.23).
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifAutomationDetails struct {
	ID string `json:"id"`
}

type sarifRule struct {
	ID               string              `json:"id"`
	Name             string              `json:"name"`
	ShortDescription sarifText           `json:"shortDescription"`
	HelpURI          string              `json:"helpUri,omitempty"`
	Help             sarifHelp           `json:"help"`
	Properties       sarifRuleProperties `json:"properties"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifRuleProperties struct {
	Tags []string `json:"tags"`
	// SecuritySeverity is the CVSS-like score GitHub sorts security alerts by.
	SecuritySeverity string `json:"security-severity,omitempty"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
}

// sarifSuppression marks a waived result (SARIF 2.1.0 §3.35): "external" because the waiver
// lives in the checklist, not in the scanned file; code scanning then shows it as dismissed.
type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// sarifRules keeps the rules in the order they were added, so that ruleIndex is stable for a
// given checklist.
type sarifRules struct {
	rules []sarifRule
	index map[string]int
}

func (rs *sarifRules) add(r sarifRule) int {
	if i, ok := rs.index[r.ID]; ok {
		return i
	}
	rs.index[r.ID] = len(rs.rules)
	rs.rules = append(rs.rules, r)
	return len(rs.rules) - 1
}

func (SARIF) Write(w io.Writer, r *Report) error {
	s := newSARIFBuilder(r)
	for _, e := range r.Results {
		s.entry(e)
	}
	return s.encode(w, r.Version)
}

// sarifBuilder collects a run's rules and results.
type sarifBuilder struct {
	report *Report
	run    sarifRun
	rules  sarifRules
	// file is the uri that the results of live checks point at.
	file    string
	dropped int
}

func newSARIFBuilder(r *Report) *sarifBuilder {
	// GitHub replaces the results of an earlier upload with the same category; one category
	// per checklist keeps two checklists' alerts apart.
	s := &sarifBuilder{report: r, run: sarifRun{AutomationDetails: sarifAutomationDetails{ID: "launchgate/" + slug(r.Checklist) + "/"},
		Results: []sarifResult{}}, rules: sarifRules{index: map[string]int{}}}
	// Rules first, in checklist order.
	for _, e := range r.Results {
		s.rules.add(typeRule(e.Type))
	}
	s.file = sarifURI(r.Path())
	if s.file == "" {
		s.file = sarifPlaceholderURI
	}
	return s
}

// entry adds what a check that did not pass found: one result for the check, or one for each
// of its findings. A waived result keeps the level of what the check found, suppressed.
func (s *sarifBuilder) entry(e Entry) {
	level := alertLevel(e, "error")
	if level == "" {
		return
	}
	var sup []sarifSuppression
	if e.Status == kind.Waived {
		sup = []sarifSuppression{{Kind: "external", Justification: e.waiverJustification()}}
	}
	if len(e.Findings) == 0 {
		msg := e.ID + ": " + e.Summary
		if e.Remedy != "" {
			msg += "\n" + e.Remedy
		}
		file := s.file
		if e.File != "" {
			file = sarifURI(s.report.PathOf(e))
		}
		s.add(newSARIFResult(e.Type, s.rules.index[e.Type], level, msg, file, max(e.Line, 1), e.Column,
			fingerprint(e.Type, e.ID, file, "")), sup)
		return
	}
	for _, f := range e.Findings {
		s.finding(e, f, level, sup)
	}
}

// finding adds a secret finding under its rule, pointing at the file and line where it is.
func (s *sarifBuilder) finding(e Entry, f kind.Finding, level string, sup []sarifSuppression) {
	ruleID := "secrets/" + f.Rule
	idx := s.rules.add(secretRule(ruleID, f.Rule))
	msg := findingAlert(f)
	if e.Remedy != "" {
		msg += "\n" + e.Remedy
	}
	id := f.Fingerprint
	if id == "" {
		// Without the check's own fingerprint the line is all that tells two findings of
		// one rule in one file apart; it is combined with everything else, never alone.
		id = fmt.Sprintf("line %d, %s", f.Line, f.Commit)
	}
	uri := sarifURI(f.File)
	s.add(newSARIFResult(ruleID, idx, level, msg, uri, max(f.Line, 1), f.Column,
		fingerprint(ruleID, e.ID, uri, id)), sup)
}

// add keeps a result, up to MaxSARIFResults, and counts the rest.
func (s *sarifBuilder) add(res sarifResult, sup []sarifSuppression) {
	if len(s.run.Results) >= MaxSARIFResults {
		s.dropped++
		return
	}
	res.Suppressions = sup
	s.run.Results = append(s.run.Results, res)
}

// encode writes the log: the run, its rules, and how many results were left out.
func (s *sarifBuilder) encode(w io.Writer, version string) error {
	if s.dropped > 0 {
		s.run.Properties = map[string]any{
			"launchgate/resultsOmitted":       s.dropped,
			"launchgate/resultsOmittedReason": fmt.Sprintf("GitHub accepts at most %d results per run", MaxSARIFResults),
		}
	}
	s.run.Tool.Driver = sarifDriver{Name: "launchgate", Version: version, InformationURI: informationURI, Rules: s.rules.rules}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarifLog{Schema: sarifSchema, Version: "2.1.0", Runs: []sarifRun{s.run}}); err != nil {
		return err
	}
	return bw.Flush()
}

func typeRule(typ string) sarifRule {
	desc := "launchgate check " + typ
	if k, ok := kind.Lookup(typ); ok {
		desc = k.Summary
	}
	help := fmt.Sprintf("Run `launchgate explain %s` for the parameters of this check and what each status means.", typ)
	return sarifRule{ID: typ, Name: ruleName(typ), ShortDescription: sarifText{desc},
		HelpURI: informationURI + "/blob/main/docs/checks/", Help: sarifHelp{Text: help, Markdown: help},
		Properties: sarifRuleProperties{Tags: []string{"launchgate", "launch-readiness"}}}
}

func secretRule(id, rule string) sarifRule {
	help := "Revoke the secret first (it is compromised once pushed), then remove it from the file and from history."
	return sarifRule{ID: id, Name: ruleName(id),
		ShortDescription: sarifText{"A secret matching the " + rule + " rule is committed to the repository."},
		Help:             sarifHelp{Text: help, Markdown: help},
		// A leaked credential is a high-severity alert.
		Properties: sarifRuleProperties{Tags: []string{"launchgate", "security", "secret"}, SecuritySeverity: "8.5"}}
}

func newSARIFResult(ruleID string, ruleIndex int, level, msg, uri string, line, col int, fp string) sarifResult {
	if len(msg) > maxSARIFMessage {
		msg = strings.ToValidUTF8(msg[:maxSARIFMessage], "") + "…"
	}
	return sarifResult{RuleID: ruleID, RuleIndex: ruleIndex, Level: level, Message: sarifText{msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
			ArtifactLocation: sarifArtifactLocation{URI: uri},
			Region:           sarifRegion{StartLine: line, StartColumn: max(col, 0)}}}},
		// primaryLocationLineHash is the key GitHub matches alerts on; the upload action only
		// computes its own (from line contents) when it is absent.
		PartialFingerprints: map[string]string{"primaryLocationLineHash": fp, "launchgate/v1": fp}}
}

// fingerprint identifies a result across runs: what was checked and where it is defined, never
// where on which line it happens to sit today.
func fingerprint(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(h[:16])
}

// ruleName is the rule id in PascalCase, as SARIF viewers show rule names.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, c := range id {
		if c == '.' || c == '_' || c == '-' || c == '/' {
			up = true
			continue
		}
		if up {
			c = []rune(strings.ToUpper(string(c)))[0]
			up = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "checklist"
	}
	return s
}

// sarifURI turns a path into the relative URI reference SARIF requires: forward slashes, each
// segment percent-encoded, and ':' encoded too, since a colon in the first segment would make
// it read as a scheme.
func sarifURI(path string) string {
	if path == "" {
		return ""
	}
	segs := strings.Split(strings.TrimPrefix(filepath.ToSlash(path), "./"), "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}
