package kind

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"500ms", 500 * time.Millisecond, false},
		{"10s", 10 * time.Second, false},
		{"1h30m", 90 * time.Minute, false},
		{"30d", 30 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"1.5d", 36 * time.Hour, false},
		{"0", 0, false},
		{"10", 0, true},
		{"", 0, true},
		{"fast", 0, true},
		{"d", 0, true},
		{"3dd", 0, true},
		{"-1d", 0, true},
		{"99999999999d", 0, true},
		{"1.1d", 95040 * time.Second, false},
		{"1h1d", 25 * time.Hour, false},
		{"106751d23h47m16.854775807s", math.MaxInt64, false},
		{"9223372036854775807ns", math.MaxInt64, false},
		{"9223372036854775808ns", 0, true},
		{"106751d23h47m16.854775808s", 0, true},
		{"107000d", 0, true},
		{"2562048h", 0, true},
		{"NaNd", 0, true},
		{"nand", 0, true},
		{"NaN", 0, true},
		{"NaNs", 0, true},
		{"Infd", 0, true},
		{"+Infd", 0, true},
		{"-Infd", 0, true},
		{"Inf", 0, true},
		{"1e3d", 0, true},
		{"0x1p4d", 0, true},
		{"1d-5h", 0, true},
		{"-5s", 0, true},
		{"+5s", 0, true},
		{"1..5s", 0, true},
		{"5", 0, true},
		{strings.Repeat("1", 100) + "ns", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseDurationMessages(t *testing.T) {
	for in, want := range map[string]string{
		"NaNd":                  `invalid duration "NaNd": use a value like 500ms, 10s or 30d`,
		"NaN":                   `invalid duration "NaN": use a value like 500ms, 10s or 30d`,
		"10":                    `duration "10" has no unit: write e.g. 10ms, 10s or 10d`,
		"-1d":                   `duration "-1d" is negative: a duration counts forward, like 10s`,
		"107000d":               `duration "107000d" is out of range: the longest is 106751d23h47m16.854775807s`,
		"9223372036854775808ns": `duration "9223372036854775808ns" is out of range: the longest is 106751d23h47m16.854775807s`,
	} {
		if _, err := ParseDuration(in); err == nil || err.Error() != want {
			t.Errorf("ParseDuration(%q) error = %v, want %q", in, err, want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 500 * time.Millisecond: "500ms", time.Minute: "1m", 2 * time.Hour: "2h",
		30 * 24 * time.Hour: "30d", 36 * time.Hour: "1d12h", 90 * time.Second: "1m30s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestElapsed(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{400 * time.Nanosecond, "0s"},
		{850*time.Microsecond + 300*time.Nanosecond, "850µs"},
		{999*time.Microsecond + 700*time.Nanosecond, "1ms"},
		{42*time.Millisecond + 700*time.Microsecond, "43ms"},
		{999*time.Millisecond + 600*time.Microsecond, "1s"},
		{time.Second, "1s"},
		{1040 * time.Millisecond, "1.04s"},
		{1250 * time.Millisecond, "1.25s"},
		{1500 * time.Millisecond, "1.5s"},
		{9996 * time.Millisecond, "10s"},
		{12345 * time.Millisecond, "12.3s"},
		{59960 * time.Millisecond, "1m"},
		{125300 * time.Millisecond, "2m5s"},
		{time.Hour + 200*time.Millisecond, "1h"},
		{51*time.Hour + 400*time.Millisecond, "2d3h"},
		{-1250 * time.Millisecond, "-1.25s"},
		// The most negative duration has no positive twin; Round keeps the largest one as it is.
		{time.Duration(math.MinInt64), "-106751d23h47m16.854775807s"},
	} {
		if got := Elapsed(c.d); got != c.want {
			t.Errorf("Elapsed(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"5MiB": 5 << 20, "512KB": 512000, "1048576": 1 << 20, "1 GiB": 1 << 30, "2k": 2048,
		"1.5KiB": 1536, "9223372036854775807": math.MaxInt64, "8388607TiB": 8388607 << 40, "0": 0} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "five", "-1MiB", "1XB", "NaN", "NaNMiB", "Inf", "infGiB", "-Inf",
		"9223372036854775808", "8388608TiB", "1e3", "0x10", "+5MiB", "1..5KiB", strings.Repeat("9", 100)} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
	if s := ByteSize(5 << 20).String(); s != "5MiB" {
		t.Errorf("String() = %q", s)
	}
}

func TestFormatBytes(t *testing.T) {
	for v, want := range map[float64]string{0: "0 B", 512: "512 B", 1023: "1023 B", 1024: "1.0 KiB",
		43_200_000: "41.2 MiB", 5 << 30: "5.0 GiB", 3 << 50: "3072.0 TiB", -2048: "-2.0 KiB"} {
		if got := FormatBytes(v); got != want {
			t.Errorf("FormatBytes(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	for in, want := range map[string]float64{"10": 10, "1.5": 1.5, ".5": 0.5, "5.": 5, "0": 0} {
		if got, ok := ParseDecimal(in); !ok || got != want {
			t.Errorf("ParseDecimal(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", ".", "-1", "+1", "NaN", "Inf", "1e3", "0x10", "1..5", " 1", "1 "} {
		if _, ok := ParseDecimal(bad); ok {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
}

func TestDecodeScalarRefusesOtherNodes(t *testing.T) {
	var d struct{ Timeout Duration }
	err := yaml.Unmarshal([]byte("timeout: [10s]"), &d)
	if err == nil || !strings.Contains(err.Error(), "expected a duration like 500ms, 10s or 30d") {
		t.Errorf("error %v, want the duration's form", err)
	}
	if err := yaml.Unmarshal([]byte("timeout: 1d12h"), &d); err != nil || d.Timeout.D() != 36*time.Hour {
		t.Errorf("decoded %v, %v; want 36h", d.Timeout, err)
	}
}

// FuzzParseDuration: durations must never panic, never go negative, and print back to a value
// that parses to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"500ms", "30d", "1d12h", "1.5d", "10", "d1", "NaNd", "Infh", "9223372036854775807ns", "107000d", "1d-5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		if l := strings.ToLower(s); strings.Contains(l, "nan") || strings.Contains(l, "inf") {
			t.Fatalf("%q parsed to %s", s, d)
		}
		if d < 0 {
			t.Fatalf("%q parsed to a negative duration %s", s, d)
		}
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%q -> %s -> %q -> %s, %v", s, d, FormatDuration(d), back, err)
		}
	})
}

func TestStatusOrderAndText(t *testing.T) {
	order := []Status{Pass, Skip, Waived, Warn, Blocked, Fail, Error}
	if !slices.Equal(Statuses(), order) {
		t.Errorf("Statuses() = %v, want %v", Statuses(), order)
	}
	for i, a := range order {
		for _, b := range order[i:] {
			if Worst(a, b) != b || Worst(b, a) != b {
				t.Errorf("Worst(%s, %s) is not %s", a, b, b)
			}
		}
	}
	var s Status
	if err := s.UnmarshalText([]byte("FAIL")); err != nil || s != Fail || s.String() != "fail" {
		t.Errorf("round trip: %v %v", s, err)
	}
}

// FuzzParseByteSize: sizes must never panic or go negative, and print back to the same size.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"5MiB", "512 KB", "1048576", "1.5GiB", "NaN", "Inf", "9223372036854775808", "-1k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseByteSize(s)
		if err != nil {
			return
		}
		if b < 0 {
			t.Fatalf("%q parsed to a negative size %d", s, b)
		}
		back, err := ParseByteSize(b.String())
		if err != nil || back != b {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, b, b.String(), back, err)
		}
	})
}
