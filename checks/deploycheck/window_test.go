package deploycheck

import (
	"context"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestIssueExample judges the issue's checklist at the moments a team asks about: its own
// example (Friday 16:00), the afternoon before it, the hotfix window inside the holiday freeze,
// the new year, the monthly run. The summaries are pinned here; every evidence line is in
// testdata/issue_example.golden.
func TestIssueExample(t *testing.T) {
	w := load(t, issueExample)
	cases := []struct {
		now     string
		status  kind.Status
		summary string
	}{
		{"2026-12-04T16:00:00+01:00", kind.Fail, "deploys are frozen until Mon 7 Dec 00:00 CET: no Friday afternoon deploys, then weekend"},
		{"2026-12-04T12:00:00+01:00", kind.Pass, "deploys allowed; next deny window Fri 4 Dec 15:00 CET until Mon 7 Dec 00:00 CET (in 3h): no Friday afternoon deploys, then weekend"},
		{"2026-12-04T14:30:00+01:00", kind.Warn, "the next deny window starts in 30m, Fri 4 Dec 15:00 CET until Mon 7 Dec 00:00 CET: no Friday afternoon deploys, then weekend; a deploy that takes longer runs into it"},
		{"2026-12-05T10:00:00Z", kind.Fail, "deploys are frozen until Mon 7 Dec 00:00 CET: weekend"},
		{"2026-12-07T00:00:00+01:00", kind.Pass, "deploys allowed; next deny window Fri 11 Dec 15:00 CET until Mon 14 Dec 00:00 CET (in 4d15h): no Friday afternoon deploys, then weekend"},
		{"2026-12-24T07:00:00+01:00", kind.Fail, "deploys are frozen until Thu 24 Dec 08:00 CET: holiday freeze"},
		{"2026-12-24T08:00:00+01:00", kind.Warn, "the next deny window starts in 2h, Thu 24 Dec 10:00 CET until Fri 25 Dec 00:00 CET: holiday freeze; a deploy that takes longer runs into it"},
		{"2026-12-24T09:00:00+01:00", kind.Warn, "the next deny window starts in 1h, Thu 24 Dec 10:00 CET until Fri 25 Dec 00:00 CET: holiday freeze; a deploy that takes longer runs into it"},
		{"2026-12-24T10:00:00+01:00", kind.Fail, "deploys are frozen until Fri 25 Dec 00:00 CET: holiday freeze"},
		{"2026-12-30T23:00:00+01:00", kind.Warn, "the next deny window starts in 1h, Thu 31 Dec 00:00 CET until Mon 4 Jan 2027 00:00 CET: holiday freeze, then monthly reporting run, then no Friday afternoon deploys, then weekend; a deploy that takes longer runs into it"},
		{"2027-01-01T12:00:00+01:00", kind.Fail, "deploys are frozen until Mon 4 Jan 00:00 CET: holiday freeze and monthly reporting run, then no Friday afternoon deploys, then weekend"},
		{"2027-02-01T08:00:00+01:00", kind.Warn, "the next deny window starts in 1h, Mon 1 Feb 09:00 CET until Mon 1 Feb 13:00 CET: monthly reporting run; a deploy that takes longer runs into it"},
		{"2027-02-01T12:59:00+01:00", kind.Fail, "deploys are frozen until Mon 1 Feb 13:00 CET: monthly reporting run"},
	}
	var all strings.Builder
	for _, tc := range cases {
		r := judgeAt(t, w, at(t, tc.now))
		if r.Status != tc.status || r.Summary != tc.summary {
			t.Errorf("at %s: %s: %q\nwant %s: %q", tc.now, r.Status, r.Summary, tc.status, tc.summary)
		}
		all.WriteString("at " + tc.now + "\n" + golden.Result(r) + "\n")
	}
	golden.Check(t, "issue_example.golden", []byte(all.String()))
}

// TestWindows covers each way of saying when, one rule set per case, judged at moments around
// its edges. Zones without DST keep the cases about the rules; window_dst_test.go has DST.
func TestWindows(t *testing.T) {
	cases := []struct {
		name, with string
		now        string
		status     kind.Status
		summary    string
	}{
		{"over midnight, before", `deny: [{days: [fri], from: "22:00", to: "06:00", reason: night}]`,
			"2026-12-04T21:00:00Z", kind.Warn, "the next deny window starts in 1h, Fri 4 Dec 22:00 UTC until Sat 5 Dec 06:00 UTC: night; a deploy that takes longer runs into it"},
		{"over midnight, the morning after", `deny: [{days: [fri], from: "22:00", to: "06:00", reason: night}]`,
			"2026-12-05T05:00:00Z", kind.Fail, "deploys are frozen until Sat 5 Dec 06:00 UTC: night"},
		{"over midnight, the end is open", `deny: [{days: [fri], from: "22:00", to: "06:00", reason: night}]`,
			"2026-12-05T06:00:00Z", kind.Pass, "deploys allowed; next deny window Fri 11 Dec 22:00 UTC until Sat 12 Dec 06:00 UTC (in 6d16h): night"},
		{"over midnight every day", `deny: [{from: "23:00", to: "01:00", reason: backups}]`,
			"2026-12-05T00:30:00Z", kind.Fail, "deploys are frozen until Sat 5 Dec 01:00 UTC: backups"},
		{"to 24:00 ends at midnight", `deny: [{days: [fri], from: "15:00", to: "24:00", reason: friday}]`,
			"2026-12-04T23:59:00Z", kind.Fail, "deploys are frozen until Sat 5 Dec 00:00 UTC: friday"},
		{"to 00:00 is the same midnight", `deny: [{days: [fri], from: "15:00", to: "00:00", reason: friday}]`,
			"2026-12-04T23:59:00Z", kind.Fail, "deploys are frozen until Sat 5 Dec 00:00 UTC: friday"},
		{"from alone runs to midnight", `deny: [{days: [fri], from: "15:00", reason: friday}]`,
			"2026-12-04T15:00:00Z", kind.Fail, "deploys are frozen until Sat 5 Dec 00:00 UTC: friday"},
		{"to alone starts at midnight", `deny: [{days: [mon], to: "09:00", reason: "monday morning"}]`,
			"2026-12-07T08:00:00Z", kind.Fail, "deploys are frozen until Mon 7 Dec 09:00 UTC: monday morning"},
		{"a date range, ahead", `deny: [{dates: ["2026-12-31..2027-01-02"], reason: holidays}]`,
			"2026-12-30T12:00:00Z", kind.Pass, "deploys allowed; next deny window Thu 31 Dec 00:00 UTC until Sun 3 Jan 2027 00:00 UTC (in 12h): holidays"},
		{"a date range, inside", `deny: [{dates: ["2026-12-31..2027-01-02"], reason: holidays}]`,
			"2027-01-02T23:00:00Z", kind.Fail, "deploys are frozen until Sun 3 Jan 00:00 UTC: holidays"},
		{"dates and days both match", `deny: [{dates: ["2026-12-01..2026-12-31"], days: [wed], from: "12:00", to: "13:00", reason: lunch}]`,
			"2026-12-03T12:00:00Z", kind.Pass, "deploys allowed; next deny window Wed 9 Dec 12:00 UTC until Wed 9 Dec 13:00 UTC (in 6d): lunch"},
		{"dates in the past", `deny: [{dates: ["2020-01-01"], reason: "old freeze"}]`,
			"2026-12-03T12:00:00Z", kind.Pass, "deploys allowed; no deny window in the next 400d"},
		{"a window that never ends within the horizon", `deny: [{days: [mon, tue, wed, thu, fri, sat, sun], reason: "launch freeze"}]`,
			"2026-12-03T12:00:00Z", kind.Fail, "deploys are frozen past Fri 7 Jan 2028 12:00 UTC (launchgate looks 400d ahead): launch freeze"},
		{"a freeze that starts and never ends within the horizon", `deny: [{dates: ["2026-12-10..2028-12-31"], reason: "long freeze"}]`,
			"2026-12-03T12:00:00Z", kind.Pass, "deploys allowed; next deny window Thu 10 Dec 00:00 UTC until past Fri 7 Jan 2028 12:00 UTC (in 6d12h): long freeze"},
		{"now at a window's start is inside it", `deny: [{days: [thu], from: "12:00", to: "13:00", reason: lunch}]`,
			"2026-12-03T12:00:00Z", kind.Fail, "deploys are frozen until Thu 3 Dec 13:00 UTC: lunch"},
		{"now at its end is outside", `deny: [{days: [thu], from: "12:00", to: "13:00", reason: lunch}]`,
			"2026-12-03T13:00:00Z", kind.Pass, "deploys allowed; next deny window Thu 10 Dec 12:00 UTC until Thu 10 Dec 13:00 UTC (in 6d23h): lunch"},
		{"warn_within 0 never warns", "warn_within: 0s\ndeny: [{days: [thu], from: \"12:00\", to: \"13:00\", reason: lunch}]",
			"2026-12-03T11:59:00Z", kind.Pass, "deploys allowed; next deny window Thu 3 Dec 12:00 UTC until Thu 3 Dec 13:00 UTC (in 1m): lunch"},
		{"warn_within is inclusive", "warn_within: 30m\ndeny: [{days: [thu], from: \"12:00\", to: \"13:00\", reason: lunch}]",
			"2026-12-03T11:30:00Z", kind.Warn, "the next deny window starts in 30m, Thu 3 Dec 12:00 UTC until Thu 3 Dec 13:00 UTC: lunch; a deploy that takes longer runs into it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := judgeAt(t, load(t, tc.with), at(t, tc.now))
			if r.Status != tc.status || r.Summary != tc.summary {
				t.Errorf("%s: %q\nwant %s: %q", r.Status, r.Summary, tc.status, tc.summary)
			}
		})
	}
}

// TestMerging: deny windows that overlap or touch are one freeze, and its message names every
// reason once, in the order they start to apply; those in force together are joined by "and".
func TestMerging(t *testing.T) {
	w := load(t, `deny:
  - {days: [mon], from: "09:00", to: "12:00", reason: "release train"}
  - {days: [mon], from: "11:00", to: "14:00", reason: "migration"}
  - {days: [mon], from: "14:00", to: "15:00", reason: "release train"}
  - {days: [mon], from: "14:00", to: "15:00", reason: "audit"}
  - {days: [mon], from: "16:00", to: "17:00", reason: "standup"}`)
	cases := []struct{ now, summary string }{
		{"2026-12-07T08:00:00Z", "the next deny window starts in 1h, Mon 7 Dec 09:00 UTC until Mon 7 Dec 15:00 UTC: release train, then migration, then audit; a deploy that takes longer runs into it"},
		{"2026-12-07T10:00:00Z", "deploys are frozen until Mon 7 Dec 15:00 UTC: release train, then migration, then audit"},
		{"2026-12-07T11:30:00Z", "deploys are frozen until Mon 7 Dec 15:00 UTC: release train and migration, then audit"},
		{"2026-12-07T14:30:00Z", "deploys are frozen until Mon 7 Dec 15:00 UTC: release train and audit"},
		{"2026-12-07T16:30:00Z", "deploys are frozen until Mon 7 Dec 17:00 UTC: standup"},
	}
	for _, tc := range cases {
		if r := judgeAt(t, w, at(t, tc.now)); r.Summary != tc.summary {
			t.Errorf("at %s: %q\nwant %q", tc.now, r.Summary, tc.summary)
		}
	}
}

// TestAllowWins: an allow window cuts a hole in a deny window, a freeze can end where an
// exception starts, and an exception that covers every deny window leaves nothing frozen.
func TestAllowWins(t *testing.T) {
	hole := load(t, `deny: [{days: [mon], from: "09:00", to: "17:00", reason: "release freeze"}]
allow: [{days: [mon], from: "12:00", to: "13:00", reason: "hotfix slot"}]`)
	cases := []struct {
		w       *Window
		now     string
		status  kind.Status
		summary string
	}{
		{hole, "2026-12-07T10:00:00Z", kind.Fail, "deploys are frozen until Mon 7 Dec 12:00 UTC: release freeze"},
		{hole, "2026-12-07T12:00:00Z", kind.Warn, "the next deny window starts in 1h, Mon 7 Dec 13:00 UTC until Mon 7 Dec 17:00 UTC: release freeze; a deploy that takes longer runs into it"},
		{hole, "2026-12-07T13:00:00Z", kind.Fail, "deploys are frozen until Mon 7 Dec 17:00 UTC: release freeze"},
		{load(t, `deny: [{days: [mon], reason: "no mondays"}]
allow: [{days: [mon], reason: "mondays are fine after all"}]`), "2026-12-07T10:00:00Z", kind.Pass,
			"deploys allowed by exception until Tue 8 Dec 00:00 UTC (mondays are fine after all); no deny window in the next 400d"},
		{load(t, `deny: [{days: [sat, sun], reason: weekend}]
allow: [{dates: ["2026-12-05"], from: "10:00", to: "12:00", reason: "launch day"}, {dates: ["2026-12-05"], from: "11:00", to: "14:00", reason: "launch day, part two"}]`),
			"2026-12-05T11:30:00Z", kind.Pass,
			"deploys allowed by exception until Sat 5 Dec 12:00 UTC (launch day); next deny window Sat 5 Dec 14:00 UTC until Mon 7 Dec 00:00 UTC (in 2h30m): weekend"},
	}
	for _, tc := range cases {
		if r := judgeAt(t, tc.w, at(t, tc.now)); r.Status != tc.status || r.Summary != tc.summary {
			t.Errorf("at %s: %s: %q\nwant %s: %q", tc.now, r.Status, r.Summary, tc.status, tc.summary)
		}
	}
}

// TestCronWindows: a cron window opens when the expression fires and lasts its duration, one
// that opened before now is still seen, and descriptors work.
func TestCronWindows(t *testing.T) {
	cases := []struct {
		name, with string
		now        string
		summary    string
	}{
		{"monthly, ahead", `deny: [{cron: "0 9 1 * *", duration: 4h, reason: "monthly reporting run"}]`,
			"2026-12-31T12:00:00Z", "deploys allowed; next deny window Fri 1 Jan 2027 09:00 UTC until Fri 1 Jan 2027 13:00 UTC (in 21h): monthly reporting run"},
		{"opened before now", `deny: [{cron: "0 9 1 * *", duration: 4h, reason: "monthly reporting run"}]`,
			"2027-01-01T12:00:00Z", "deploys are frozen until Fri 1 Jan 13:00 UTC: monthly reporting run"},
		{"longer than the day", `deny: [{cron: "0 22 * * fri", duration: 2d, reason: "weekend batch"}]`,
			"2026-12-06T12:00:00Z", "deploys are frozen until Sun 6 Dec 22:00 UTC: weekend batch"},
		{"overlapping firings merge", `deny: [{cron: "*/30 * * * *", duration: 45m, reason: "sync"}]`,
			"2026-12-06T12:00:00Z", "deploys are frozen past Mon 10 Jan 2028 12:00 UTC (launchgate looks 400d ahead): sync"},
		{"firings with gaps", `deny: [{cron: "0 * * * *", duration: 10m, reason: "hourly job"}]`,
			"2026-12-06T12:20:00Z", "the next deny window starts in 40m, Sun 6 Dec 13:00 UTC until Sun 6 Dec 13:10 UTC: hourly job; a deploy that takes longer runs into it"},
		{"a descriptor", `deny: [{cron: "@weekly", duration: 1h, reason: "weekly rotation"}]`,
			"2026-12-06T23:30:00Z", "deploys allowed; next deny window Sun 13 Dec 00:00 UTC until Sun 13 Dec 01:00 UTC (in 6d1h): weekly rotation"},
		{"day of month or day of week, as cron has it", `deny: [{cron: "0 0 13 * fri", duration: 1h, reason: "superstition"}]`,
			"2026-12-06T12:00:00Z", "deploys allowed; next deny window Fri 11 Dec 00:00 UTC until Fri 11 Dec 01:00 UTC (in 4d12h): superstition"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if r := judgeAt(t, load(t, tc.with), at(t, tc.now)); r.Summary != tc.summary {
				t.Errorf("%s: %q\nwant %q", r.Status, r.Summary, tc.summary)
			}
		})
	}
}

// TestInterrupted: a check whose context is done stops looking and says it could not decide.
func TestInterrupted(t *testing.T) {
	w := load(t, `deny: [{dates: ["2020-01-01"], reason: "old freeze"}]`)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	env := kind.DefaultEnv("test")
	r := w.Run(ctx, env)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "stopped looking ahead") {
		t.Errorf("%s: %s", r.Status, r.Summary)
	}
}
