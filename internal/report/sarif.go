package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/launchgate/launchgate/internal/check"
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
type SARIF struct{}

var _ Reporter = SARIF{}

func init() {
	RegisterFormat(Format{Name: "sarif", Description: "SARIF 2.1.0 for GitHub code scanning and other SARIF viewers",
		New: func(Style) Reporter { return SARIF{} }})
}

// MaxSARIFResults is GitHub code scanning's limit on results per run.
const MaxSARIFResults = 25000

// maxSARIFMessage bounds a result's message; the details are in the other reports.
const maxSARIFMessage = 4000

// sarifPlaceholderURI stands for a checklist that is not a file in the repository.
const sarifPlaceholderURI = "launchgate.yaml"

const informationURI = "https://github.com/launchgate/launchgate"

func (SARIF) Write(w io.Writer, r *Report) error {
	doc := sarif.NewReport()
	run := sarif.NewRunWithInformationURI("launchgate", informationURI)
	if r.Version != "" {
		run.Tool.Driver.WithVersion(r.Version)
	}
	// GitHub replaces the results of an earlier upload with the same category; one category
	// per checklist keeps two checklists' alerts apart.
	run.WithAutomationDetails(sarif.NewRunAutomationDetails().WithID("launchgate/" + slug(r.Checklist) + "/"))

	// Rules first, in checklist order, so ruleIndex is stable for a given checklist.
	for _, e := range r.Results {
		if run.GetRuleIndex(e.Type) < 0 {
			addTypeRule(run, e.Type)
		}
	}
	file := sarifURI(checklistPath(r))
	if file == "" {
		file = sarifPlaceholderURI
	}
	results, dropped := 0, 0
	add := func(res *sarif.Result) {
		if results >= MaxSARIFResults {
			dropped++
			return
		}
		run.AddResult(res)
		results++
	}
	for _, e := range r.Results {
		level := ""
		switch {
		case e.Blocking:
			level = "error"
		case e.Status == check.Warn:
			level = "warning"
		default:
			continue
		}
		if len(e.Findings) == 0 {
			msg := e.ID + ": " + e.Summary
			if e.Remedy != "" {
				msg += "\n" + e.Remedy
			}
			line := max(e.Line, 1)
			add(newSARIFResult(run, e.Type, level, msg, file, line, e.Column,
				fingerprint(e.Type, e.ID, file, "")))
			continue
		}
		for _, f := range e.Findings {
			ruleID := "secrets/" + f.Rule
			if run.GetRuleIndex(ruleID) < 0 {
				addSecretRule(run, ruleID, f.Rule)
			}
			msg := f.Message
			if f.Preview != "" {
				msg += " (" + f.Preview + ")"
			}
			if f.Commit != "" {
				msg += " in commit " + shortCommit(f.Commit)
			}
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
			add(newSARIFResult(run, ruleID, level, msg, uri, max(f.Line, 1), f.Column,
				fingerprint(ruleID, e.ID, uri, id)))
		}
	}
	if dropped > 0 {
		run.WithProperties(sarif.NewPropertyBag().
			Add("launchgate/resultsOmitted", dropped).
			Add("launchgate/resultsOmittedReason", fmt.Sprintf("GitHub accepts at most %d results per run", MaxSARIFResults)))
	}
	doc.AddRun(run)
	return doc.PrettyWrite(w)
}

func addTypeRule(run *sarif.Run, typ string) {
	desc := "launchgate check " + typ
	if k, ok := check.Lookup(typ); ok {
		desc = k.Summary
	}
	run.AddRule(typ).
		WithName(ruleName(typ)).
		WithDescription(desc).
		WithHelpURI(informationURI + "/blob/main/docs/checks/").
		WithMarkdownHelp(fmt.Sprintf("Run `launchgate explain %s` for the parameters of this check and what each status means.", typ)).
		WithProperties(sarif.NewPropertyBag().WithTags([]string{"launchgate", "launch-readiness"}))
}

func addSecretRule(run *sarif.Run, id, rule string) {
	run.AddRule(id).
		WithName(ruleName(id)).
		WithDescription("A secret matching the " + rule + " rule is committed to the repository.").
		WithMarkdownHelp("Revoke the secret first (it is compromised once pushed), then remove it from the file and from history.").
		WithProperties(sarif.NewPropertyBag().
			WithTags([]string{"launchgate", "security", "secret"}).
			// GitHub sorts security alerts by this CVSS-like score; a leaked credential is high.
			Add("security-severity", "8.5"))
}

func newSARIFResult(run *sarif.Run, ruleID, level, msg, uri string, line, col int, fp string) *sarif.Result {
	if len(msg) > maxSARIFMessage {
		msg = strings.ToValidUTF8(msg[:maxSARIFMessage], "") + "…"
	}
	region := sarif.NewRegion().WithStartLine(line)
	if col > 0 {
		region.WithStartColumn(col)
	}
	return sarif.NewRuleResult(ruleID).
		WithRuleIndex(run.GetRuleIndex(ruleID)).
		WithLevel(level).
		WithMessage(sarif.NewTextMessage(msg)).
		AddLocation(sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(uri)).
			WithRegion(region))).
		// primaryLocationLineHash is the key GitHub matches alerts on; the upload action only
		// computes its own (from line contents) when it is absent.
		WithPartialFingerprints(map[string]string{"primaryLocationLineHash": fp, "launchgate/v1": fp})
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
