package kind

import (
	"fmt"
	"time"
)

// Plural picks the word for n things: one when n is 1, many otherwise.
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Count says how many: "1 secret", "3 secrets".
func Count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, Plural(n, one, many))
}

// Human prints a span the way a person reads a lifetime or an age: 15m, 24h, 30d, rounded to
// what matters at that scale.
func Human(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d >= 48*time.Hour:
		return FormatDuration(d.Round(time.Hour))
	case d >= time.Hour:
		return FormatDuration(d.Round(time.Minute))
	}
	return FormatDuration(d.Round(time.Second))
}
