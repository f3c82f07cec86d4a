//go:build !unix

package secretscheck

import (
	"io"
	"os"
)

// readFile reads a regular file into buf (reused across files); see open_unix.go.
func readFile(path string, buf []byte, max int64) (data, newBuf []byte, size int64, skip skipKind, err error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, buf, 0, 0, err
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return nil, buf, 0, skipSymlink, nil
	case fi.IsDir():
		return nil, buf, 0, skipDir, nil
	case !fi.Mode().IsRegular():
		return nil, buf, 0, skipSpecial, nil
	}
	if fi.Size() > max {
		return nil, buf, -1, 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, buf, 0, 0, err
	}
	defer f.Close()
	n := int(fi.Size())
	if cap(buf) < n {
		buf = make([]byte, n+n/4)
	}
	got, err := io.ReadFull(f, buf[:n])
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, buf, 0, 0, err
	}
	return buf[:got], buf, int64(got), 0, nil
}

// sameDevice reports whether two files are on one file system; without device numbers it
// cannot tell and says yes.
func sameDevice(a, b os.FileInfo) bool { return true }
