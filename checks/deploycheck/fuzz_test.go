package deploycheck

import (
	"slices"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"00:00", "15:00", "24:00", "23:59", "9:00", "24:01", "12:60", "ab:cd", "", "12:000", "+1:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseClock(s)
		if err != nil {
			return
		}
		if c < 0 || c > endOfDay || c.String() != s {
			t.Errorf("%q read as %d (%s)", s, int(c), c)
		}
	})
}

func FuzzParseDateSpan(f *testing.F) {
	for _, s := range []string{"2026-12-24", "2026-12-31..2027-01-02", "2027-01-02..2026-12-31", "2026-02-30", "2026-12-24..", "..", "2026-1-2", "2026-12-24T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDateSpan(s)
		if err != nil {
			return
		}
		text := d.first.Format(dateLayout) + ".." + d.last.Format(dateLayout)
		if d.last.Before(d.first) || (s != text && !(d.first.Equal(d.last) && s == d.first.Format(dateLayout))) {
			t.Errorf("%q read as %s", s, text)
		}
	})
}

// FuzzParseCron: robfig/cron must not panic on what a checklist holds (it does on a TZ= prefix
// without a space, which parseCron refuses first), and what parses must have starts.
func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 9 1 * *", "*/15 2 * * mon-fri", "@monthly", "@every 1h", "TZ=Europe/Paris", "CRON_TZ=x 0 0 * * *",
		"0 0 30 2 *", "0 0 29 2 *", "60 * * * *", "* * * * * *", "0 0 L * *", "0-59/0 * * * *", "? ? ? ? ?"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseCron(s)
		if err != nil {
			return
		}
		from := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
		if next := c.sched.Next(from); !next.IsZero() && !next.After(from) {
			t.Errorf("%q: next start %s is not after %s", s, next, from)
		}
	})
}

// FuzzLook compares the freeze look finds, walking the timeline a day at a time, with the
// windows of the rules taken all at once: the moments between now and the freeze are free, the
// freeze is frozen throughout, and the moment it ends is free again. Frozen or not is constant
// between two edges of windows, so checking at every edge checks every moment.
func FuzzLook(f *testing.F) {
	f.Add(uint8(0x20), uint16(900), uint16(1440), uint8(0x41), uint16(480), uint16(600), "0 9 1 * *", uint16(240), uint8(1), int64(0))
	f.Add(uint8(0x7f), uint16(1320), uint16(360), uint8(0), uint16(0), uint16(0), "*/30 * * * *", uint16(45), uint8(2), int64(3600*24*90))
	f.Add(uint8(0x01), uint16(150), uint16(210), uint8(0x01), uint16(120), uint16(150), "30 2 * * *", uint16(60), uint8(1), int64(-3600*24*250))
	f.Fuzz(func(t *testing.T, days uint8, from, to uint16, allowDays uint8, allowFrom, allowTo uint16, spec string, minutes uint16, zoneIndex uint8, offset int64) {
		zones := []string{"UTC", "Europe/Paris", "America/New_York", "America/Santiago"}
		loc, _ := time.LoadLocation(zones[int(zoneIndex)%len(zones)])
		w := &Window{Timezone: loc.String(), WarnWithin: kind.Duration(2 * time.Hour)}
		w.Deny = append(w.Deny, calendarRule(days, from, to, "calendar"))
		if c, err := parseCron(spec); err == nil {
			w.Deny = append(w.Deny, Rule{Cron: c, Duration: kind.Duration(time.Duration(minutes) * time.Minute), Reason: "cron"})
		}
		if allowDays != 0 {
			w.Allow = append(w.Allow, calendarRule(allowDays, allowFrom, allowTo, "exception"))
		}
		if w.Validate() != nil {
			return
		}
		now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC).Add(time.Duration(offset%(3600*24*800)) * time.Second)
		o, err := w.look(t.Context(), now)
		if err != nil {
			t.Fatal(err)
		}
		checkOutlook(t, w, now, o)
	})
}

// calendarRule turns fuzzed numbers into a rule: days as a bit set, times in minutes.
func calendarRule(days uint8, from, to uint16, reason string) Rule {
	r := Rule{Reason: reason}
	for d := range 7 {
		if days&(1<<d) != 0 {
			r.Days = append(r.Days, weekday(d))
		}
	}
	f, e := clock(from%(24*60)), clock(to%(24*60+1))
	r.From, r.To = &f, &e
	return r
}

func checkOutlook(t *testing.T, w *Window, now time.Time, o outlook) {
	t.Helper()
	until := now.Add(horizon)
	all := func(rules []Rule) [][]span {
		out := make([][]span, len(rules))
		for i := range rules {
			next := rules[i].spans(w.loc, now, until, i)
			for sp, ok := next(); ok; sp, ok = next() {
				out[i] = append(out[i], sp)
			}
		}
		return out
	}
	deny, allow := all(w.Deny), all(w.Allow)
	in := func(rules [][]span, at time.Time) bool {
		for _, spans := range rules {
			i, _ := slices.BinarySearchFunc(spans, at, func(s span, at time.Time) int { return s.start.Compare(at) })
			if i < len(spans) && spans[i].contains(at) || i > 0 && spans[i-1].contains(at) {
				return true
			}
		}
		return false
	}
	frozen := func(at time.Time) bool { return in(deny, at) && !in(allow, at) }
	end := until
	if o.freeze != nil && !o.open {
		end = o.freeze.end
	}
	edges := []time.Time{now, end}
	for _, rules := range [][][]span{deny, allow} {
		for _, spans := range rules {
			for _, s := range spans {
				edges = append(edges, s.start, s.end)
			}
		}
	}
	for _, at := range edges {
		if at.Before(now) || !at.Before(end) {
			continue
		}
		want := o.freeze != nil && !at.Before(o.freeze.start)
		if frozen(at) != want {
			t.Fatalf("at %s (now %s): frozen %v, but look says %+v (open %v)", at, now, frozen(at), o.freeze, o.open)
		}
	}
	if o.freeze != nil && !o.open && frozen(o.freeze.end) {
		t.Fatalf("the freeze %+v goes on past its end", o.freeze)
	}
	if o.freeze != nil && len(o.freeze.causes) == 0 {
		t.Fatalf("a freeze without a reason: %+v", o.freeze)
	}
}
