package report

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

func TestVerdict(t *testing.T) {
	entry := func(sev config.Severity) *config.Entry {
		return &config.Entry{ID: "x", Type: "t", Severity: sev}
	}
	tests := []struct {
		name     string
		sev      config.Severity
		status   kind.Status
		strict   bool
		verdict  Verdict
		reported kind.Status
	}{
		{"pass", config.Block, kind.Pass, false, Open, kind.Pass},
		{"skip", config.Block, kind.Skip, true, Open, kind.Skip},
		{"warn", config.Block, kind.Warn, false, Open, kind.Warn},
		{"warn under strict", config.Block, kind.Warn, true, Closed, kind.Warn},
		{"fail", config.Block, kind.Fail, false, Closed, kind.Fail},
		{"error", config.Block, kind.Error, false, Closed, kind.Error},
		{"fail of a warn-severity check", config.WarnOnly, kind.Fail, false, Open, kind.Warn},
		{"error of a warn-severity check", config.WarnOnly, kind.Error, false, Open, kind.Warn},
		{"warn-severity failure under strict", config.WarnOnly, kind.Fail, true, Closed, kind.Warn},
	}
	for _, tt := range tests {
		cl := &config.Checklist{Checks: []*config.Entry{entry(tt.sev)}}
		r := Build(cl, paired(cl, kind.Result{Status: tt.status}), Options{Strict: tt.strict})
		if r.Verdict != tt.verdict || r.Results[0].Status != tt.reported || r.Results[0].CheckStatus != tt.status {
			t.Errorf("%s: verdict %s, status %s (check said %s); want %s, %s", tt.name, r.Verdict,
				r.Results[0].Status, r.Results[0].CheckStatus, tt.verdict, tt.reported)
		}
		if r.Results[0].Blocking != (tt.verdict == Closed) {
			t.Errorf("%s: blocking = %v", tt.name, r.Results[0].Blocking)
		}
	}
}

func TestBuildRedactsEverything(t *testing.T) {
	rd := &redact.Redactor{}
	rd.Add("s3cr3t-token")
	cl := &config.Checklist{Checks: []*config.Entry{{ID: "db", Type: "postgres.connections", Title: "db"}}}
	res := kind.Result{Status: kind.Error,
		Summary:  "cannot connect to postgres://app:pw@db/app",
		Remedy:   "check s3cr3t-token",
		Evidence: []kind.Evidence{{Label: "dsn", Observed: "postgres://app:pw@db/app", Expected: "token s3cr3t-token"}},
		Findings: []kind.Finding{{File: "a.env", Message: "s3cr3t-token", Preview: "s3cr3t-token"}},
	}
	r := Build(cl, paired(cl, res), Options{Redactor: rd})
	e := r.Results[0]
	for _, s := range []string{e.Summary, e.Remedy, e.Evidence[0].Observed, e.Evidence[0].Expected, e.Findings[0].Message, e.Findings[0].Preview} {
		if s == "" || containsAny(s, "pw@", "s3cr3t-token") {
			t.Errorf("not redacted: %q", s)
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func TestCountsSummary(t *testing.T) {
	c := Counts{Pass: 3, Fail: 1, Skip: 2, Warn: 1}
	if got := c.Summary(); got != "1 failed · 1 warning · 3 passed · 2 skipped" {
		t.Errorf("got %q", got)
	}
	if got := (Counts{}).Summary(); got != "no checks" {
		t.Errorf("got %q", got)
	}
}

func TestBuildNeutralisesControlCharacters(t *testing.T) {
	cl := &config.Checklist{Checks: []*config.Entry{{ID: "api", Type: "http.health", Title: "api"}}}
	res := kind.Result{Status: kind.Fail, Summary: "body says \x1b[31mDOWN\x1b[0m\x07",
		Evidence: []kind.Evidence{{Label: "component", Observed: "line one\nline two\ttabbed\r"}}}
	e := Build(cl, paired(cl, res), Options{}).Results[0]
	if e.Summary != `body says \x1b[31mDOWN\x1b[0m\x07` {
		t.Errorf("summary %q", e.Summary)
	}
	if e.Evidence[0].Observed != "line one\nline two\ttabbed\\r" {
		t.Errorf("evidence %q", e.Evidence[0].Observed)
	}
}

// BenchmarkBuildManySecrets is a run of 10,000 offline jwt checks: each check's token is a
// secret, and every text of every result is redacted against all of them. Redaction is one
// pass over each text, so the run costs the texts' length, not texts times secrets.
func BenchmarkBuildManySecrets(b *testing.B) {
	const n = 10000
	cl := &config.Checklist{Name: "many jwt"}
	results := make([]kind.Result, n)
	for i := 0; i < n; i++ {
		cl.Checks = append(cl.Checks, &config.Entry{ID: fmt.Sprintf("jwt-%d", i), Type: "jwt", Title: "JWT given in token"})
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		cl.Secrets = append(cl.Secrets, "eyJhbGciOiJIUzI1NiJ9."+base64.RawURLEncoding.EncodeToString(sum[:])+"."+hex.EncodeToString(sum[:16]))
		results[i] = kind.Result{Status: kind.Fail, Summary: "the token expired 1111d18h ago",
			Remedy: "issue tokens with exp in the future; check the clock of the issuer",
			Evidence: []kind.Evidence{
				{Label: "algorithm", Observed: "HS256", Expected: "one of HS256, RS256", Status: kind.Pass},
				{Label: "expires", Observed: "2023-11-14T23:13:20Z (1111d18h ago)", Expected: "in the future", Status: kind.Fail},
				{Label: "lifetime", Observed: "1h", Expected: "≤ 1d", Status: kind.Pass},
			}}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Build(cl, paired(cl, results...), Options{Redactor: redact.New(cl.Secrets...)})
	}
}

// Waived and blocked are statuses of their own in every format and in the counts.
func TestWaivedAndBlockedInEveryFormat(t *testing.T) {
	until := time.Date(2026, 12, 15, 23, 0, 0, 0, time.UTC)
	rep := &Report{Checklist: "policy", File: "gate.yaml", Verdict: Closed,
		Results: []Entry{
			{ID: "redis-memory", Type: "redis.memory", Title: "redis memory", Severity: config.Block,
				Status: kind.Waived, CheckStatus: kind.Fail, Summary: "92% in use (waived, 15 days left)", Line: 4, Column: 5,
				Waiver: &config.Waiver{Check: "redis-memory", Until: until, UntilText: "2026-12-15", Reason: "ticket OPS-123", Owner: "platform-team"}},
			{ID: "api-flow", Type: "http.flow", Title: "api flow", Severity: config.Block, Blocking: true,
				Status: kind.Blocked, CheckStatus: kind.Blocked, Summary: "not run: db-reachable failed", Line: 9, Column: 5},
		}}
	for _, e := range rep.Results {
		rep.Counts.add(e.Status)
	}
	if got := rep.Counts.Summary(); got != "1 blocked · 1 waived" {
		t.Errorf("counts: %q", got)
	}
	want := map[string][]string{
		"text":     {"WAIVED   redis-memory", "BLOCKED  api-flow", "the check said fail; waived until 2026-12-15 by platform-team", "1 blocked · 1 waived"},
		"json":     {`"waived": 1`, `"blocked": 1`, `"status": "waived"`, `"status": "blocked"`},
		"junit":    {`<skipped message="waived: 92% in use`, `<skipped message="blocked: not run: db-reachable failed"`},
		"sarif":    {`"suppressions"`, `"kind":"external"`, `"justification":"waived until 2026-12-15 by platform-team: ticket OPS-123"`},
		"markdown": {"🏷️ waived", "⛔ blocked"},
		"github":   {"::notice ", "::error ", "1 blocked · 1 waived"},
	}
	for name, subs := range want {
		f, ok := Lookup(name)
		if !ok {
			t.Fatalf("no format %s", name)
		}
		var out strings.Builder
		if err := f.New(Style{}).Write(&out, rep); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, s := range subs {
			if !strings.Contains(out.String(), s) {
				t.Errorf("%s lacks %q:\n%s", name, s, out.String())
			}
		}
	}
}

func TestWaiversInBuild(t *testing.T) {
	until := time.Date(2026, 12, 16, 0, 0, 0, 0, time.UTC)
	w := config.Waiver{Check: "x", Until: until, UntilText: "2026-12-15", Reason: "OPS-123", Owner: "platform-team"}
	active, expired := until.Add(-36*time.Hour), until.Add(time.Hour)
	tests := []struct {
		name      string
		now       time.Time
		sev       config.Severity
		status    kind.Status
		noWaivers bool
		want      kind.Status
		verdict   Verdict
		summary   string
	}{
		{"active on a failure", active, config.Block, kind.Fail, false, kind.Waived, Open, "down (waived, 2 days left)"},
		{"active on an error", active, config.Block, kind.Error, false, kind.Waived, Open, "down (waived, 2 days left)"},
		{"active on a pass", active, config.Block, kind.Pass, false, kind.Pass, Open, "down (waiver no longer needed: remove it)"},
		{"expired on a failure", expired, config.Block, kind.Error, false, kind.Fail, Closed, "waiver expired on 2026-12-15 (owner platform-team): down"},
		{"expired on a warn-only failure", expired, config.WarnOnly, kind.Fail, false, kind.Warn, Open, "waiver expired on 2026-12-15 (owner platform-team): down"},
		{"expired on a pass", expired, config.Block, kind.Pass, false, kind.Warn, Open, "expired waiver no longer needed: remove it (it ended on 2026-12-15); down"},
		{"--no-waivers", active, config.Block, kind.Fail, true, kind.Fail, Closed, "down"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := &config.Checklist{Checks: []*config.Entry{{ID: "x", Type: "t", Severity: tt.sev}}, Waivers: []config.Waiver{w}}
			r := Build(cl, paired(cl, kind.Result{Status: tt.status, Summary: "down"}), Options{StartedAt: tt.now, NoWaivers: tt.noWaivers})
			e := r.Results[0]
			if e.Status != tt.want || r.Verdict != tt.verdict || e.Summary != tt.summary {
				t.Errorf("got %s, %s, %q; want %s, %s, %q", e.Status, r.Verdict, e.Summary, tt.want, tt.verdict, tt.summary)
			}
		})
	}
}
