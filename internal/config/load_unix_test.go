//go:build unix

package config_test

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
)

// A FIFO where the checklist should be (./launchgate.yaml) used to hang the loader forever,
// waiting for a writer.
func TestLoadFileNeverWaitsOnAFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "launchgate.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := config.LoadFile(fifo, env(nil))
		done <- err
	}()
	select {
	case err := <-done:
		if want := fifo + ": cannot read checklist: is a FIFO, not a regular file"; err == nil || err.Error() != want {
			t.Errorf("error = %v\nwant %s", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadFile blocked on a FIFO")
	}
}
