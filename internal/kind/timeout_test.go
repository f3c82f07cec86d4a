package kind

import (
	"context"
	"testing"
	"time"
)

func TestTimeout(t *testing.T) {
	ctx, cancel := WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if got := Timeout(ctx); got != 3*time.Second {
		t.Errorf("recorded: %s, want 3s", got)
	}
	if got := Timeout(context.Background()); got != 0 {
		t.Errorf("no deadline: %s, want 0", got)
	}
	// Without a record, the time left is rounded up: a deadline set a moment ago reads as set.
	// A busy machine may pause between setting and reading it; what passed meanwhile is
	// measured, so the reading is exact either way.
	for _, d := range []time.Duration{10 * time.Second, 250 * time.Millisecond} {
		set := time.Now()
		plain, cancel := context.WithTimeout(context.Background(), d)
		got := Timeout(plain)
		least := roundUp(d - time.Since(set))
		cancel()
		if got < least || got > d {
			t.Errorf("unrecorded %s: %s, want %s (at least %s after a pause)", d, got, d, least)
		}
	}
}

func TestRoundUp(t *testing.T) {
	tests := []struct {
		given, elapsed time.Duration
		want           time.Duration
	}{
		{3 * time.Second, 45 * time.Millisecond, 3 * time.Second},
		{10 * time.Second, 3 * time.Millisecond, 10 * time.Second},
		{1500 * time.Millisecond, 20 * time.Millisecond, 1500 * time.Millisecond},
		{time.Second, 8 * time.Millisecond, time.Second},
		{250 * time.Millisecond, 4 * time.Millisecond, 250 * time.Millisecond},
	}
	for _, tt := range tests {
		// What is left of a deadline set elapsed ago, as the runner set it before the check
		// started.
		if got := roundUp(tt.given - tt.elapsed); got != tt.want {
			t.Errorf("given %s, %s ago: got %s, want %s", tt.given, tt.elapsed, got, tt.want)
		}
	}
}
