package check

import (
	"fmt"
	"io"
	"os"
)

// ReadSmallFile reads a file a checklist names (a CA bundle, a baseline). It refuses anything
// but a regular file and more than limit bytes: /dev/zero or a FIFO must not hold a check past
// its deadline or fill memory.
func ReadSmallFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
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
	return io.ReadAll(io.LimitReader(f, limit))
}
