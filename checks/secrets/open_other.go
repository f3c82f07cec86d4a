//go:build !unix

package secrets

import (
	"io"
	"os"
)

// readFile reads a regular file into buf (reused across files); see open_unix.go.
func readFile(path string, buf []byte, max int64) (data, newBuf []byte, size int64, skip bool, err error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, buf, 0, false, err
	}
	if !fi.Mode().IsRegular() {
		return nil, buf, 0, true, nil
	}
	if fi.Size() > max {
		return nil, buf, -1, false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, buf, 0, false, err
	}
	defer f.Close()
	n := int(fi.Size())
	if cap(buf) < n {
		buf = make([]byte, n+n/4)
	}
	got, err := io.ReadFull(f, buf[:n])
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, buf, 0, false, err
	}
	return buf[:got], buf, int64(got), false, nil
}
