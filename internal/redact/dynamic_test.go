package redact

import (
	"context"
	"sync"
	"testing"
)

func TestLearnJoinsTheRunSet(t *testing.T) {
	rd := &Redactor{}
	ctx := WithRunSet(context.Background(), rd)
	if RunSet(ctx) != rd {
		t.Fatal("the run set is not carried")
	}
	// Several checks learn at once.
	var wg sync.WaitGroup
	for _, v := range []string{"tok-aaaa-1111", "tok-bbbb-2222", "tok-cccc-3333"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			Learn(ctx, v)
		}()
	}
	wg.Wait()
	got := rd.String("a tok-aaaa-1111 b tok-bbbb-2222 c tok-cccc-3333")
	if got != "a *** b *** c ***" {
		t.Errorf("got %q", got)
	}
}

func TestLearnWithoutARunSetDoesNothing(t *testing.T) {
	Learn(context.Background(), "tok-aaaa-1111")
	if RunSet(context.Background()) != nil {
		t.Error("a run set out of nowhere")
	}
}
