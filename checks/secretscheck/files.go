package secretscheck

import (
	"fmt"
	"io"
	"io/fs"
)

// skipKind says why a working-tree entry was not read.
type skipKind int

const (
	skipNone    skipKind = iota
	skipSymlink          // never followed: its target is scanned where it lives
	skipDir              // a submodule or a nested repository: another repository's files
	skipSpecial          // a FIFO, socket or device: no content to scan, and reading could block
)

// describeMode names a kind of file for an error message or a skip reason.
func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
	}
	return "an irregular file"
}

// readSmallFile reads a file launchgate was pointed at (a baseline) only if it is a regular
// file of at most limit bytes, never waiting on a FIFO nor reading a device without end.
func readSmallFile(path string, limit int64) ([]byte, error) {
	f, fi, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d such a file may hold", path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s grew past the %d bytes such a file may hold while it was read", path, limit)
	}
	return data, nil
}
