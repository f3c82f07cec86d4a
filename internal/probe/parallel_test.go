package probe

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestInParallelKeepsOrderAndLimit(t *testing.T) {
	items := make([]int, 40)
	for i := range items {
		items[i] = i
	}
	var running, most atomic.Int32
	got := InParallel(items, 3, func(n int) int {
		now := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		return n * n
	})
	for i, v := range got {
		if v != i*i {
			t.Fatalf("result %d is %d, want %d: results must keep the items' order", i, v, i*i)
		}
	}
	if m := most.Load(); m > 3 {
		t.Errorf("%d calls ran at once, want at most 3", m)
	}
	if out := InParallel([]string{}, 0, func(string) int { return 1 }); len(out) != 0 {
		t.Errorf("no items gave %v", out)
	}
}

func TestStopEarly(t *testing.T) {
	ctx, cancel := StopEarly(context.Background(), time.Hour)
	defer cancel()
	dl, ok := ctx.Deadline()
	if left := time.Until(dl); !ok || left > time.Hour-500*time.Millisecond || left < 50*time.Minute {
		t.Errorf("without a deadline: %v left, want an hour less the margin", left)
	}
	outer, stop := context.WithTimeout(context.Background(), 2*time.Hour)
	defer stop()
	outerDL, _ := outer.Deadline()
	ctx, cancel = StopEarly(outer, time.Minute)
	defer cancel()
	if dl, _ := ctx.Deadline(); outerDL.Sub(dl) != 500*time.Millisecond {
		t.Errorf("stops %v before the check's deadline, want 500ms", outerDL.Sub(dl))
	}
}
