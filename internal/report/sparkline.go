package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

var sparks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws a series in one line of at most width columns: bars scaled from its lowest to
// its highest value, a blank for a second without a measurement, then the range in its unit
// ("12–340 ms"). A series longer than the room is drawn by the peak of each group of values.
func sparkline(s kind.Series, width int) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range s.Values {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if math.IsInf(lo, 1) {
		return "no measurements"
	}
	rng := shortNumber(lo) + "–" + shortNumber(hi)
	switch s.Unit {
	case "":
	case "bytes":
		rng = kind.FormatBytes(lo) + "–" + kind.FormatBytes(hi)
	default:
		rng += " " + s.Unit
	}
	room := max(width-len([]rune(rng))-2, 8)
	vals := s.Values
	if len(vals) > room {
		vals = peaks(vals, room)
	}
	var b strings.Builder
	for _, v := range vals {
		switch {
		case math.IsNaN(v):
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(sparks[0])
		default:
			b.WriteRune(sparks[int(math.Round((v-lo)/(hi-lo)*float64(len(sparks)-1)))])
		}
	}
	return b.String() + "  " + rng
}

// peaks groups vals into n columns, each the highest of its group.
func peaks(vals []float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
		for _, v := range vals[i*len(vals)/n : (i+1)*len(vals)/n] {
			if !math.IsNaN(v) && (math.IsNaN(out[i]) || v > out[i]) {
				out[i] = v
			}
		}
	}
	return out
}

// shortNumber prints a value with at most four significant digits, without an exponent for
// the sizes a series holds.
func shortNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if math.Abs(v) < 1 {
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return s
}
