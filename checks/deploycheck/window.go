// Package deploycheck holds the checks about the deploy itself rather than its target: the
// deploy.window kind says whether now is a time the team deploys at.
package deploycheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	// The release image is built FROM scratch, with no zoneinfo: the rules' IANA zones must
	// load everywhere, so the database is compiled in.
	_ "time/tzdata"

	"github.com/launchgate/launchgate/internal/kind"
)

// Window fails a deploy inside the team's deny windows (Friday afternoons, weekends, holiday
// freezes, a monthly batch run), unless an allow window makes an exception, and warns when the
// next deny window is about to start. The outage it answers: a small fix pushed at 5 pm on a
// Friday, and the on-call phone ringing at 5:05.
type Window struct {
	Timezone   string        `yaml:"timezone" doc:"The IANA time zone the rules are written in, e.g. Europe/Paris."`
	Deny       []Rule        `yaml:"deny" required:"true" doc:"Windows in which deploys are frozen; overlapping or adjacent ones merge into one freeze."`
	Allow      []Rule        `yaml:"allow" doc:"Exceptions: inside an allow window deploys go ahead even in a deny window, like Argo CD's manual sync."`
	WarnWithin kind.Duration `yaml:"warn_within" doc:"Warn when the next deny window starts within this, so that a long deploy does not run into it; 0 turns the warning off."`

	loc *time.Location
}

// Rule is one deny or allow window: on days and/or dates, from a time of day to another, or
// starting when a cron expression fires and lasting duration.
type Rule struct {
	Days     []weekday     `yaml:"days" doc:"Days of the week it starts on: mon, tue, wed, thu, fri, sat, sun (default: every day)."`
	From     *clock        `yaml:"from" doc:"Local time it starts, HH:MM (default 00:00)."`
	To       *clock        `yaml:"to" doc:"Local time it ends, HH:MM (default 24:00, the end of the day); at or before from, it ends the next day (22:00 to 06:00)."`
	Dates    []dateSpan    `yaml:"dates" doc:"Dates it starts on: \"2026-12-24\" or an inclusive range \"2026-12-31..2027-01-02\" (default: every date); with days, both must match."`
	Cron     cronSpec      `yaml:"cron" doc:"Instead of days, dates, from and to: when it starts, as cron (minute hour day-of-month month day-of-week, e.g. \"0 9 1 * *\"), Argo CD sync-window style."`
	Duration kind.Duration `yaml:"duration" doc:"How long a cron window lasts, e.g. 4h (at most 31d)."`
	Reason   string        `yaml:"reason" required:"true" doc:"Why, in a few words; the gate's message names it."`
}

// maxCronDuration bounds a cron window: looking ahead walks back one duration for windows
// still open, and a freeze longer than a month is a list of dates.
const maxCronDuration = 31 * 24 * time.Hour

func init() {
	kind.Register(kind.Kind{
		Name:    "deploy.window",
		Summary: "Now is not inside a deny window (Friday afternoon, weekend, holiday freeze) unless an allow window makes an exception, and the next one is not about to start.",
		Title:   "Deploy window is open",
		New: func() kind.Check {
			return &Window{Timezone: "UTC", WarnWithin: kind.Duration(2 * time.Hour)}
		},
		Example: `timezone: Europe/Paris
deny:
  - {days: [fri], from: "15:00", to: "24:00", reason: "no Friday afternoon deploys"}
  - {days: [sat, sun], reason: weekend}
  - {dates: ["2026-12-24", "2026-12-31..2027-01-02"], reason: "holiday freeze"}
  - {cron: "0 9 1 * *", duration: 4h, reason: "monthly reporting run"}
allow:                       # exceptions win over deny windows
  - {dates: ["2026-12-24"], from: "08:00", to: "10:00", reason: "approved hotfix window"}
warn_within: 2h              # warn when the next deny window starts this soon`,
	})
}

// Validate loads the zone and checks what the types of a rule cannot say.
func (w *Window) Validate() error {
	var errs []error
	switch loc, err := time.LoadLocation(w.Timezone); {
	case w.Timezone == "Local":
		errs = append(errs, kind.BadParam("timezone", "Local is whatever zone the machine running launchgate is in: name the zone, e.g. Europe/Paris"))
	case err != nil || w.Timezone == "":
		errs = append(errs, kind.BadParam("timezone", "unknown time zone %q (an IANA name such as Europe/Paris, or UTC)", w.Timezone))
	default:
		w.loc = loc
	}
	if len(w.Deny) == 0 {
		errs = append(errs, kind.BadParam("deny", "give at least one deny window: without one the check can never close the gate"))
	}
	for i := range w.Deny {
		errs = append(errs, w.Deny[i].validate(fmt.Sprintf("deny[%d]", i)))
	}
	for i := range w.Allow {
		errs = append(errs, w.Allow[i].validate(fmt.Sprintf("allow[%d]", i)))
	}
	return errors.Join(errs...)
}

// validate checks that the rule says when, one way: by the calendar or by cron.
func (r *Rule) validate(where string) error {
	calendar := len(r.Days) > 0 || len(r.Dates) > 0 || r.From != nil || r.To != nil
	switch {
	case r.Cron.set() && calendar:
		return kind.BadParam(where, "cron: a cron window starts when the expression fires and lasts duration: it takes no days, dates, from or to")
	case r.Cron.set() && r.Duration == 0:
		return kind.BadParam(where, "duration: a cron window needs a duration, e.g. duration: 4h")
	case r.Cron.set() && r.Duration.D() > maxCronDuration:
		return kind.BadParam(where, "duration: %s is longer than 31d: for a long freeze, give dates", r.Duration)
	case r.Cron.set():
		return nil
	case r.Duration != 0:
		return kind.BadParam(where, "duration: only a cron window has one: give from and to for a time of day")
	case !calendar:
		return kind.BadParam(where, "say when: days, dates, from and to, or cron with duration")
	case r.From != nil && *r.From == endOfDay:
		return kind.BadParam(where, "from: 24:00 only ends a window: one that starts at midnight starts at 00:00")
	}
	// A to equal to from (00:00 when from is left out) is a mistake; 00:00 to 24:00 is a day.
	if begin, stop := r.times(); r.To != nil && *r.To != endOfDay && stop-begin == endOfDay {
		return kind.BadParam(where, "from and to are both %s: the window would be empty or a whole day (for whole days, leave out from and to)", begin)
	}
	return nil
}

// Run judges now, from the injected clock, against the windows.
func (w *Window) Run(ctx context.Context, env *kind.Env) kind.Result {
	now := env.Now()
	o, err := w.look(ctx, now)
	if err != nil {
		return kind.Errorf("give the check a longer timeout", "stopped looking ahead for deny windows: %v", err)
	}
	return w.judge(now, o)
}

// judge is the verdict as named rules: frozen now, the next freeze about to start, an
// exception open now.
func (w *Window) judge(now time.Time, o outlook) kind.Result {
	var j kind.Judgement
	j.Observe("now", now.In(w.loc).Format("Mon 2 Jan 2006 15:04 MST")+", "+w.Timezone, "")
	if e := o.exception; e != nil {
		reason := w.Allow[e.rule].Reason
		j.Observe("allow window", fmt.Sprintf("%s, until %s", reason, w.stamp(e.end, now)), "")
		j.Note("deploys allowed by exception until %s (%s)", w.stamp(e.end, now), reason)
	} else {
		j.Note("deploys allowed")
	}
	switch f := o.freeze; {
	case f == nil:
		j.Observe("next deny window", fmt.Sprintf("none in the next %s", kind.FormatDuration(horizon)), "")
		j.Note("no deny window in the next %s", kind.FormatDuration(horizon))
	case !f.start.After(now):
		w.frozen(&j, now, f, o.open)
	default:
		w.upcoming(&j, now, f, o.open)
	}
	return j.Result()
}

// frozen: now is inside a freeze; the gate says until when, and why.
func (w *Window) frozen(j *kind.Judgement, now time.Time, f *freeze, open bool) {
	until := "until " + w.stamp(f.end, now)
	observed := fmt.Sprintf("%s (%s from now): %s", until, kind.Human(f.end.Sub(now)), f.why())
	remedy := "deploy from " + w.stamp(f.end, now) + " on; for an approved exception add an allow window (or a waiver with an owner) rather than deleting the deny window"
	if open {
		until = fmt.Sprintf("past %s (launchgate looks %s ahead)", w.stamp(f.end, now), kind.FormatDuration(horizon))
		observed = until + ": " + f.why()
		remedy = "the deny windows leave no time to deploy: check them (a date range too long, days that cover the whole week, cron windows that overlap), or add an allow window"
	}
	j.Add(kind.Line{
		Label:    "deny window",
		Observed: observed,
		Expected: "outside every deny window",
		Status:   kind.Fail,
		Problem:  "deploys are frozen " + until + ": " + f.why(),
		Remedy:   remedy,
	})
}

// upcoming: the next freeze; a warning when it starts within warn_within.
func (w *Window) upcoming(j *kind.Judgement, now time.Time, f *freeze, open bool) {
	in := f.start.Sub(now)
	stretch := w.stamp(f.start, now) + " until " + w.stamp(f.end, now)
	if open {
		stretch = w.stamp(f.start, now) + " until past " + w.stamp(f.end, now)
	}
	line := kind.Line{
		Label:    "next deny window",
		Observed: fmt.Sprintf("%s, in %s: %s", stretch, kind.Human(in), f.why()),
		Expected: "more than " + w.WarnWithin.String() + " away",
		Status:   kind.Pass,
	}
	if in > w.WarnWithin.D() {
		j.Add(line)
		j.Note("next deny window %s (in %s): %s", stretch, kind.Human(in), f.why())
		return
	}
	line.Status = kind.Warn
	line.Problem = fmt.Sprintf("the next deny window starts in %s, %s: %s; a deploy that takes longer runs into it", kind.Human(in), stretch, f.why())
	line.Remedy = fmt.Sprintf("deploy only what is done by %s, or wait until %s", w.stamp(f.start, now), w.stamp(f.end, now))
	j.Add(line)
}

// stamp is a moment as the team reads it in the rules' zone ("Mon 7 Dec 00:00 CET"), with the
// year when it is not now's.
func (w *Window) stamp(t, now time.Time) string {
	lt := t.In(w.loc)
	if lt.Year() != now.In(w.loc).Year() {
		return lt.Format("Mon 2 Jan 2006 15:04 MST")
	}
	return lt.Format("Mon 2 Jan 15:04 MST")
}
