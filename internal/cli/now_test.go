package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNowFlag: --now sets the clock a run's checks judge against, on run and check alike; a
// value that is not an RFC 3339 time is a usage error.
func TestNowFlag(t *testing.T) {
	const friday = "2026-12-04T16:00:00+01:00"
	window := []string{"check", "deploy.window", "timezone=Europe/Paris", `deny=[{days: [fri], from: "15:00", reason: "no Friday afternoon deploys"}]`}
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"run, inside the freeze", []string{"run", "testdata/deploy_window.yaml", "--now", friday}, 1,
			"deploys are frozen until Mon 7 Dec 00:00 CET: no Friday afternoon deploys, then weekend"},
		{"run, the Monday after", []string{"run", "testdata/deploy_window.yaml", "--now", "2026-12-07T10:00:00+01:00"}, 0,
			"deploys allowed; next deny window Fri 11 Dec 15:00 CET until Mon 14 Dec 00:00 CET (in 4d5h)"},
		{"run, the test clock without --now", []string{"run", "testdata/deploy_window.yaml"}, 0,
			"Mon 23 Nov 2026 13:00 CET"},
		{"run, the report starts then", []string{"run", "testdata/deploy_window.yaml", "--now", friday, "--format", "json"}, 1,
			`"started_at": "2026-12-04T15:00:00Z"`},
		{"check", append(window, "--now", friday), 1, "deploys are frozen until Sat 5 Dec 00:00 CET: no Friday afternoon deploys"},
		{"check, before", append(window, "--now", "2026-12-04T12:00:00+01:00"), 0, "deploys allowed; next deny window Fri 4 Dec 15:00 CET"},
		{"a date is not a time", []string{"run", "testdata/deploy_window.yaml", "--now", "2026-12-04"}, 2,
			`invalid argument "2026-12-04" for "--now" flag: expected an RFC 3339 time such as 2026-12-04T16:00:00+01:00`},
		{"check refuses it too", append(window, "--now", "friday"), 2, `invalid argument "friday" for "--now" flag`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := launch(t, nil, append(tc.args, "--verbose")...)
			if r.code != tc.code || !strings.Contains(r.out+r.errOut, tc.want) {
				t.Errorf("exit %d, want %d and %q:\n%s%s", r.code, tc.code, tc.want, r.out, r.errOut)
			}
		})
	}
}

// TestNowMovesWaivers: waivers judge their end, and how far ahead they may end, against --now.
func TestNowMovesWaivers(t *testing.T) {
	file := filepath.Join(t.TempDir(), "launchgate.yaml")
	write := func(until string) {
		data := `version: 1
waivers:
  - check: no-friday-deploys
    until: ` + until + `
    reason: "release 4.2 approved by the CTO, ticket REL-42"
    owner: release-team
checks:
  - id: no-friday-deploys
    type: deploy.window
    with:
      timezone: Europe/Paris
      deny: [{days: [fri], from: "15:00", reason: "no Friday afternoon deploys"}]
`
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("2026-12-05")
	if r := launch(t, nil, "run", file, "--now", "2026-12-04T16:00:00+01:00"); r.code != 0 || !strings.Contains(r.out, "waived") {
		t.Errorf("inside the waiver: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := launch(t, nil, "run", file, "--now", "2026-12-11T16:00:00+01:00"); r.code != 1 || !strings.Contains(r.out, "waiver expired on 2026-12-05") {
		t.Errorf("a week later: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	// 129 days after the test clock's today, 76 after --now's.
	write("2027-04-01")
	if r := launch(t, nil, "run", file); r.code != 2 {
		t.Errorf("a waiver past max_waiver_days from today loads: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := launch(t, nil, "run", file, "--now", "2027-01-15T16:00:00+01:00"); r.code != 0 {
		t.Errorf("the same waiver, 76 days after --now: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}
