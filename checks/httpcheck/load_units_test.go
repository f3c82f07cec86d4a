package httpcheck

import (
	"math"
	"strings"
	"testing"
)

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		err  string
	}{
		{"200/s", 200, ""},
		{" 0.5 / s ", 0.5, ""},
		{"12000/m", 200, ""},
		{"60/min", 1, ""},
		{"200", 0, `rate "200" has no unit: write 200/s (per second) or 200/m (per minute)`},
		{"0/s", 0, "must be more than 0"},
		{"-5/s", 0, "invalid rate"},
		{"NaN/s", 0, "invalid rate"},
		{"Inf/s", 0, "invalid rate"},
		{"1e3/s", 0, "invalid rate"},
		{"200/h", 0, "invalid rate"},
		{"/s", 0, "invalid rate"},
		{strings.Repeat("9", 40) + "/s", 0, "invalid rate"},
	} {
		got, err := ParseRate(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: err %v, want %q", c.in, err, c.err)
		case c.err == "" && (err != nil || math.Abs(got.PerSecond()-c.want) > 1e-9):
			t.Errorf("%q: %v, %v; want %g", c.in, got, err, c.want)
		}
	}
}

func TestParseFractionAndGrowth(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		bad  bool
	}{
		{"1%", 0.01, false}, {"0.1 %", 0.001, false}, {"0.05", 0.05, false}, {"0", 0, false}, {"100%", 1, false},
		{"5", 0, true}, {"101%", 0, true}, {"-1%", 0, true}, {"NaN", 0, true}, {"%", 0, true},
	} {
		got, err := ParseFraction(c.in)
		if (err != nil) != c.bad || (!c.bad && math.Abs(float64(got)-c.want) > 1e-12) {
			t.Errorf("fraction %q: %v, %v", c.in, got, err)
		}
	}
	for _, c := range []struct {
		in      string
		allowed float64 // over a baseline of 200
		bad     bool
	}{
		{"5", 5, false}, {"20%", 40, false}, {"64MiB", 64 << 20, false}, {"1.5", 1.5, false},
		{"lots", 0, true}, {"-3", 0, true}, {"%", 0, true}, {"NaN%", 0, true},
	} {
		g, err := ParseGrowth(c.in)
		if (err != nil) != c.bad || (!c.bad && g.Allowed(200) != c.allowed) {
			t.Errorf("growth %q: %+v, %v", c.in, g, err)
		}
	}
}

// FuzzLoadUnits: the parsers of checklist text never panic, and what they accept is finite and
// within bounds.
func FuzzLoadUnits(f *testing.F) {
	for _, s := range []string{"200/s", "12000/m", "1%", "0.05", "20%", "64MiB", "5", ".5/s", "1e9/s", "%", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRate(s); err == nil && (r <= 0 || math.IsInf(float64(r), 0) || math.IsNaN(float64(r))) {
			t.Errorf("rate %q accepted as %v", s, r)
		}
		if v, err := ParseFraction(s); err == nil && (v < 0 || v > 1 || math.IsNaN(float64(v))) {
			t.Errorf("fraction %q accepted as %v", s, v)
		}
		if g, err := ParseGrowth(s); err == nil && (g.Amount < 0 || g.Percent < 0 || math.IsNaN(g.Allowed(1)) || math.IsInf(g.Allowed(1), 0)) {
			t.Errorf("growth %q accepted as %+v", s, g)
		}
	})
}
