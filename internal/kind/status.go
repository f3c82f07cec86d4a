// Package check defines what a check kind is: its result, the environment it runs in, the
// registry of kinds, and the parameter types that checklists share (durations, sizes).
package kind

import (
	"fmt"
	"strings"
)

// Status is the outcome of one check. The order matters: a higher status is worse, except
// Skip, which says nothing about the target.
type Status int

const (
	// Skip means the check did not run (filtered out, or its inputs are absent).
	Skip Status = iota
	// Pass means the target is ready in this respect.
	Pass
	// Warn means the target works but something deserves attention.
	Warn
	// Fail means the target is not ready.
	Fail
	// Error means the check could not decide (DNS failure, refused, timeout, bad credentials).
	Error
)

var statusNames = [...]string{Skip: "skip", Pass: "pass", Warn: "warn", Fail: "fail", Error: "error"}

func (s Status) String() string {
	if s < 0 || int(s) >= len(statusNames) {
		return fmt.Sprintf("status(%d)", int(s))
	}
	return statusNames[s]
}

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

// Worst returns the more serious of two statuses (error > fail > warn > pass > skip).
func Worst(a, b Status) Status {
	if b > a {
		return b
	}
	return a
}
