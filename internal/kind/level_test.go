package kind

import "testing"

func TestUsageLevel(t *testing.T) {
	for _, tt := range []struct {
		pct  int64
		want Status
	}{{0, Pass}, {69, Pass}, {70, Warn}, {79, Warn}, {80, Fail}, {250, Fail}} {
		if got := UsageLevel(tt.pct, 70, 80); got != tt.want {
			t.Errorf("UsageLevel(%d, 70, 80) = %s, want %s", tt.pct, got, tt.want)
		}
	}
}
