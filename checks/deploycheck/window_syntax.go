package deploycheck

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// The values of a window rule decode themselves, so that a bad day, time, date or cron
// expression is reported at its own line and column in the checklist.

// weekday is a day of the week, written mon … sun.
type weekday time.Weekday

// dayNames are indexed by time.Weekday (Sunday is 0); messages list them from Monday.
var dayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

const dayList = "mon, tue, wed, thu, fri, sat or sun"

func parseWeekday(s string) (weekday, error) {
	for i, name := range dayNames {
		if strings.EqualFold(s, name) {
			return weekday(i), nil
		}
	}
	hint := ""
	for _, name := range dayNames {
		// "friday" is a likelier slip than a typo: suggest what it starts with.
		if strings.HasPrefix(strings.ToLower(s), name) {
			hint = fmt.Sprintf(" (did you mean %q?)", name)
		}
	}
	if m := kind.Suggest(s, dayNames[:]); hint == "" && m != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", m)
	}
	return 0, fmt.Errorf("unknown day %q%s: write %s", s, hint, dayList)
}

// UnmarshalYAML reads a day name, in any case.
func (d *weekday) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("expected a day: " + dayList)
	}
	v, err := parseWeekday(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParamType names the syntax in `launchgate explain`.
func (weekday) ParamType() string { return "day" }

// JSONSchema accepts the day names in any case, as the loader does (JSON Schema patterns have
// no case-insensitive flag).
func (weekday) JSONSchema() map[string]any {
	alts := make([]string, 0, len(dayNames))
	for i := range dayNames {
		name := dayNames[(i+1)%len(dayNames)]
		var b strings.Builder
		for _, c := range name {
			fmt.Fprintf(&b, "[%c%c]", c, c-'a'+'A')
		}
		alts = append(alts, b.String())
	}
	return orVariable("A day of the week: "+dayList+".", map[string]any{"type": "string", "pattern": "^(" + strings.Join(alts, "|") + ")$"})
}

// orVariable describes a value of a given syntax, or a ${VAR} reference that the loader
// substitutes before the value is read: a schema must not refuse what the loader accepts.
func orVariable(description string, syntax map[string]any) map[string]any {
	variable := map[string]any{"type": "string", "pattern": `\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}`}
	return map[string]any{"description": description, "anyOf": []any{syntax, variable}}
}

// clock is a time of day in minutes after local midnight, from 00:00 to 24:00; 24:00 is the end
// of a day, as a window's to.
type clock int

const endOfDay clock = 24 * 60

func parseClock(s string) (clock, error) {
	bad := fmt.Errorf("invalid time %q: write HH:MM from 00:00 to 24:00, e.g. \"15:00\"", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	digits := []byte{s[0], s[1], s[3], s[4]}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	h := int(digits[0]-'0')*10 + int(digits[1]-'0')
	m := int(digits[2]-'0')*10 + int(digits[3]-'0')
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, bad
	}
	return clock(h*60 + m), nil
}

// UnmarshalYAML reads HH:MM.
func (c *clock) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(`expected a time of day such as "15:00"`)
	}
	v, err := parseClock(n.Value)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

func (c clock) String() string { return fmt.Sprintf("%02d:%02d", c/60, c%60) }

// ParamType names the syntax in `launchgate explain`. From and to are *clock, and the
// explanation is asked of a nil one: the receiver is a pointer that is never read.
func (*clock) ParamType() string { return "HH:MM" }

// JSONSchema is the pattern parseClock accepts; null leaves the time out, as the loader allows.
func (*clock) JSONSchema() map[string]any {
	return orVariable("A local time of day, HH:MM; 24:00 is the end of the day.",
		map[string]any{"type": []any{"string", "null"}, "pattern": `^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$`})
}

// dateSpan is a date or an inclusive range of dates, as local calendar days. The dates are
// midnights in UTC, the timeline of wall-clock readings the window is computed on.
type dateSpan struct{ first, last time.Time }

const dateLayout = "2006-01-02"

func parseDateSpan(s string) (dateSpan, error) {
	from, to, isRange := strings.Cut(s, "..")
	if !isRange {
		to = from
	}
	first, err1 := time.Parse(dateLayout, from)
	last, err2 := time.Parse(dateLayout, to)
	if err1 != nil || err2 != nil {
		return dateSpan{}, fmt.Errorf("invalid date %q: write YYYY-MM-DD or a range YYYY-MM-DD..YYYY-MM-DD", s)
	}
	if last.Before(first) {
		return dateSpan{}, fmt.Errorf("date range %q ends before it starts: write the earlier date first", s)
	}
	return dateSpan{first, last}, nil
}

// UnmarshalYAML reads YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD. An unquoted date is YAML's
// timestamp, but its text is what counts here.
func (d *dateSpan) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(`expected a date such as "2026-12-24" or a range such as "2026-12-31..2027-01-02"`)
	}
	v, err := parseDateSpan(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d dateSpan) contains(day time.Time) bool { return !day.Before(d.first) && !day.After(d.last) }

// ParamType names the syntax in `launchgate explain`.
func (dateSpan) ParamType() string { return "date" }

// JSONSchema is the shape parseDateSpan accepts (whether a day exists is the loader's call).
func (dateSpan) JSONSchema() map[string]any {
	date := `[0-9]{4}-[0-9]{2}-[0-9]{2}`
	return orVariable(`A date, "2026-12-24", or an inclusive range, "2026-12-31..2027-01-02".`,
		map[string]any{"type": "string", "pattern": "^" + date + `(\.\.` + date + ")?$"})
}

// cronSpec is when a cron window starts: five fields (minute hour day-of-month month
// day-of-week) or a descriptor such as @daily, parsed by robfig/cron/v3. Only the parsing and
// the matching of fields are robfig's: window_time.go walks the schedule on the timeline of local
// readings and applies the DST rule itself.
type cronSpec struct{ sched *cron.SpecSchedule }

// cronParser reads what Argo CD's sync windows read: standard five-field cron and descriptors.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func parseCron(s string) (cronSpec, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return cronSpec{}, errors.New(`empty cron expression: write minute hour day-of-month month day-of-week, e.g. "0 9 1 * *"`)
	case strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ="):
		// Refused before robfig sees it: the check's timezone is the one zone of its rules (and
		// robfig panics on a TZ= prefix with nothing after it).
		return cronSpec{}, fmt.Errorf("cron expression %q names a time zone: set the check's timezone instead", s)
	}
	sched, err := cronParser.Parse(s)
	if err != nil {
		return cronSpec{}, fmt.Errorf("invalid cron expression %q: %v (write minute hour day-of-month month day-of-week, e.g. \"0 9 1 * *\")", s, err)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		// @every: robfig counts it from whenever it is asked.
		return cronSpec{}, fmt.Errorf("cron expression %q counts from whenever launchgate runs, so it has no fixed start: write the times, e.g. \"0 */6 * * *\"", s)
	}
	// robfig looks five years ahead; a schedule with no date in that span (30 February) has none.
	if spec.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return cronSpec{}, fmt.Errorf("cron expression %q never fires: no date matches it", s)
	}
	return cronSpec{sched: spec}, nil
}

// UnmarshalYAML parses the expression.
func (c *cronSpec) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New(`expected a cron expression such as "0 9 1 * *"`)
	}
	v, err := parseCron(n.Value)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

func (c cronSpec) set() bool { return c.sched != nil }

// ParamType names the syntax in `launchgate explain`.
func (cronSpec) ParamType() string { return "cron expression" }

// JSONSchema: the expression's syntax is the loader's to judge.
func (cronSpec) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "minLength": 1,
		"description": `When the window starts: minute hour day-of-month month day-of-week, e.g. "0 9 1 * *", or @daily, @weekly, @monthly.`}
}
