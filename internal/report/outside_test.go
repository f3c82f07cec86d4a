package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
	"github.com/launchgate/launchgate/internal/runner"
)

// allFormats renders r in every registered format.
func allFormats(t *testing.T, r *Report) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range FormatNames() {
		out[name] = string(render(t, name, r))
	}
	if len(out) < 6 {
		t.Fatalf("only %d formats registered: %v", len(out), FormatNames())
	}
	return out
}

// buildAs builds a report the way `launchgate run` does: entries as the loader made them (the
// secrets it collected in cl.Secrets) and results as checks returned them.
func buildAs(cl *config.Checklist, results ...kind.Result) *Report {
	return Build(cl, paired(cl, results...), Options{Redactor: redact.New(cl.Secrets...)})
}

// paired gives each result the entry at its position, as the runner does.
func paired(cl *config.Checklist, results ...kind.Result) []runner.Result {
	out := make([]runner.Result, len(results))
	for i, r := range results {
		out[i] = runner.Result{Entry: cl.Checks[i], Result: r}
	}
	return out
}

// A DSN whose password has an unencoded '@': the driver takes "Horse99@db.internal" for the
// host, and the check prints it in its title (made at load time) and summary. The loader knows
// the DSN is secret (a dsn parameter) and so does the report: no format may show any piece of
// the password.
func TestNoFormatShowsAPieceOfAMalformedDSN(t *testing.T) {
	for _, tt := range []struct{ name, secret string }{
		{"the dsn parameter", "postgres://app:Tr0ub4dor@Horse99@db.internal:5432/app"},
		{"a ${PG_PASSWORD} in it", "Tr0ub4dor@Horse99"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cl := &config.Checklist{Name: "db", Secrets: []string{tt.secret}, Checks: []*config.Entry{
				{ID: "pool", Type: "postgres.connections", Title: "Connection headroom on Horse99@db.internal:5432", Severity: config.Block},
				{ID: "lag", Type: "postgres.replica_lag", Title: "Replicas of Horse99@db.internal:5432 keep up", Severity: config.Block},
			}}
			failed := kind.Result{Status: kind.Error,
				Summary:  "cannot connect to app@Horse99@db.internal:5432/app: lookup Horse99@db.internal: no such host",
				Remedy:   "check that Horse99@db.internal resolves",
				Evidence: []kind.Evidence{{Label: "target", Observed: "app@Horse99@db.internal:5432/app", Status: kind.Error}},
				Findings: []kind.Finding{{Rule: "dsn", File: "deploy/Horse99.env", Message: "postgres://app:Tr0ub4dor@Horse99@db.internal", Preview: "Tr0ub4dor"}},
			}
			r := buildAs(cl, failed, failed)
			for name, out := range allFormats(t, r) {
				if strings.Contains(out, "Horse99") || strings.Contains(out, "Tr0ub4dor") {
					t.Errorf("%s shows a piece of the password:\n%s", name, out)
				}
			}
		})
	}
}

// A parameter whose value is an ordinary word (token_path: token) made the loader register
// "token" as a secret; masking it first turned ?token=X into ?***=X, which the query-string
// pattern no longer recognised.
func TestNoFormatShowsAQueryStringToken(t *testing.T) {
	cl := &config.Checklist{Name: "api", Secrets: []string{"token"}, Checks: []*config.Entry{
		{ID: "jwt", Type: "http.jwt", Title: "JWT issued by https://auth.example.com/login?token=LeakMe12345", Severity: config.Block},
	}}
	r := buildAs(cl, kind.Result{Status: kind.Fail,
		Summary:  "GET https://auth.example.com/login?token=LeakMe12345 answered 500",
		Remedy:   "retry https://auth.example.com/login?token=LeakMe12345",
		Evidence: []kind.Evidence{{Label: "url", Observed: "https://auth.example.com/login?token=LeakMe12345&page=2", Status: kind.Fail}},
	})
	for name, out := range allFormats(t, r) {
		if strings.Contains(out, "LeakMe12345") {
			t.Errorf("%s shows the token:\n%s", name, out)
		}
	}
}

// forgedName is a file name someone committed to forge a passing gate in CI logs and a GitHub
// annotation.
const forgedName = "a\n::error file=app.go::forged\n GATE OPEN   all passed\r\n##[error]legacy forged\n\x1b[2K.env\xff\xfe"

func hostileReport(t *testing.T) *Report {
	t.Helper()
	cl := &config.Checklist{Name: "repo\nGATE OPEN", File: "launchgate.yaml", Checks: []*config.Entry{
		{ID: "no-secrets", Type: "secrets", Title: "No secrets in " + forgedName, Severity: config.Block, Line: 3, Column: 5},
		{ID: "history", Type: "secrets", Title: "History is clean", Severity: config.Block, Line: 9, Column: 5},
	}}
	return buildAs(cl,
		kind.Result{Status: kind.Fail, Summary: "1 secret found in " + forgedName,
			Remedy:   "remove " + forgedName,
			Evidence: []kind.Evidence{{Label: forgedName, Observed: "scanned " + forgedName, Expected: forgedName, Status: kind.Fail}},
			Findings: []kind.Finding{{Rule: "aws\n::warning::x", File: forgedName, Line: 1, Column: 1, Commit: "abc\ndef",
				Message: "AWS key in " + forgedName, Preview: forgedName, Fingerprint: "f1"}}},
		kind.Result{Status: kind.Error,
			Summary: "git log: exit status 128: fatal: detected dubious ownership in repository\n GATE OPEN   all passed\n::error::forged"},
	)
}

// Text from outside (file names, git errors, server text) cannot start a line of its own in any
// format: every newline, carriage return and control character is shown escaped, and invalid
// UTF-8 is shown as \xNN. Multi-line fields keep their lines, indented, and none of them reads as
// a GitHub workflow command, which the runner takes from any line of a step's output.
func TestNoFormatLetsOutsideTextForgeLines(t *testing.T) {
	for name, out := range allFormats(t, hostileReport(t)) {
		if !utf8.ValidString(out) {
			t.Errorf("%s: output is not valid UTF-8", name)
		}
		if strings.ContainsAny(out, "\x1b\r") {
			t.Errorf("%s: raw escape or carriage return in the output:\n%q", name, out)
		}
		invalid := `\xff\xfe`
		if name == "json" || name == "sarif" || name == "markdown" {
			invalid = `\\xff\\xfe`
		}
		if !strings.Contains(out, invalid) {
			t.Errorf("%s: invalid UTF-8 is not shown as \\xNN:\n%s", name, out)
		}
		for _, line := range strings.Split(out, "\n") {
			for _, forged := range []string{"::error file=app.go", "::error::forged", "::warning::x", "GATE OPEN", "##[", "def", ".env"} {
				if strings.HasPrefix(line, forged) {
					t.Errorf("%s: a line starts with forged text %q:\n%s", name, forged, out)
				}
			}
			trimmed := strings.TrimLeft(line, " \t")
			if (strings.HasPrefix(trimmed, "::") || strings.HasPrefix(trimmed, "##[")) && (name != "github" || trimmed != line) {
				t.Errorf("%s: a line reads as a workflow command: %q", name, line)
			}
		}
	}
}

// A git error's newline must not break the summary row of the text report.
func TestTextSummaryRowIsOneLine(t *testing.T) {
	out := string(render(t, "text", hostileReport(t)))
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  ERROR") && !strings.Contains(line, `dubious ownership in repository\n GATE OPEN   all passed\n::error::forged`) {
			t.Errorf("the error row does not carry its whole summary: %q", line)
		}
	}
}

// Multi-line evidence (a stack, a list of components) and remedies keep their lines, but each
// continuation line is indented under its field in the formats people read.
func TestMultiLineFieldsAreIndented(t *testing.T) {
	cl := &config.Checklist{Name: "x", Checks: []*config.Entry{{ID: "api", Type: "http.health", Title: "api", Severity: config.Block}}}
	r := buildAs(cl, kind.Result{Status: kind.Fail, Summary: "down",
		Remedy:   "first\nGATE OPEN remedy",
		Evidence: []kind.Evidence{{Label: "stack", Observed: "one\nGATE OPEN evidence", Status: kind.Fail}}})
	for _, name := range []string{"text", "junit", "github"} {
		out := string(render(t, name, r))
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "GATE OPEN") {
				t.Errorf("%s: a continuation line at column 0:\n%s", name, out)
			}
		}
		if !strings.Contains(out, "GATE OPEN remedy") || !strings.Contains(out, "GATE OPEN evidence") {
			t.Errorf("%s lost a continuation line:\n%s", name, out)
		}
	}
}
