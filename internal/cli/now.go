package cli

import (
	"errors"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// nowFlag is --now: the time a gate judges against instead of the clock's, for dry runs (is
// the deploy window open on Friday at 16:00? does the waiver still hold next week?).
type nowFlag struct{ t time.Time }

func (f *nowFlag) Set(s string) error {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("expected an RFC 3339 time such as 2026-12-04T16:00:00+01:00")
	}
	f.t = t
	return nil
}

func (f *nowFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *nowFlag) Type() string { return "time" }

// app is a, or without --now, a's copy whose clock reads the given time when the command starts
// and runs on from there: checks and waivers judge against that time, and the durations the
// report shows are still measured.
func (f *nowFlag) app(a *App) *App {
	if f.t.IsZero() {
		return a
	}
	offset := f.t.Sub(a.Now())
	shifted := *a
	shifted.Env = func() *kind.Env {
		e := a.Env()
		clock := e.Now
		e.Now = func() time.Time { return clock().Add(offset) }
		return e
	}
	return &shifted
}
