//go:build !unix

package secrets

import "testing"

func mkfifo(t *testing.T, path string) {
	t.Skip("FIFOs are a unix feature")
}
