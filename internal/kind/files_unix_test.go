//go:build unix

package kind

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestReadSmallFileNeverBlocksOnAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "launchgate.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	err := readWithin(t, fifo)
	if err == nil || !strings.HasSuffix(err.Error(), "is a FIFO, not a regular file") {
		t.Fatalf("error = %v", err)
	}
	// No writer ever appeared, so the FIFO is still there, unread.
	if _, err := os.Stat(fifo); err != nil {
		t.Fatal(err)
	}
}

// readWithin fails the test if ReadSmallFile blocks: a FIFO without a writer would hold a
// blocking open forever.
func readWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := ReadSmallFile(path, 1024)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("ReadSmallFile(%s) blocked", path)
		return nil
	}
}
