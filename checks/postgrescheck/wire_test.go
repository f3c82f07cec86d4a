package postgrescheck

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/launchgate/launchgate/internal/probe"
)

func message(typ byte, body int) []byte {
	m := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(m[1:], uint32(body+4))
	return m
}

// rows is n DataRow messages with bodies of size bytes.
func rows(n, size int) []byte {
	var out []byte
	for range n {
		out = append(out, message('D', size)...)
		out = append(out, make([]byte, size)...)
	}
	return out
}

func TestWireFramer(t *testing.T) {
	small := append(message('D', 3), "abc"...)
	tests := []struct {
		name    string
		stream  []byte
		refused bool
	}{
		{"small messages", append(append([]byte{}, small...), small...), false},
		{"body of exactly the cap", message('D', probe.MaxReply), false},
		{"body one byte over the cap", message('D', probe.MaxReply+1), true},
		{"after a body, the next header is read", append(append([]byte{}, small...), message('T', 1e9)...), true},
		{"a header inside a body is data", append(message('D', 5), message('T', 1e9)...), false},
		{"negative length is pgx's to refuse", message('D', -8), false},
		{"rows adding up past the cap", rows(probe.MaxReply/1000+1, 1000), true},
		{"the same rows in two replies", append(append(rows(probe.MaxReply/2000, 1000), message('Z', 1)...), rows(probe.MaxReply/2000, 1000)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newWireFramer().Scan(tt.stream)
			if got := errors.Is(err, probe.ErrOversized); got != tt.refused {
				t.Errorf("Scan = %v, want refused %v", err, tt.refused)
			}
		})
	}
}

// FuzzWireFramer: however the stream is cut into reads, the framer decides the same, and it
// never panics.
func FuzzWireFramer(f *testing.F) {
	f.Add(append(message('D', 3), "abc"...), uint8(2))
	f.Add(message('T', 1e9), uint8(0))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint8) {
		whole := newWireFramer().Scan(stream)
		parts, step := newWireFramer(), int(cut)%7+1
		var err error
		for i := 0; i < len(stream) && err == nil; i += step {
			err = parts.Scan(stream[i:min(i+step, len(stream))])
		}
		if (whole == nil) != (err == nil) || (err != nil && err.Error() != whole.Error()) {
			t.Errorf("in one read: %v; in reads of %d: %v", whole, step, err)
		}
	})
}
