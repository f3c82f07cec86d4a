package kind

import (
	"errors"
	"fmt"
	"math"
	"math/big"
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
	return DecodeScalar(n, "a duration like 500ms, 10s or 30d", func(s string) (Duration, error) {
		v, err := ParseDuration(s)
		return Duration(v), err
	}, d)
}

// MarshalYAML writes the duration the way a person would type it.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// MarshalText writes the duration the way a person would type it.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// maxNumberLen bounds the text of a duration or size: the longest valid duration,
// 106751d23h47m16.854775807s, is 26 characters, and exact arithmetic on a megabyte of digits
// would only waste time.
const maxNumberLen = 64

var durationUnits = map[string]int64{
	"ns": 1, "us": int64(time.Microsecond), "µs": int64(time.Microsecond), "μs": int64(time.Microsecond),
	"ms": int64(time.Millisecond), "s": int64(time.Second), "m": int64(time.Minute), "h": int64(time.Hour),
	"d": int64(24 * time.Hour),
}

// ParseDuration accepts Go durations plus days ("500ms", "1h30m", "30d", "1.5d", "1d12h"). It
// computes exactly and refuses what time.Duration cannot hold: NaN and Inf are not numbers here,
// a sign is refused (a negative limit would silently disable a check), and a value past
// 106751d23h47m16.854775807s is out of range rather than wrapped around.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	invalid := fmt.Errorf("invalid duration %q: use a value like 500ms, 10s or 30d", s)
	switch {
	case s == "":
		return 0, fmt.Errorf("empty duration: use a value like 500ms, 10s or 30d")
	case s == "0":
		return 0, nil
	case len(s) > maxNumberLen:
		return 0, invalid
	case isDecimal(s):
		return 0, fmt.Errorf("duration %q has no unit: write e.g. %sms, %ss or %sd", s, s, s, s)
	case strings.HasPrefix(s, "-"):
		return 0, fmt.Errorf("duration %q is negative: a duration counts forward, like 10s", s)
	}
	total := new(big.Rat)
	for rest := s; rest != ""; {
		n := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if n <= 0 {
			return 0, invalid
		}
		num := rest[:n]
		rest = rest[n:]
		u := strings.IndexFunc(rest, func(r rune) bool { return r == '.' || (r >= '0' && r <= '9') })
		if u < 0 {
			u = len(rest)
		}
		unit, ok := durationUnits[rest[:u]]
		if !ok || !isDecimal(num) {
			return 0, invalid
		}
		rest = rest[u:]
		v, _ := new(big.Rat).SetString(num)
		total.Add(total, v.Mul(v, new(big.Rat).SetInt64(unit)))
	}
	ns := new(big.Int).Quo(total.Num(), total.Denom())
	if !ns.IsInt64() {
		return 0, fmt.Errorf("duration %q is out of range: the longest is %s", s, FormatDuration(math.MaxInt64))
	}
	return time.Duration(ns.Int64()), nil
}

// DecodeScalar sets *into to a unit type read from a YAML scalar with parse, and leaves it as it
// was on an error; want says what anything but a scalar should have been ("a size like 5MiB").
func DecodeScalar[T any](n *yaml.Node, want string, parse func(string) (T, error), into *T) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("expected " + want)
	}
	v, err := parse(n.Value)
	if err == nil {
		*into = v
	}
	return err
}

// ParseDecimal reads an unsigned decimal number such as 10, 1.5 or .5; ok is false for
// anything else, including the NaN, Inf, 1e3 and 0x1p4 that strconv would take.
func ParseDecimal(s string) (v float64, ok bool) {
	if !isDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// isDecimal reports whether s is an unsigned decimal number such as 10, 1.5 or .5: strconv
// would also take NaN, Inf, 1e3 and 0x1p4.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
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

// Elapsed prints a measured duration (a latency, a lag, how long a check or a run took) the one
// way every output shows it: microseconds below a millisecond ("850µs"), whole milliseconds below
// a second ("42ms"), three significant digits below a minute ("1.25s", "12.3s"), whole seconds
// from there ("2m5s", "1h", "2d3h"). Three digits are enough to see why 1.04s broke a 1s budget
// (tenths would say "1s"), and more are noise to a person reading a report.
func Elapsed(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + Elapsed(d.Abs())
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		d = d.Round(10 * time.Millisecond)
	case d < time.Minute:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(time.Second)
	}
	return FormatDuration(d)
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

// ParseByteSize reads sizes such as "5MiB", "512 KB", "1.5GiB" or "1048576". Like
// ParseDuration it computes exactly and refuses NaN, Inf, signs and sizes past what an int64
// holds, instead of wrapping them into a negative size.
func ParseByteSize(s string) (ByteSize, error) {
	invalid := fmt.Errorf("invalid size %q: use a value like 5MiB, 512KB or 1048576", s)
	t := strings.ToLower(strings.TrimSpace(s))
	if len(t) > maxNumberLen {
		return 0, invalid
	}
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			mult, t = u.mult, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("size %q is negative", s)
	}
	if !isDecimal(t) {
		return 0, invalid
	}
	v, _ := new(big.Rat).SetString(t)
	v.Mul(v, new(big.Rat).SetInt64(mult))
	n := new(big.Int).Quo(v.Num(), v.Denom())
	if !n.IsInt64() {
		return 0, fmt.Errorf("size %q is out of range: the largest is %d bytes", s, int64(math.MaxInt64))
	}
	return ByteSize(n.Int64()), nil
}

// UnmarshalYAML parses a size scalar.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	return DecodeScalar(n, "a size like 5MiB", ParseByteSize, b)
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

// FormatBytes prints a measured size the way memory is read: 512 B, 41.2 MiB.
func FormatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + units[i]
}

// MarshalYAML writes the size the way a person would type it.
func (b ByteSize) MarshalYAML() (any, error) { return b.String(), nil }

// MarshalText writes the size the way a person would type it.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }
