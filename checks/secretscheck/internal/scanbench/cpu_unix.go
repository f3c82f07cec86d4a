//go:build unix

package main

import (
	"syscall"
	"time"
)

// cpuTimes returns the CPU time (user and system) this process took, and that of the processes
// it waited for: the git processes of a history scan.
func cpuTimes() (self, children time.Duration, ok bool) {
	var s, c syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &s) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &c) != nil {
		return 0, 0, false
	}
	return cpu(s), cpu(c), true
}

func cpu(r syscall.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}
