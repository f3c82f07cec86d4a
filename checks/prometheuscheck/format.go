package prometheuscheck

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// percent writes a share (0.123) as a percentage to four significant digits, never rounding a
// share above zero to 0% or one below one to 100%: "down 0%" would hide an outage.
func percent(share float64) string {
	p := share * 100
	switch {
	case p <= 0 || p >= 100:
		return number(p) + "%"
	case p < 0.001:
		return "<0.001%"
	case p > 99.9:
		for d := 2; d <= 6; d++ {
			if t := strconv.FormatFloat(p, 'f', d, 64); !strings.HasPrefix(t, "100") {
				return strings.TrimRight(t, "0") + "%"
			}
		}
		return ">99.9999%"
	}
	return number(p) + "%"
}

// number writes a value to four significant digits, without an exponent for everyday sizes.
func number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case math.Abs(v) >= 1e-3 && math.Abs(v) < 1e9:
		f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 4, 64), 64)
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Unit says how a query's values read.
type Unit string

// The units a query's values can have.
const (
	UnitNone    Unit = ""
	UnitRatio   Unit = "ratio"
	UnitPercent Unit = "percent"
	UnitSeconds Unit = "seconds"
	UnitBytes   Unit = "bytes"
)

var units = []Unit{UnitRatio, UnitPercent, UnitSeconds, UnitBytes}

// format writes a value in its unit: ratio 0.25 as 25%, seconds 0.2 as 200ms.
func (u Unit) format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return number(v)
	}
	switch u {
	case UnitRatio:
		if v < 0 || v > 1 {
			return number(v*100) + "%"
		}
		return percent(v)
	case UnitPercent:
		return number(v) + "%"
	case UnitSeconds:
		if math.Abs(v) < 1e9 {
			d := time.Duration(v * float64(time.Second))
			if d != 0 || v == 0 {
				return kind.Elapsed(d)
			}
		}
	case UnitBytes:
		if v >= 0 && v < 1<<62 && v == math.Trunc(v) {
			return byteSize(v)
		}
	}
	return number(v)
}

func byteSize(v float64) string {
	const k = 1024
	for i, name := range []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"} {
		if v < k || i == 5 {
			return number(v) + name
		}
		v /= k
	}
	return ""
}

// clock writes when something happened: a time of day for windows within a day, a date as
// well for longer ones. Prometheus's times are UTC, and so are these.
func clock(t time.Time, over time.Duration) string {
	t = t.UTC()
	if over > 24*time.Hour {
		return t.Format("Jan 2 15:04:05")
	}
	return t.Format("15:04:05")
}

// enumerate joins items as a sentence does: a, b and c.
func enumerate(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// plural writes a count with its noun: 1 alert, 2 alerts.
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
