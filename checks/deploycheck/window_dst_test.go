package deploycheck

import (
	"fmt"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/launchgate/launchgate/internal/kind"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestInstant pins the DST rule where readings become instants: a reading the clocks skip
// happens when they jump, a reading they repeat happens the first time. Paris (east of UTC) and
// New York (west) matter because time.Date resolves both cases differently on either side, and
// Santiago because its clocks skip midnight itself.
func TestInstant(t *testing.T) {
	cases := []struct {
		zone, reading, want string
	}{
		{"Europe/Paris", "2026-03-29T01:59", "2026-03-29T00:59:00Z"},
		{"Europe/Paris", "2026-03-29T02:00", "2026-03-29T01:00:00Z"}, // skipped: 03:00 CEST
		{"Europe/Paris", "2026-03-29T02:30", "2026-03-29T01:00:00Z"},
		{"Europe/Paris", "2026-03-29T03:00", "2026-03-29T01:00:00Z"},
		{"Europe/Paris", "2026-03-29T03:30", "2026-03-29T01:30:00Z"},
		{"Europe/Paris", "2026-10-25T01:59", "2026-10-24T23:59:00Z"},
		{"Europe/Paris", "2026-10-25T02:00", "2026-10-25T00:00:00Z"}, // repeated: the CEST one
		{"Europe/Paris", "2026-10-25T02:30", "2026-10-25T00:30:00Z"},
		{"Europe/Paris", "2026-10-25T03:00", "2026-10-25T02:00:00Z"},
		{"America/New_York", "2026-03-08T01:59", "2026-03-08T06:59:00Z"},
		{"America/New_York", "2026-03-08T02:00", "2026-03-08T07:00:00Z"}, // skipped: 03:00 EDT
		{"America/New_York", "2026-03-08T02:30", "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-03-08T03:00", "2026-03-08T07:00:00Z"},
		{"America/New_York", "2026-11-01T00:59", "2026-11-01T04:59:00Z"},
		{"America/New_York", "2026-11-01T01:00", "2026-11-01T05:00:00Z"}, // repeated: the EDT one
		{"America/New_York", "2026-11-01T01:30", "2026-11-01T05:30:00Z"},
		{"America/New_York", "2026-11-01T02:00", "2026-11-01T07:00:00Z"},
		{"America/Santiago", "2026-09-06T00:00", "2026-09-06T04:00:00Z"}, // midnight skipped: 01:00 -03
		{"America/Santiago", "2026-04-04T23:30", "2026-04-05T02:30:00Z"}, // repeated: the -03 one
		{"UTC", "2026-03-29T02:30", "2026-03-29T02:30:00Z"},
	}
	for _, tc := range cases {
		w, err := time.Parse("2006-01-02T15:04", tc.reading)
		if err != nil {
			t.Fatal(err)
		}
		if got := instant(zone(t, tc.zone), w).UTC().Format(time.RFC3339); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.zone, tc.reading, got, tc.want)
		}
	}
}

// TestWindowsAcrossDST: windows whose edges fall in a skipped or a repeated hour, in both zones,
// for calendar rules and cron rules alike. Each case gives the freeze now is in, or the next
// one, on the real timeline.
func TestWindowsAcrossDST(t *testing.T) {
	cases := []struct {
		name, with, now, want string
	}{
		// Clocks skip 02:00-03:00 on Sunday 29 March in Paris (01:00 UTC).
		{"Paris, start skipped", "timezone: Europe/Paris\ndeny: [{days: [sun], from: \"02:30\", to: \"04:00\", reason: m}]",
			"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z..2026-03-29T02:00:00Z"},
		{"Paris, end skipped", "timezone: Europe/Paris\ndeny: [{days: [sat], from: \"23:00\", to: \"02:30\", reason: m}]",
			"2026-03-28T12:00:00Z", "2026-03-28T22:00:00Z..2026-03-29T01:00:00Z"},
		{"Paris, all inside the skipped hour", "timezone: Europe/Paris\ndeny: [{days: [sun], from: \"02:10\", to: \"02:40\", reason: m}]",
			"2026-03-29T00:00:00Z", "2026-04-05T00:10:00Z..2026-04-05T00:40:00Z"},
		{"Paris, cron in the skipped hour", "timezone: Europe/Paris\ndeny: [{cron: \"30 2 * * *\", duration: 1h, reason: m}]",
			"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z..2026-03-29T02:00:00Z"},
		// Clocks repeat 02:00-03:00 on Sunday 25 October in Paris (00:00-02:00 UTC).
		{"Paris, repeated hour, the first time", "timezone: Europe/Paris\ndeny: [{days: [sun], from: \"02:00\", to: \"02:30\", reason: m}]",
			"2026-10-25T00:15:00Z", "2026-10-25T00:15:00Z..2026-10-25T00:30:00Z"},
		{"Paris, repeated hour, not the second time", "timezone: Europe/Paris\ndeny: [{days: [sun], from: \"02:00\", to: \"02:30\", reason: m}]",
			"2026-10-25T01:15:00Z", "2026-11-01T01:00:00Z..2026-11-01T01:30:00Z"},
		{"Paris, across the repeated hour", "timezone: Europe/Paris\ndeny: [{days: [sun], from: \"01:30\", to: \"03:30\", reason: m}]",
			"2026-10-24T12:00:00Z", "2026-10-24T23:30:00Z..2026-10-25T02:30:00Z"},
		{"Paris, cron once in the repeated hour", "timezone: Europe/Paris\ndeny: [{cron: \"30 2 * * *\", duration: 30m, reason: m}]",
			"2026-10-25T01:30:00Z", "2026-10-26T01:30:00Z..2026-10-26T02:00:00Z"},
		// Clocks skip 02:00-03:00 on Sunday 8 March in New York (07:00 UTC).
		{"New York, start skipped", "timezone: America/New_York\ndeny: [{days: [sun], from: \"02:30\", to: \"04:00\", reason: m}]",
			"2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z..2026-03-08T08:00:00Z"},
		{"New York, end skipped", "timezone: America/New_York\ndeny: [{days: [sat], from: \"23:00\", to: \"02:30\", reason: m}]",
			"2026-03-07T12:00:00Z", "2026-03-08T04:00:00Z..2026-03-08T07:00:00Z"},
		{"New York, cron in the skipped hour", "timezone: America/New_York\ndeny: [{cron: \"30 2 * * *\", duration: 1h, reason: m}]",
			"2026-03-08T05:00:00Z", "2026-03-08T07:00:00Z..2026-03-08T08:00:00Z"},
		// Clocks repeat 01:00-02:00 on Sunday 1 November in New York (05:00-07:00 UTC).
		{"New York, repeated hour, the first time", "timezone: America/New_York\ndeny: [{days: [sun], from: \"01:00\", to: \"01:30\", reason: m}]",
			"2026-11-01T05:10:00Z", "2026-11-01T05:10:00Z..2026-11-01T05:30:00Z"},
		{"New York, repeated hour, not the second time", "timezone: America/New_York\ndeny: [{days: [sun], from: \"01:00\", to: \"01:30\", reason: m}]",
			"2026-11-01T06:10:00Z", "2026-11-08T06:00:00Z..2026-11-08T06:30:00Z"},
		{"New York, across the repeated hour", "timezone: America/New_York\ndeny: [{days: [sun], from: \"00:30\", to: \"02:30\", reason: m}]",
			"2026-10-31T12:00:00Z", "2026-11-01T04:30:00Z..2026-11-01T07:30:00Z"},
		{"New York, cron once in the repeated hour", "timezone: America/New_York\ndeny: [{cron: \"30 1 * * *\", duration: 30m, reason: m}]",
			"2026-11-01T06:30:00Z", "2026-11-02T06:30:00Z..2026-11-02T07:00:00Z"},
		{"New York, a cron duration is elapsed time", "timezone: America/New_York\ndeny: [{cron: \"0 0 * * sun\", duration: 4h, reason: m}]",
			"2026-11-01T03:00:00Z", "2026-11-01T04:00:00Z..2026-11-01T08:00:00Z"},
		// Santiago skips midnight: Sunday 6 September starts at 01:00.
		{"Santiago, the day starts when the clocks jump", "timezone: America/Santiago\ndeny: [{days: [sun], reason: m}]",
			"2026-09-05T12:00:00Z", "2026-09-06T04:00:00Z..2026-09-07T03:00:00Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := lookAt(t, load(t, tc.with), at(t, tc.now)); got != tc.want {
				t.Errorf("%s, want %s", got, tc.want)
			}
		})
	}
}

// TestRobfigAtDST pins how robfig/cron walks a schedule in a zone with DST, which is why
// cronSpans walks it on the timeline of readings instead: a start in the skipped hour is
// dropped for the day rather than moved to when the clocks jump, and a start in the repeated
// hour fires twice rather than once. If robfig changes, this test says so.
func TestRobfigAtDST(t *testing.T) {
	paris, ny := zone(t, "Europe/Paris"), zone(t, "America/New_York")
	cases := []struct {
		spec   string
		from   time.Time
		robfig []string
		ours   []string
	}{
		{"30 2 * * *", time.Date(2026, 3, 29, 0, 0, 0, 0, paris),
			[]string{"2026-03-30T00:30:00Z"}, []string{"2026-03-29T01:00:00Z"}},
		{"30 2 * * *", time.Date(2026, 10, 25, 0, 0, 0, 0, paris),
			[]string{"2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"}, []string{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
		{"30 2 * * *", time.Date(2026, 3, 8, 0, 0, 0, 0, ny),
			[]string{"2026-03-09T06:30:00Z"}, []string{"2026-03-08T07:00:00Z"}},
		{"30 1 * * *", time.Date(2026, 11, 1, 0, 0, 0, 0, ny),
			[]string{"2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"}, []string{"2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
	}
	for _, tc := range cases {
		sched, err := cron.ParseStandard(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for n := tc.from; len(got) < len(tc.robfig); {
			n = sched.Next(n)
			got = append(got, n.UTC().Format(time.RFC3339))
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.robfig) {
			t.Errorf("robfig %q from %s: %v, pinned %v", tc.spec, tc.from, got, tc.robfig)
		}
		spec, err := parseCron(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		r := Rule{Cron: spec, Duration: kind.Duration(time.Minute)}
		next := r.cronSpans(tc.from.Location(), tc.from, tc.from.Add(72*time.Hour), 0)
		got = nil
		for len(got) < len(tc.ours) {
			sp, ok := next()
			if !ok {
				t.Fatalf("%q: no window", tc.spec)
			}
			if !sp.start.Before(tc.from) {
				got = append(got, sp.start.UTC().Format(time.RFC3339))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.ours) {
			t.Errorf("windows of %q from %s start %v, want %v", tc.spec, tc.from, got, tc.ours)
		}
	}
}
