package check

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// ReadSmallFile reads a file a checklist names (a CA bundle, a baseline). It refuses anything
// but a regular file and more than limit bytes: /dev/zero or a FIFO must not hold a check past
// its deadline or fill memory.
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
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d this file may hold", path, st.Size(), limit)
	}
	// The file may have grown since Stat: read one byte more than the limit to notice.
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		return nil, fmt.Errorf("%s is more than the %d bytes this file may hold", path, limit)
	}
	return b, err
}
