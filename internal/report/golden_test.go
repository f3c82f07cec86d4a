package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// fixedStart is the StartedAt of every fixture, so golden files do not depend on the clock.
var fixedStart = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)

// fixtureReport is a closed gate with one result of every kind a renderer must handle: a pass, a
// warning from a warn-severity check that failed, a failure with evidence and a remedy, an
// error, a skip, and secret findings. Its texts carry the characters each format must escape
// (| and newlines for Markdown, % : , for workflow commands, < & " for XML).
func fixtureReport() *Report {
	r := &Report{
		Checklist: "Payments API launch",
		File:      "checklists/payments.yaml",
		Version:   "1.2.3",
		Verdict:   Closed,
		StartedAt: fixedStart,
		Duration:  2345 * time.Millisecond,
		Results: []Entry{
			{
				ID: "api-health", Type: "http.health", Title: "API answers its health endpoint",
				Severity: config.Block, Tags: []string{"smoke", "http"},
				Status: kind.Pass, CheckStatus: kind.Pass,
				Summary:  "200 OK in 42ms",
				Duration: 42 * time.Millisecond, Line: 10, Column: 5,
				Evidence: []kind.Evidence{{Label: "status", Observed: "200", Expected: "2xx", Status: kind.Pass}},
			},
			{
				ID: "cert-expiry", Type: "tls", Title: "Certificate is valid for 30 days",
				Severity: config.WarnOnly,
				Status:   kind.Warn, CheckStatus: kind.Fail,
				Summary:  "certificate for api.example.com expires in 12 days (at 2026-03-26)",
				Remedy:   "Renew the certificate: certbot renew --cert-name api.example.com",
				Duration: 310 * time.Millisecond, Line: 20, Column: 5,
				Evidence: []kind.Evidence{{Label: "expires in", Observed: "12d", Expected: "≥ 30d", Status: kind.Fail}},
			},
			{
				ID: "db-pool", Type: "postgres.connections", Title: "Connections | headroom < 80%",
				Severity: config.Block, Tags: []string{"db"},
				Status: kind.Fail, CheckStatus: kind.Fail, Blocking: true,
				Summary:  "92% of max_connections in use: 184 of 200, limit 80%",
				Remedy:   "Raise max_connections or add a pooler (PgBouncer);\nthen rerun: launchgate run --only db",
				Duration: 1250 * time.Millisecond, Line: 31, Column: 5,
				Evidence: []kind.Evidence{
					{Label: "in use", Observed: "184 of 200 (92%)", Expected: "≤ 80%", Status: kind.Fail},
					{Label: "by \"app\" & <batch>", Observed: "150, 34", Status: kind.Pass},
				},
			},
			{
				ID: "cache", Type: "redis.memory", Title: "Redis has memory to spare",
				Severity: config.Block, Tags: []string{"cache"},
				Status: kind.Error, CheckStatus: kind.Error, Blocking: true,
				Summary:  "cannot connect to redis://127.0.0.1:6390: connection refused",
				Remedy:   "Start Redis or fix REDIS_URL, then run again.",
				Duration: 3 * time.Millisecond, Line: 40, Column: 5,
			},
			{
				ID: "rate-limit", Type: "http.rate_limit", Title: "Login is rate limited",
				Severity: config.Block, Tags: []string{"traffic"},
				Status: kind.Skip, CheckStatus: kind.Skip,
				Summary: "needs LOGIN_URL, which is not set",
				Line:    48, Column: 5,
			},
			{
				ID: "no-secrets", Type: "secrets", Title: "No secrets in the repository",
				Severity: config.Block, Tags: []string{"repo"},
				Status: kind.Fail, CheckStatus: kind.Fail, Blocking: true,
				Summary:  "2 secrets found in 2 files",
				Remedy:   "Revoke each secret, remove it from the file, and rewrite history if it was pushed.",
				Duration: 740 * time.Millisecond, Line: 55, Column: 5,
				Findings: []kind.Finding{
					{Rule: "aws-access-key", File: "config/prod.env", Line: 3, Column: 19,
						Message: "AWS access key ID", Preview: "AKIA************MPLE", Fingerprint: "f3a1c2"},
					{Rule: "generic-password", File: "deploy/a,b:c%.yaml", Line: 12, Column: 7, Commit: "0123456789abcdef0123",
						Message: "password in a URL: 100% visible", Preview: "postgres://app:****@db", Fingerprint: "9b8e77"},
				},
			},
		},
	}
	for _, e := range r.Results {
		r.Counts.add(e.Status)
	}
	return r
}

// passingReport is an open gate with nothing to report but passes.
func passingReport() *Report {
	r := &Report{
		Checklist: "Starter", File: "launchgate.yaml", Version: "1.2.3", Verdict: Open,
		StartedAt: fixedStart, Duration: 120 * time.Millisecond,
		Results: []Entry{{
			ID: "api-health", Type: "http.health", Title: "API answers its health endpoint",
			Severity: config.Block, Status: kind.Pass, CheckStatus: kind.Pass,
			Summary: "200 OK in 42ms", Duration: 42 * time.Millisecond, Line: 9, Column: 5,
		}},
	}
	r.Counts.add(kind.Pass)
	return r
}

// render writes r in the named registered format.
func render(t *testing.T, format string, r *Report) []byte {
	t.Helper()
	f, ok := Lookup(format)
	if !ok {
		t.Fatalf("format %q is not registered", format)
	}
	var b bytes.Buffer
	if err := f.New(Style{}).Write(&b, r); err != nil {
		t.Fatalf("writing %s: %v", format, err)
	}
	return b.Bytes()
}
