//go:build !unix

package secretscheck

import "testing"

func mkfifo(t *testing.T, path string) {
	t.Skip("FIFOs are a unix feature")
}
