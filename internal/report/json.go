package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// JSONSchemaVersion is bumped only on incompatible changes to the JSON document; new fields may
// be added without a bump.
const JSONSchemaVersion = 1

// JSON renders the stable, documented JSON document (see docs/json-output.md).
type JSON struct{}

func init() {
	registerFixed("json", "a stable JSON document with the verdict and every result", JSON{})
}

type jsonDoc struct {
	SchemaVersion int           `json:"schema_version"`
	Version       string        `json:"launchgate_version"`
	Checklist     jsonChecklist `json:"checklist"`
	Gate          jsonGate      `json:"gate"`
	Results       []jsonResult  `json:"results"`
}

type jsonChecklist struct {
	Name string `json:"name"`
	File string `json:"file,omitempty"`
}

type jsonGate struct {
	Verdict    Verdict `json:"verdict"`
	Strict     bool    `json:"strict"`
	Counts     Counts  `json:"counts"`
	StartedAt  string  `json:"started_at,omitempty"`
	DurationMS int64   `json:"duration_ms"`
}

type jsonResult struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Severity    string          `json:"severity"`
	Tags        []string        `json:"tags"`
	Status      kind.Status     `json:"status"`
	CheckStatus kind.Status     `json:"check_status"`
	Blocking    bool            `json:"blocking"`
	Summary     string          `json:"summary"`
	Remedy      string          `json:"remedy,omitempty"`
	DurationMS  int64           `json:"duration_ms"`
	File        string          `json:"file,omitempty"`
	Line        int             `json:"line,omitempty"`
	Evidence    []kind.Evidence `json:"evidence"`
	Findings    []kind.Finding  `json:"findings,omitempty"`
	Series      []kind.Series   `json:"series,omitempty"`
	Waiver      *jsonWaiver     `json:"waiver,omitempty"`
	Attempts    *jsonAttempts   `json:"attempts,omitempty"`
}

// jsonAttempts is how a check that could be retried (retry:, --wait) reached its result.
type jsonAttempts struct {
	Count     int   `json:"count"`
	ElapsedMS int64 `json:"elapsed_ms"`
	WithinMS  int64 `json:"within_ms"`
	EveryMS   int64 `json:"every_ms"`
}

type jsonWaiver struct {
	Check string `json:"check"`
	Until string `json:"until"`
	// Expired is true when the run started after the waiver ended.
	Expired bool   `json:"expired"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner"`
}

func (JSON) Write(w io.Writer, r *Report) error {
	doc := jsonDoc{
		SchemaVersion: JSONSchemaVersion,
		Version:       r.Version,
		Checklist:     jsonChecklist{Name: r.Checklist, File: r.File},
		Gate:          jsonGate{Verdict: r.Verdict, Strict: r.Strict, Counts: r.Counts, DurationMS: r.Duration.Milliseconds()},
		Results:       make([]jsonResult, 0, len(r.Results)),
	}
	if !r.StartedAt.IsZero() {
		doc.Gate.StartedAt = r.StartedAt.UTC().Format(time.RFC3339)
	}
	for _, e := range r.Results {
		jr := jsonResult{ID: e.ID, Type: e.Type, Title: e.Title, Severity: string(e.Severity), Tags: e.Tags,
			Status: e.Status, CheckStatus: e.CheckStatus, Blocking: e.Blocking, Summary: e.Summary,
			Remedy: e.Remedy, DurationMS: e.Duration.Milliseconds(), File: e.File, Line: e.Line,
			Evidence: e.Evidence, Findings: e.Findings, Series: e.Series}
		if w := e.Waiver; w != nil {
			jr.Waiver = &jsonWaiver{Check: w.Check, Until: w.UntilText, Expired: !r.StartedAt.Before(w.Until),
				Reason: w.Reason, Owner: w.Owner}
		}
		if a := e.Attempts; a.Count > 0 {
			jr.Attempts = &jsonAttempts{Count: a.Count, ElapsedMS: a.Elapsed.Milliseconds(),
				WithinMS: a.Retry.Within.Milliseconds(), EveryMS: a.Retry.Every.Milliseconds()}
		}
		if jr.Tags == nil {
			jr.Tags = []string{}
		}
		if jr.Evidence == nil {
			jr.Evidence = []kind.Evidence{}
		}
		doc.Results = append(doc.Results, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
