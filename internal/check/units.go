package check

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Duration is a checklist duration: Go syntax (500ms, 1h30m) plus days (30d, 1d12h).
type Duration time.Duration

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return FormatDuration(time.Duration(d)) }

// UnmarshalYAML parses a scalar; a bare number is refused because its unit would be a guess.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration like 500ms, 10s or 30d")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration the way a person would type it.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes the duration the way a person would type it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ParseDuration accepts Go durations and a leading count of days ("30d", "1d12h").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration: use a value like 500ms, 10s or 30d")
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
		return 0, fmt.Errorf("duration %q has no unit: write e.g. %sms, %ss or %sd", s, s, s, s)
	}
	rest, days := s, 0.0
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use a value like 500ms, 10s or 30d", s)
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		v, err := time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use a value like 500ms, 10s or 30d", s)
		}
		d = v
	}
	total := float64(d) + days*float64(24*time.Hour)
	if total > math.MaxInt64 || total < 0 {
		return 0, fmt.Errorf("duration %q is out of range", s)
	}
	return time.Duration(total), nil
}

// FormatDuration prints whole days as days ("30d") and the rest as Go does, without the noise
// of trailing zero units ("1m0s" becomes "1m").
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	day := 24 * time.Hour
	var b strings.Builder
	if d >= day {
		fmt.Fprintf(&b, "%dd", d/day)
		d %= day
		if d == 0 {
			return b.String()
		}
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	b.WriteString(s)
	return b.String()
}

// FormatRounded prints a measured duration to a useful precision: tenths of a second from one
// second up, milliseconds below.
func FormatRounded(d time.Duration) string {
	if d >= time.Second {
		return FormatDuration(d.Round(100 * time.Millisecond))
	}
	return FormatDuration(d.Round(time.Millisecond))
}

// ByteSize is a size in bytes, written as 5MiB, 512KB, 1GiB or a plain number of bytes.
type ByteSize int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1000}, {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000}, {"tb", 1000 * 1000 * 1000 * 1000},
	{"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1},
}

// ParseByteSize reads sizes such as "5MiB", "512 KB" or "1048576".
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 || n*float64(mult) > math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: use a value like 5MiB, 512KB or 1048576", s)
	}
	return ByteSize(n * float64(mult)), nil
}

// UnmarshalYAML parses a size scalar.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a size like 5MiB")
	}
	v, err := ParseByteSize(n.Value)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

func (b ByteSize) String() string {
	switch {
	case b >= 1<<30 && b%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", b>>30)
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", b>>10)
	}
	return fmt.Sprintf("%dB", int64(b))
}

// MarshalYAML writes the size the way a person would type it.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// MarshalText writes the size the way a person would type it.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }
