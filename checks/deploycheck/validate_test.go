package deploycheck

import (
	"testing"
)

// TestChecklistMistakes pins the loader's message for each mistake a deny or allow rule can
// hold, with its file:line:col. A value the rule's types cannot read is reported at the value
// itself; what only the whole rule shows is reported at the deny or allow key that holds it,
// naming the rule by its index, as every kind's Validate errors are.
func TestChecklistMistakes(t *testing.T) {
	cases := []struct{ with, want string }{
		{"timezone: Europe/Pariss\ndeny: [{days: [sat], reason: x}]",
			`w.yaml:6:17: check "w": with: timezone: unknown time zone "Europe/Pariss" (an IANA name such as Europe/Paris, or UTC)`},
		{"timezone: Local\ndeny: [{days: [sat], reason: x}]",
			`w.yaml:6:17: check "w": with: timezone: Local is whatever zone the machine running launchgate is in: name the zone, e.g. Europe/Paris`},
		{"deny: [{days: [fri, frday], reason: x}]",
			`w.yaml:6:21: check "w": with: deny[0]: days: unknown day "frday": write mon, tue, wed, thu, fri, sat or sun`},
		{"deny: [{days: [friday], reason: x}]",
			`w.yaml:6:21: check "w": with: deny[0]: days: unknown day "friday" (did you mean "fri"?): write mon, tue, wed, thu, fri, sat or sun`},
		{"deny: [{days: mon, reason: x}]",
			`w.yaml:6:21: check "w": with: deny[0]: days: expected a list of days, got "mon"`},
		{"deny:\n  - days: [fri]\n    from: \"9:00\"\n    reason: x",
			`w.yaml:8:17: check "w": with: deny[0]: from: invalid time "9:00": write HH:MM from 00:00 to 24:00, e.g. "15:00"`},
		{"deny:\n  - days: [fri]\n    to: \"24:30\"\n    reason: x",
			`w.yaml:8:15: check "w": with: deny[0]: to: invalid time "24:30": write HH:MM from 00:00 to 24:00, e.g. "15:00"`},
		{"deny:\n  - {days: [fri], from: \"10:00\", to: \"10:00\", reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: from and to are both 10:00: the window would be empty or a whole day (for whole days, leave out from and to)`},
		{"deny:\n  - {days: [fri], to: \"00:00\", reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: from and to are both 00:00: the window would be empty or a whole day (for whole days, leave out from and to)`},
		{"deny:\n  - {days: [fri], from: \"24:00\", reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: from: 24:00 only ends a window: one that starts at midnight starts at 00:00`},
		{"deny:\n  - {dates: [\"2026-02-30\"], reason: x}",
			`w.yaml:7:19: check "w": with: deny[0]: dates: invalid date "2026-02-30": write YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD`},
		{"deny:\n  - {dates: [\"2027-01-02..2026-12-31\"], reason: x}",
			`w.yaml:7:19: check "w": with: deny[0]: dates: date range "2027-01-02..2026-12-31" ends before it starts: write the earlier date first`},
		{"deny:\n  - {cron: \"0 9 1 * *\", reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: duration: a cron window needs a duration, e.g. duration: 4h`},
		{"deny:\n  - {days: [mon], duration: 4h, reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: duration: only a cron window has one: give from and to for a time of day`},
		{"deny:\n  - {cron: \"0 9 1 * *\", days: [mon], duration: 4h, reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: cron: a cron window starts when the expression fires and lasts duration: it takes no days, dates, from or to`},
		{"deny:\n  - {cron: \"0 9 1 *\", duration: 4h, reason: x}",
			`w.yaml:7:18: check "w": with: deny[0]: cron: invalid cron expression "0 9 1 *": expected exactly 5 fields, found 4: [0 9 1 *] (write minute hour day-of-month month day-of-week, e.g. "0 9 1 * *")`},
		{"deny:\n  - {cron: \"@every 1h\", duration: 4h, reason: x}",
			`w.yaml:7:18: check "w": with: deny[0]: cron: cron expression "@every 1h" counts from whenever launchgate runs, so it has no fixed start: write the times, e.g. "0 */6 * * *"`},
		{"deny:\n  - {cron: \"TZ=Europe/Paris\", duration: 4h, reason: x}",
			`w.yaml:7:18: check "w": with: deny[0]: cron: cron expression "TZ=Europe/Paris" names a time zone: set the check's timezone instead`},
		{"deny:\n  - {cron: \"0 0 30 2 *\", duration: 4h, reason: x}",
			`w.yaml:7:18: check "w": with: deny[0]: cron: cron expression "0 0 30 2 *" never fires: no date matches it`},
		{"deny:\n  - {cron: \"0 0 * * *\", duration: 40d, reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: duration: 40d is longer than 31d: for a long freeze, give dates`},
		{"deny:\n  - {reason: x}",
			`w.yaml:6:7: check "w": with: deny[0]: say when: days, dates, from and to, or cron with duration`},
		{"deny:\n  - {days: [mon]}",
			`w.yaml:7:11: check "w": with: deny[0]: missing required parameter "reason"`},
		{"deny:\n  - {dayz: [mon], reason: x}",
			`w.yaml:7:12: check "w": with: deny[0]: unknown parameter "dayz" (did you mean "days"?)`},
		{"deny: []",
			`w.yaml:6:7: check "w": with: deny: give at least one deny window: without one the check can never close the gate`},
		{"timezone: UTC",
			`w.yaml:5:5: check "w": missing required parameter "deny" for deploy.window`},
		// Every mistake at once, each where it is; a rule already blamed for a bad value is not
		// blamed again for what that value left behind.
		{"deny:\n  - {days: [mon], from: \"25:00\", to: \"25:00\", reason: x}\nallow:\n  - {from: \"10:00\", to: \"10:00\", reason: y}\nwarn_within: -1h",
			`w.yaml:7:31: check "w": with: deny[0]: from: invalid time "25:00": write HH:MM from 00:00 to 24:00, e.g. "15:00"` + "\n" +
				`w.yaml:7:44: check "w": with: deny[0]: to: invalid time "25:00": write HH:MM from 00:00 to 24:00, e.g. "15:00"` + "\n" +
				`w.yaml:8:7: check "w": with: allow[0]: from and to are both 10:00: the window would be empty or a whole day (for whole days, leave out from and to)` + "\n" +
				`w.yaml:10:20: check "w": with: warn_within: duration "-1h" is negative: a duration counts forward, like 10s`},
	}
	for _, tc := range cases {
		_, err := parse(tc.with)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s\n got: %v\nwant: %s", tc.with, err, tc.want)
		}
	}
}

// TestValidForms: what the loader accepts besides the issue's example.
func TestValidForms(t *testing.T) {
	for _, with := range []string{
		issueExample,
		"deny: [{days: [Sat, SUN], reason: weekend}]",              // any case
		"deny: [{dates: [2026-12-24], reason: christmas}]",         // an unquoted date is YAML's timestamp; its text counts
		"deny: [{from: \"00:00\", to: \"24:00\", reason: always}]", // a whole day, written out
		"deny: [{cron: \"@daily\", duration: 1h, reason: nightly}]",
		"deny: [{cron: \"0 22 * * fri\", duration: 31d, reason: long}]",
		"timezone: America/New_York\nwarn_within: 0s\ndeny: [{days: [fri], from: \"16:00\", reason: friday}]",
	} {
		if _, err := parse(with); err != nil {
			t.Errorf("%s\n%v", with, err)
		}
	}
}
