// Package kind defines what a check kind is: its result, the environment it runs in, the
// registry of kinds, and the parameter types that checklists share (durations, sizes).
package kind

import (
	"fmt"
	"strings"
)

// Status is the outcome of one check. The order is the order of seriousness, used for sorting
// and by Worst: pass < skip < waived < warn < blocked < fail < error. A skip ranks above a pass
// because a gate that did not look knows less than one that saw the target ready.
type Status int

const (
	// Pass means the target is ready in this respect.
	Pass Status = iota
	// Skip means the check did not run (filtered out, or its inputs are absent).
	Skip
	// Waived means the check failed or errored under a waiver that is still valid: a known,
	// owned risk that keeps the gate open. Only the gate gives it, never a check.
	Waived
	// Warn means the target works but something deserves attention.
	Warn
	// Blocked means the check did not run because a check it needs failed or errored; it
	// closes the gate like that failure. Only the gate gives it, never a check.
	Blocked
	// Fail means the target is not ready.
	Fail
	// Error means the check could not decide (DNS failure, refused, timeout, bad credentials).
	Error
)

var statusNames = [...]string{Pass: "pass", Skip: "skip", Waived: "waived", Warn: "warn",
	Blocked: "blocked", Fail: "fail", Error: "error"}

// Statuses lists every status, least serious first.
func Statuses() []Status {
	out := make([]Status, len(statusNames))
	for i := range statusNames {
		out[i] = Status(i)
	}
	return out
}

func (s Status) String() string {
	if !s.Valid() {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool { return s >= 0 && int(s) < len(statusNames) }

// FromCheck reports whether a check may return s itself: waived and blocked are the gate's.
func (s Status) FromCheck() bool { return s.Valid() && s != Waived && s != Blocked }

// Problem reports whether a line or result with this status needs attention: a warning or
// worse. A skipped line of evidence is not a problem: it says nothing about the target.
func (s Status) Problem() bool { return s >= Warn }

// Closes reports whether this gate status closes the gate (a warning does only under --strict).
func (s Status) Closes() bool { return s == Blocked || s == Fail || s == Error }

// MarshalText makes statuses appear as words in JSON and YAML.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText accepts the words MarshalText writes.
func (s *Status) UnmarshalText(b []byte) error {
	for i, n := range statusNames {
		if strings.EqualFold(n, string(b)) {
			*s = Status(i)
			return nil
		}
	}
	return fmt.Errorf("unknown status %q", b)
}

// Worst returns the more serious of two statuses, in the order above.
func Worst(a, b Status) Status {
	if b > a {
		return b
	}
	return a
}
