package postgres

import (
	"encoding/binary"

	"github.com/launchgate/launchgate/internal/httpx"
)

// wireFramer follows the PostgreSQL protocol through what a server sends once the session is
// set up (a type byte and a 4-byte length per message) and refuses a message announcing a body
// over httpx.MaxReply. pgx has the same limit (MaxProtocolMessageBodyLen), but when it hits it
// in a query it reports only "conn closed"; this framer records the reason in the session's
// watch first.
type wireFramer struct {
	skip int64   // bytes of the current message's body still to pass over
	head [5]byte // the header being read
	got  int     // bytes of head read so far
}

func newWireFramer() httpx.Framer { return &wireFramer{} }

// Scan implements httpx.Framer.
func (f *wireFramer) Scan(p []byte) error {
	for len(p) > 0 {
		if f.skip > 0 {
			k := min(int64(len(p)), f.skip)
			f.skip -= k
			p = p[k:]
			continue
		}
		k := copy(f.head[f.got:], p)
		f.got += k
		p = p[k:]
		if f.got < len(f.head) {
			continue
		}
		f.got = 0
		// The length counts itself; a length under 4 is pgx's to refuse.
		body := int64(int32(binary.BigEndian.Uint32(f.head[1:]))) - 4
		if body > httpx.MaxReply {
			return &httpx.OversizedError{Announced: body, Limit: httpx.MaxReply}
		}
		f.skip = max(body, 0)
	}
	return nil
}
