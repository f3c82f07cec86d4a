package queuejudge

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Max adds a line for a count a kind reads besides depth (unacknowledged messages,
// redeliveries, pending entries), failing when it is over its limit; max nil only reports it.
func Max(j *kind.Judgement, name, what string, observed int64, max *int64, param, remedy string) {
	line := kind.Line{Label: name + " " + what, Observed: Count(observed), Status: kind.Pass, Remedy: remedy}
	if max != nil {
		line.Expected = "≤ " + Count(*max) + " (" + param + ")"
		if observed > *max {
			line.Status = kind.Fail
			line.Problem = fmt.Sprintf("%s: %s %s, over %s %s", name, Count(observed), what, param, Count(*max))
		}
	}
	j.Add(line)
}

// MaxAge adds a line for an age (the oldest waiting job, the last acknowledgement), failing when
// it is over limit; limit 0 only reports it.
func MaxAge(j *kind.Judgement, name, what string, age time.Duration, limit time.Duration, param, remedy string) {
	line := kind.Line{Label: name + " " + what, Observed: About(age), Status: kind.Pass, Remedy: remedy}
	if limit > 0 {
		line.Expected = "≤ " + kind.FormatDuration(limit) + " (" + param + ")"
		if age > limit {
			line.Status = kind.Fail
			line.Problem = fmt.Sprintf("%s: %s %s, over %s %s", name, what, About(age), param, kind.FormatDuration(limit))
		}
	}
	j.Add(line)
}

// Count prints a count with thousands separators: 2,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := ""
	if n < 0 {
		neg, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return neg + s
}

// PerMinute prints a rate given per second as a count per minute: 1,500/min.
func PerMinute(perSecond float64) string {
	m := perSecond * 60
	if m > 0 && m < 10 {
		return strconv.FormatFloat(m, 'f', 1, 64) + "/min"
	}
	return Count(int64(math.Round(m))) + "/min"
}

// About prints an estimated duration in the unit a person would say it in: ~40 s, ~12 min,
// ~66 h, ~9 d.
func About(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("~%d s", int64(math.Ceil(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("~%d min", int64(d/time.Minute))
	case d < 100*time.Hour:
		return fmt.Sprintf("~%d h", int64(d/time.Hour))
	case d < 1000*24*time.Hour:
		return fmt.Sprintf("~%d d", int64(d/(24*time.Hour)))
	}
	return "years"
}
