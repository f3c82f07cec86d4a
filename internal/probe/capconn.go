package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxReply bounds what a check reads from a database server: every query the checks make is
// answered in a few kilobytes, so a few MiB leaves ample room and still keeps a hostile or broken
// peer (one announcing a 1 GB message) from taking the process's memory.
const MaxReply = 4 << 20

// ErrOversized is what every *OversizedError matches with errors.Is.
var ErrOversized = errors.New("the server sent an oversized reply")

// OversizedError is a read refused because the peer sent, or announced, more than the cap.
type OversizedError struct {
	// Announced is the size the peer declared for one message, or 0 when what it sent in all
	// (on one connection, or in one reply) passed Limit.
	Announced int64
	Limit     int64
	// Elements says that Announced and Limit count the elements of an aggregate, not bytes.
	Elements bool
}

func (e *OversizedError) Error() string {
	switch {
	case e.Elements:
		return fmt.Sprintf("%s (it announced %d elements; a check reads at most %d)", ErrOversized, e.Announced, e.Limit)
	case e.Announced > 0:
		return fmt.Sprintf("%s (it announced %s; a check reads at most %s)", ErrOversized, size(e.Announced), size(e.Limit))
	}
	return fmt.Sprintf("%s (more than the %s a check reads)", ErrOversized, size(e.Limit))
}

// size formats a byte count in binary units, to one decimal.
func size(n int64) string {
	if n < 1<<10 {
		return fmt.Sprintf("%d bytes", n)
	}
	v, unit := float64(n)/(1<<10), "KiB"
	for _, u := range []string{"MiB", "GiB", "TiB"} {
		if v < 1<<10 {
			break
		}
		v, unit = v/(1<<10), u
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") + unit
}

// Is makes errors.Is(err, ErrOversized) true.
func (e *OversizedError) Is(target error) bool { return target == ErrOversized }

// Framer follows a protocol's framing through the bytes read from a peer, in order, and returns
// an error (an *OversizedError) for a frame whose announced size passes the cap: drivers
// allocate from the announced size before any of it arrives, so the header is where to stop.
type Framer interface {
	Scan(p []byte) error
}

// Skip passes over the part of a message a Framer does not look at (a body, a string's payload):
// it takes up to *left bytes off the front of p, counts them off *left, and returns the rest.
func Skip(p []byte, left *int64) []byte {
	k := min(int64(len(p)), *left)
	*left -= k
	return p[k:]
}

// capReader fails reads past limit bytes in all, or past what its framer allows.
type capReader struct {
	r      io.Reader
	limit  int64
	read   int64
	framer Framer
	failed error
	watch  *CapWatch
	// stop is called once when the cap is hit: closing the connection stops the peer
	// streaming at us.
	stop func()
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.failed != nil {
		return 0, c.failed
	}
	n, err := c.r.Read(p)
	if n == 0 {
		return n, err
	}
	c.read += int64(n)
	var over error
	if c.limit > 0 && c.read > c.limit {
		over = &OversizedError{Limit: c.limit}
	} else if c.framer != nil {
		over = c.framer.Scan(p[:n])
	}
	if over != nil {
		// The bytes read are dropped, so the driver never sees them.
		c.failed = over
		c.watch.record(over)
		if c.stop != nil {
			c.stop()
		}
		return 0, over
	}
	return n, err
}

// capConn is a connection whose reads go through a capReader.
type capConn struct {
	net.Conn
	capped *capReader
}

func (c *capConn) Read(p []byte) (int, error) { return c.capped.Read(p) }

// CapWatch caps the connections and readers it wraps and remembers the first cap they hit.
// Drivers replace a read error with their own (go-sql-driver says only "invalid connection",
// pgx "conn closed"), so the check asks the watch why.
type CapWatch struct {
	once sync.Once
	err  atomic.Pointer[error]
}

func (w *CapWatch) record(err error) {
	w.once.Do(func() { w.err.Store(&err) })
}

// Err is the cap a connection hit, or nil.
func (w *CapWatch) Err() error {
	if p := w.err.Load(); p != nil {
		return *p
	}
	return nil
}

// Why is the cap a connection hit, when one did, else err.
func (w *CapWatch) Why(err error) error {
	if over := w.Err(); over != nil && err != nil {
		return over
	}
	return err
}

// Dial wraps dial so that every connection it opens reads at most limit bytes in all (0: no
// total) and, when newFramer is not nil, passes its bytes through a framer of its own.
func (w *CapWatch) Dial(dial func(ctx context.Context, network, addr string) (net.Conn, error), limit int64, newFramer func() Framer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		c := &capConn{Conn: conn}
		c.capped = w.reader(conn, limit, newFramer, func() { conn.Close() })
		return c, nil
	}
}

// Reader caps r the way Dial caps a connection, for a driver that adds its own layers (TLS)
// between the connection and the protocol and lets a caller wrap the reader above them.
func (w *CapWatch) Reader(r io.Reader, limit int64, newFramer func() Framer) io.Reader {
	return w.reader(r, limit, newFramer, nil)
}

func (w *CapWatch) reader(r io.Reader, limit int64, newFramer func() Framer, stop func()) *capReader {
	c := &capReader{r: r, limit: limit, watch: w, stop: stop}
	if newFramer != nil {
		c.framer = newFramer()
	}
	return c
}
