//go:build !linux

package secretscheck

import (
	"io"
	"os"
)

// gitPipe returns a pipe for git's output: the end git writes to and the one the scan reads.
// Elsewhere than on Linux a pipe's size is the system's, and the scan reads as data comes.
func gitPipe() (io.ReadCloser, *os.File, error) {
	return os.Pipe()
}
