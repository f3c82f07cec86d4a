//go:build unix

package secretscheck

import (
	"syscall"
	"testing"
)

// mkfifo makes a FIFO at path: reading it blocks until a writer comes, which never does.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here: ", err)
	}
}
