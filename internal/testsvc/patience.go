package testsvc

import (
	"testing"
	"time"
)

// The suite runs under -race on two cores, next to other busy processes: there, what takes
// milliseconds alone takes seconds. Tests therefore never measure how fast something is; they
// wait for real conditions, and bound only what would otherwise never end. These two limits are
// the only allowance for a slow machine, kept here so that no test picks a number of its own.
const (
	// HangSlack is how far past its deadline a check may return before a test calls it hung.
	// The peers such tests use (HangingListener, a handler that waits for the test to end)
	// never answer, so a check that ignored its deadline would run until the test binary timed
	// out, while one that honoured it is late only by what a loaded machine adds.
	HangSlack = 15 * time.Second

	// WaitLimit is how long a test polls for a condition of a real server or process (a
	// connection count, a replication state, a process that has started) or lets a heavyweight
	// tool (pg_ctl, rabbitmqctl, a server's start) run before it fails. A condition that never
	// comes fails as surely, only later.
	WaitLimit = 2 * time.Minute
)

// NotHung fails the test when more than deadline plus HangSlack has passed since start: a check
// given deadline did not give up on a peer that never answers.
func NotHung(t testing.TB, start time.Time, deadline time.Duration) {
	t.Helper()
	if took := time.Since(start); took > deadline+HangSlack {
		t.Errorf("took %s with a %s deadline: it did not give up on a peer that never answers", took, deadline)
	}
}
