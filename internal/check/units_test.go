package check

import (
	"testing"
	"time"
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
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s, error %v", tt.in, got, err, tt.want, tt.err)
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

func TestByteSize(t *testing.T) {
	for in, want := range map[string]ByteSize{"5MiB": 5 << 20, "512KB": 512000, "1048576": 1 << 20, "1 GiB": 1 << 30, "2k": 2048} {
		got, err := ParseByteSize(in)
		if err != nil || got != want {
			t.Errorf("ParseByteSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "five", "-1MiB", "1XB"} {
		if _, err := ParseByteSize(bad); err == nil {
			t.Errorf("ParseByteSize(%q) accepted", bad)
		}
	}
	if s := ByteSize(5 << 20).String(); s != "5MiB" {
		t.Errorf("String() = %q", s)
	}
}

// FuzzParseDuration: durations must never panic, never go negative, and print back to a value
// that parses to the same duration.
func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"500ms", "30d", "1d12h", "1.5d", "10", "d1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
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
	if Worst(Pass, Fail) != Fail || Worst(Error, Warn) != Error || Worst(Skip, Pass) != Pass {
		t.Error("Worst orders statuses wrongly")
	}
	var s Status
	if err := s.UnmarshalText([]byte("FAIL")); err != nil || s != Fail || s.String() != "fail" {
		t.Errorf("round trip: %v %v", s, err)
	}
}
