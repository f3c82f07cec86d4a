package httpx

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestGivenTimeout(t *testing.T) {
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
	if got := GivenTimeout(context.Background(), 10*time.Second); got != 10*time.Second {
		t.Errorf("without a deadline: %s, want the default", got)
	}
	// Recorded by WithTimeout, the timeout is exact however late the check starts.
	ctx, cancel := WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	if got := GivenTimeout(ctx, time.Minute); got != 1500*time.Millisecond {
		t.Errorf("recorded 1.5s: got %s", got)
	}
}

func TestUnencodedPassword(t *testing.T) {
	err := UnencodedPassword("PostgreSQL", "postgres://app:Tr0ub4dor@Horse99@db:5432/shop")
	want := "PostgreSQL URL postgres://app:***@db:5432/shop does not parse as user:password@host: percent-encode '#', '/', '?' and '@' in the password (%40 for '@')"
	if err.Error() != want {
		t.Errorf("got %q\nwant %q", err, want)
	}
	for _, fragment := range []string{"Tr0ub4dor", "Horse99"} {
		if strings.Contains(err.Error(), fragment) {
			t.Errorf("shows %q", fragment)
		}
	}
}
