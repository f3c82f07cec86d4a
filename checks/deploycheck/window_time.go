package deploycheck

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Windows are computed on two timelines. Rules speak of readings of the clocks in the check's
// zone (Friday 15:00, 24 December), kept as times in UTC: on that timeline every day has 24
// hours and there is no DST. instant turns a reading into the moment it happens, applying the
// DST rule once, in one place; freezes, their merging and "now" live on the real timeline.

// horizon is how far ahead the check looks for the next deny window: more than a year, so that
// a yearly freeze (the end-of-year holidays) is always seen.
const horizon = 400 * 24 * time.Hour

// step is the stretch of the real timeline judged at a time: looking ahead stops as soon as
// the freeze that answers is complete.
const step = 24 * time.Hour

// wallClock is t's clock reading, as a time on the timeline of readings.
func wallClock(t time.Time) time.Time {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, m, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// instant is when the reading w happens in loc. A reading that does not exist (the hour skipped
// when clocks go forward) happens at the first valid instant after it, when the clocks jump; a
// reading that happens twice (the hour repeated when clocks go back) happens the first time.
// time.Date leaves both cases unspecified and in fact resolves them differently on either side
// of UTC (the second 02:30 in Paris, the first 01:30 in New York), so the rule is applied here.
func instant(loc *time.Location, w time.Time) time.Time {
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), loc)
	start, end := t.ZoneBounds()
	switch got := wallClock(t); {
	case got.After(w):
		// In a gap, resolved past it: the gap ends where t's zone starts.
		return start
	case got.Before(w):
		// In a gap, resolved before it: the gap starts where t's zone ends.
		return end
	case start.IsZero():
		return t
	}
	// A reading repeated when the clocks went back also exists in the zone before t's.
	_, offset := start.Add(-time.Nanosecond).Zone()
	earlier := w.Add(-time.Duration(offset) * time.Second).In(loc)
	if earlier.Before(start) && wallClock(earlier).Equal(w) {
		return earlier
	}
	return t
}

// span is one window of one rule on the real timeline, [start, end).
type span struct {
	start, end time.Time
	rule       int
}

func (s span) contains(t time.Time) bool { return !t.Before(s.start) && t.Before(s.end) }

// spans returns a function that yields the rule's windows in order of start, from the first
// that may still be open at from to the last that starts by until. Windows of the rule that
// overlap or touch come as one: a cron window every minute is one span, not half a million.
func (r *Rule) spans(loc *time.Location, from, until time.Time, index int) func() (span, bool) {
	if r.Cron.set() {
		return merged(r.cronSpans(loc, from, until, index))
	}
	return merged(r.daySpans(loc, from, until, index))
}

// merged joins the windows next yields that overlap or touch.
func merged(next func() (span, bool)) func() (span, bool) {
	ahead, ok := next()
	return func() (span, bool) {
		if !ok {
			return span{}, false
		}
		cur := ahead
		for {
			if ahead, ok = next(); !ok || ahead.start.After(cur.end) {
				return cur, true
			}
			if ahead.end.After(cur.end) {
				cur.end = ahead.end
			}
		}
	}
}

// daySpans yields the windows of a calendar rule, one per day it applies to.
func (r *Rule) daySpans(loc *time.Location, from, until time.Time, index int) func() (span, bool) {
	// A window that started the day before may still be open (22:00 to 06:00).
	day := wallClock(from.In(loc)).Truncate(24*time.Hour).AddDate(0, 0, -1)
	last := wallClock(until.In(loc))
	begin, stop := r.times()
	return func() (span, bool) {
		for ; !day.After(last); day = day.AddDate(0, 0, 1) {
			if r.onDay(day) {
				s := instant(loc, day.Add(time.Duration(begin)*time.Minute))
				e := instant(loc, day.Add(time.Duration(stop)*time.Minute))
				day = day.AddDate(0, 0, 1)
				return span{s, e, index}, true
			}
		}
		return span{}, false
	}
}

// cronSpans walks the schedule on the timeline of readings, where robfig/cron sees neither a
// skipped nor a repeated hour, and applies the DST rule to each start. Walked in the zone
// itself, robfig skips a start in the skipped hour (a 02:30 window would not open that day)
// and fires twice in the repeated one; window_dst_test.go pins both differences.
func (r *Rule) cronSpans(loc *time.Location, from, until time.Time, index int) func() (span, bool) {
	d := r.Duration.D()
	// A window that started up to its duration before from may still be open; a day more
	// covers the distance between readings and instants.
	w := wallClock(from.Add(-d).In(loc)).Add(-24 * time.Hour).Truncate(time.Minute)
	return func() (span, bool) {
		// Five-field cron starts at second 0, so the first start after w (a start) is the first
		// after w+59s: asked that way, robfig does not step through 59 seconds one by one, which
		// made a window every minute cost seconds over the horizon.
		if w = r.Cron.sched.Next(w.Add(59 * time.Second)); w.IsZero() {
			return span{}, false
		}
		s := instant(loc, w)
		if s.After(until) {
			return span{}, false
		}
		return span{s, s.Add(d), index}, true
	}
}

// times are the rule's daily start and end in minutes after midnight; an end at or before the
// start is on the next day.
func (r *Rule) times() (begin, stop clock) {
	begin, stop = 0, endOfDay
	if r.From != nil {
		begin = *r.From
	}
	if r.To != nil {
		stop = *r.To
	}
	if stop <= begin {
		stop += endOfDay
	}
	return begin, stop
}

// onDay reports whether a window of the rule starts on day (a midnight of readings).
func (r *Rule) onDay(day time.Time) bool {
	if len(r.Days) > 0 && !slices.Contains(r.Days, weekday(day.Weekday())) {
		return false
	}
	if len(r.Dates) == 0 {
		return true
	}
	return slices.ContainsFunc(r.Dates, func(d dateSpan) bool { return d.contains(day) })
}

// stream is one rule's windows, generated as the real timeline is walked forward.
type stream struct {
	next   func() (span, bool)
	head   span
	peeked bool
	done   bool
	live   []span
}

// within returns the stream's windows that are open at some moment of [a, b); a is never
// earlier than at the previous call.
func (s *stream) within(a, b time.Time) []span {
	s.live = slices.DeleteFunc(s.live, func(sp span) bool { return !sp.end.After(a) })
	for !s.done {
		if !s.peeked {
			s.head, s.peeked = s.next()
			s.done = !s.peeked
			continue
		}
		if !s.head.start.Before(b) {
			break
		}
		if s.head.end.After(a) && s.head.end.After(s.head.start) {
			s.live = append(s.live, s.head)
		}
		s.peeked = false
	}
	return s.live
}

func streams(rules []Rule, loc *time.Location, from, until time.Time) []*stream {
	out := make([]*stream, len(rules))
	for i := range rules {
		out[i] = &stream{next: rules[i].spans(loc, from, until, i)}
	}
	return out
}

func collect(ss []*stream, a, b time.Time) []span {
	var out []span
	for _, s := range ss {
		out = append(out, s.within(a, b)...)
	}
	return out
}

// freeze is a stretch of time in which deploys are denied: deny windows that overlap or touch,
// merged, without what allow windows take out of them.
type freeze struct {
	start, end time.Time
	// causes are the reasons, each once, in the order they start to apply.
	causes []cause
}

type cause struct {
	reason string
	from   time.Time
}

func (f *freeze) add(reason string, from time.Time) {
	if !slices.ContainsFunc(f.causes, func(c cause) bool { return c.reason == reason }) {
		f.causes = append(f.causes, cause{reason, from})
	}
}

func (f *freeze) extend(g freeze) {
	f.end = g.end
	for _, c := range g.causes {
		f.add(c.reason, c.from)
	}
}

// why names the reasons in order: those that start together joined by "and", the ones that
// follow by "then" ("no Friday afternoon deploys, then weekend").
func (f *freeze) why() string {
	var groups []string
	for i := 0; i < len(f.causes); {
		var names []string
		j := i
		for ; j < len(f.causes) && f.causes[j].from.Equal(f.causes[i].from); j++ {
			names = append(names, f.causes[j].reason)
		}
		groups = append(groups, strings.Join(names, " and "))
		i = j
	}
	return strings.Join(groups, ", then ")
}

// edge is where a window, clipped to the stretch judged, opens (+1) or closes (-1).
type edge struct {
	at    time.Time
	rule  int // -1 for an allow window
	delta int
}

// freezes sweeps [a, b): a moment is frozen when a deny window is open and no allow window is.
func (w *Window) freezes(a, b time.Time, deny, allow []span) []freeze {
	var edges []edge
	clip := func(sp span, rule int) {
		s, e := sp.start, sp.end
		if s.Before(a) {
			s = a
		}
		if e.After(b) {
			e = b
		}
		if s.Before(e) {
			edges = append(edges, edge{s, rule, 1}, edge{e, rule, -1})
		}
	}
	for _, sp := range deny {
		clip(sp, sp.rule)
	}
	for _, sp := range allow {
		clip(sp, -1)
	}
	slices.SortStableFunc(edges, func(x, y edge) int { return x.at.Compare(y.at) })
	open := make([]int, len(w.Deny))
	allowed := 0
	var out []freeze
	for i := 0; i < len(edges); {
		at := edges[i].at
		for ; i < len(edges) && edges[i].at.Equal(at); i++ {
			if e := edges[i]; e.rule < 0 {
				allowed += e.delta
			} else {
				open[e.rule] += e.delta
			}
		}
		if i == len(edges) || allowed > 0 || !slices.ContainsFunc(open, func(n int) bool { return n > 0 }) {
			continue
		}
		if n := len(out); n == 0 || !out[n-1].end.Equal(at) {
			out = append(out, freeze{start: at})
		}
		f := &out[len(out)-1]
		f.end = edges[i].at
		for r, n := range open {
			if n > 0 {
				f.add(w.Deny[r].Reason, at)
			}
		}
	}
	return out
}

// outlook is what the windows say at a moment: the freeze it is in, or else the next one, and
// the allow window that lets deploys through a deny window at that moment.
type outlook struct {
	freeze *freeze
	// open says the freeze goes on past the horizon.
	open      bool
	exception *span
}

// look walks the real timeline from now, a day at a time, until the first freeze is complete
// or the horizon is reached.
func (w *Window) look(ctx context.Context, now time.Time) (outlook, error) {
	until := now.Add(horizon)
	deny, allow := streams(w.Deny, w.loc, now, until), streams(w.Allow, w.loc, now, until)
	var o outlook
	for a := now; a.Before(until); {
		if err := ctx.Err(); err != nil {
			return o, err
		}
		b := a.Add(step)
		if b.After(until) {
			b = until
		}
		d, al := collect(deny, a, b), collect(allow, a, b)
		if a.Equal(now) {
			o.exception = exceptionAt(now, d, al)
		}
		for _, f := range w.freezes(a, b, d, al) {
			switch {
			case o.freeze == nil:
				o.freeze = &f
			case o.freeze.end.Equal(f.start):
				o.freeze.extend(f)
			default:
				return o, nil
			}
		}
		if o.freeze != nil && o.freeze.end.Before(b) {
			return o, nil
		}
		a = b
	}
	o.open = o.freeze != nil
	return o, nil
}

// exceptionAt is the allow window open at now, when a deny window is open too.
func exceptionAt(now time.Time, deny, allow []span) *span {
	if !slices.ContainsFunc(deny, func(s span) bool { return s.contains(now) }) {
		return nil
	}
	if i := slices.IndexFunc(allow, func(s span) bool { return s.contains(now) }); i >= 0 {
		return &allow[i]
	}
	return nil
}
