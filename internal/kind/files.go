package kind

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxFileSize is the cap for a file a person names (a checklist, a CA bundle): far beyond any
// real one, small enough that a wrong path cannot fill memory.
const MaxFileSize = 16 << 20

// ReadSmallFile reads a file a user named (a checklist, a ca_file, a baseline) and is the one
// place that does so safely:
//
//   - only a regular file is read: a directory, a device such as /dev/zero, a socket or a
//     named pipe is refused, naming what it is;
//   - the open never blocks: opening a FIFO for reading waits for a writer, so the file is
//     opened with O_NONBLOCK and its type checked on the open descriptor (fstat), which also
//     catches a file swapped between a look and the open;
//   - at most limit bytes are read, even if the file grows while being read.
//
// Errors are *fs.PathError, so callers that name the path themselves can take the reason
// alone (errors.As and .Err).
func ReadSmallFile(path string, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO otherwise waits for a writer, forever. It changes nothing for
	// a regular file, and anything else is refused below.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if kind := FileKind(st.Mode()); kind != "" {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("is %s, not a regular file", kind)}
	}
	if st.Size() > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: tooLarge(st.Size(), limit)}
	}
	data, err := ReadCapped(f, limit)
	if err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	return data, nil
}

// ReadCapped reads r to its end, refusing more than limit bytes: for what is not a file, such
// as standard input.
func ReadCapped(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, unwrapPath(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("holds more than the limit of %s", ByteSize(limit))
	}
	return data, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func tooLarge(size, limit int64) error {
	return fmt.Errorf("is %d bytes, more than the %d bytes (%s) such a file may hold", size, limit, ByteSize(limit))
}

// FileKind names what a file that is not a regular one is, for messages ("a FIFO"); "" for a
// regular file.
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file (" + m.Type().String() + ")"
}
