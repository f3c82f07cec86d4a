//go:build race

package report

// raceEnabled lets tests that only measure size skip the race detector's 10x slowdown.
const raceEnabled = true
