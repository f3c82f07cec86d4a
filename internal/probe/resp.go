package probe

// maxElements bounds the element count an aggregate reply may announce. go-redis allocates a
// slice of that many before reading one; the checks read single strings (INFO), pairs (CONFIG
// GET) and short lists (XINFO, a range of one), so a server announcing more is not answering them.
const maxElements = 1 << 16

// respFramer follows RESP (2 and 3) through the bytes a server sends and refuses, before
// go-redis sees it, a header announcing a string longer than MaxReply or an aggregate of
// more than maxElements, and a line longer than MaxReply: go-redis allocates what a header
// announces, and reads a line until its end whatever its length.
type respFramer struct {
	skip int64 // bytes of a string's payload and its CRLF still to pass over
	typ  byte  // the type byte of the line being read; 0 when the next byte starts one
	line int64 // bytes of the line read so far
	n    int64 // the length or count the line announces so far (it stops growing at maxAnnounced)
	neg  bool  // the line announces -1 (a null)
}

// maxAnnounced is where a number being read stops growing, far past any cap and short of
// overflowing.
const maxAnnounced = 1 << 59

func newRESPFramer() Framer { return &respFramer{} }

// Scan implements Framer.
func (f *respFramer) Scan(p []byte) error {
	for len(p) > 0 {
		if f.skip > 0 {
			p = Skip(p, &f.skip)
			continue
		}
		b := p[0]
		p = p[1:]
		if f.typ == 0 {
			f.typ, f.line, f.n, f.neg = b, 0, 0, false
			continue
		}
		if b == '\n' {
			if err := f.endLine(); err != nil {
				return err
			}
			f.typ = 0
			continue
		}
		f.line++
		if f.line > MaxReply {
			return &OversizedError{Limit: MaxReply}
		}
		if !announcesLength(f.typ) && !announcesCount(f.typ) {
			continue
		}
		switch {
		case b == '-' && f.line == 1:
			f.neg = true
		case b >= '0' && b <= '9' && f.n < maxAnnounced:
			f.n = min(f.n*10+int64(b-'0'), maxAnnounced)
		}
	}
	return nil
}

// endLine acts on a complete header line: it refuses a size over the cap, and passes over a
// string's payload unread.
func (f *respFramer) endLine() error {
	if f.neg {
		return nil
	}
	switch {
	case announcesLength(f.typ) && f.n > MaxReply:
		return &OversizedError{Announced: f.n, Limit: MaxReply}
	case announcesCount(f.typ) && f.n > maxElements:
		return &OversizedError{Announced: f.n, Limit: maxElements, Elements: true}
	case announcesLength(f.typ):
		f.skip = f.n + 2
	}
	return nil
}

// announcesLength: bulk string, blob error, verbatim string.
func announcesLength(typ byte) bool { return typ == '$' || typ == '!' || typ == '=' }

// announcesCount: array, map, set, push, attribute.
func announcesCount(typ byte) bool {
	return typ == '*' || typ == '%' || typ == '~' || typ == '>' || typ == '|'
}
