package postgrescheck

import (
	"encoding/binary"

	"github.com/launchgate/launchgate/internal/probe"
)

// wireFramer follows the PostgreSQL protocol through what a server sends once the session is
// set up (a type byte and a 4-byte length per message). It refuses a message announcing a body
// over probe.MaxReply, which pgx would allocate (pgx has the same limit,
// MaxProtocolMessageBodyLen, but reports it in a query only as "conn closed"), and a reply
// whose messages add up to more than that before the server is ready for the next query: rows
// without end, or ParameterStatus messages, which pgx keeps. Counting per reply, not per
// connection, lets a replica be polled for as long as the deadline allows.
type wireFramer struct {
	skip  int64   // bytes of the current message's body still to pass over
	head  [5]byte // the header being read
	got   int     // bytes of head read so far
	reply int64   // bytes of the reply's message bodies so far (what pgx may keep)
}

func newWireFramer() probe.Framer { return &wireFramer{} }

// Scan implements probe.Framer.
func (f *wireFramer) Scan(p []byte) error {
	for len(p) > 0 {
		if f.skip > 0 {
			p = probe.Skip(p, &f.skip)
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
		body := max(int64(int32(binary.BigEndian.Uint32(f.head[1:])))-4, 0)
		if body > probe.MaxReply {
			return &probe.OversizedError{Announced: body, Limit: probe.MaxReply}
		}
		f.reply += body
		if f.reply > probe.MaxReply {
			return &probe.OversizedError{Limit: probe.MaxReply}
		}
		if f.head[0] == 'Z' { // ReadyForQuery ends a reply
			f.reply = 0
		}
		f.skip = body
	}
	return nil
}
