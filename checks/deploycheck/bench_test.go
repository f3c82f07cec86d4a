package deploycheck

import (
	"testing"
	"time"
)

// BenchmarkLook is the issue's rules judged at its own moment: a freeze found and completed in
// three days of the timeline.
func BenchmarkLook(b *testing.B) {
	benchmarkLook(b, issueExample, time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC))
}

// BenchmarkLookUnbounded is the worst case: a cron window every minute that never closes, so
// the check walks all 400 days of its horizon (576,000 firings).
func BenchmarkLookUnbounded(b *testing.B) {
	benchmarkLook(b, `deny: [{cron: "* * * * *", duration: 1m, reason: "sync"}]`, time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
}

// BenchmarkLookNothingAhead walks the horizon with nothing to find: a freeze in the past.
func BenchmarkLookNothingAhead(b *testing.B) {
	benchmarkLook(b, `deny: [{dates: ["2020-01-01"], reason: "old freeze"}, {cron: "0 0 29 2 *", duration: 1h, reason: "leap day"}]`,
		time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
}

func benchmarkLook(b *testing.B, with string, now time.Time) {
	w, err := parse(with)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := w.look(b.Context(), now); err != nil {
			b.Fatal(err)
		}
	}
}
