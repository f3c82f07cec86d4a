//go:build unix

package secrets

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// readFile reads a regular file into buf (reused across files) with raw system calls: open,
// fstat, read, close. os.Open would also try to register every file with the network poller,
// a wasted system call per file that shows on trees of ten thousand files. O_NOFOLLOW makes a
// symbolic link fail to open: a link is not followed out of the tree (to a device, a huge file
// or another repository); its target is scanned where it lives.
//
// It returns the data, skip=true for a file that is not a regular file (or a link), and
// size=-1 with no data when the file is over max.
func readFile(path string, buf []byte, max int64) (data, newBuf []byte, size int64, skip bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, buf, 0, true, nil
		}
		return nil, buf, 0, false, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return nil, buf, 0, false, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return nil, buf, 0, true, nil
	}
	if st.Size > max {
		return nil, buf, -1, false, nil
	}
	n := int(st.Size)
	if cap(buf) < n {
		buf = make([]byte, n+n/4)
	}
	got := 0
	for got < n {
		m, err := syscall.Read(fd, buf[got:n])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, buf, 0, false, fmt.Errorf("read %s: %w", path, err)
		}
		if m == 0 {
			break // the file shrank meanwhile
		}
		got += m
	}
	return buf[:got], buf, int64(got), false, nil
}
