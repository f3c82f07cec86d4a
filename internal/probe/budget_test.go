package probe

import (
	"context"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	if got := Remaining(context.Background(), 7*time.Second); got != 7*time.Second {
		t.Errorf("Remaining without a deadline = %s, want the default", got)
	}
	if got := Budget(context.Background(), 10*time.Second); got != 9500*time.Millisecond {
		t.Errorf("Budget(10s) = %s, want 9.5s (a 500ms margin)", got)
	}
	if got := Budget(context.Background(), 2*time.Second); got != 1800*time.Millisecond {
		t.Errorf("Budget(2s) = %s, want 1.8s (a tenth)", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if got := Budget(ctx, time.Second); got != 10*time.Millisecond {
		t.Errorf("Budget past the deadline = %s, want the 10ms floor", got)
	}
}
