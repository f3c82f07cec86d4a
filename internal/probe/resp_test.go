package probe

import (
	"errors"
	"strings"
	"testing"
)

func TestRESPFramer(t *testing.T) {
	big := "$4194305\r\n"
	tests := []struct {
		name, stream string
		refused      bool
	}{
		{"status", "+OK\r\n", false},
		{"bulk string", "$5\r\nhello\r\n", false},
		{"null bulk string", "$-1\r\n+OK\r\n", false},
		{"array of strings", "*2\r\n$3\r\nfoo\r\n:1\r\n", false},
		{"a header inside a payload is data", "$12\r\n" + big + "\r\n+OK\r\n", false},
		{"string of exactly the cap", "$4194304\r\n", false},
		{"string one byte over the cap", big, true},
		{"after a payload, the next header is read", "$3\r\nfoo\r\n" + big, true},
		{"2^36-byte string", "$68719476736\r\n", true},
		{"number past int64", "$99999999999999999999999999\r\n", true},
		{"blob error", "!4194305\r\n", true},
		{"verbatim string", "=4194305\r\n", true},
		{"array of 65536", "*65536\r\n", false},
		{"array of 65537", "*65537\r\n", true},
		{"map, set, push, attribute", "%65537\r\n", true},
		{"null array", "*-1\r\n", false},
		{"line without end", "+" + strings.Repeat("x", MaxReply+1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := newRESPFramer().Scan([]byte(tt.stream))
			if got := errors.Is(err, ErrOversized); got != tt.refused {
				t.Errorf("Scan(%.40q) = %v, want refused %v", tt.stream, err, tt.refused)
			}
		})
	}
}

// FuzzRESPFramer: however the stream is cut into reads, the framer decides the same, and it
// never panics.
func FuzzRESPFramer(f *testing.F) {
	f.Add([]byte("*2\r\n$3\r\nfoo\r\n$4194305\r\n"), uint8(3))
	f.Add([]byte("$-1\r\n%1\r\n+a\r\n:1\r\n"), uint8(1))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint8) {
		whole := newRESPFramer().Scan(stream)
		parts, step := newRESPFramer(), int(cut)%7+1
		var err error
		for i := 0; i < len(stream) && err == nil; i += step {
			err = parts.Scan(stream[i:min(i+step, len(stream))])
		}
		if (whole == nil) != (err == nil) || (err != nil && err.Error() != whole.Error()) {
			t.Errorf("in one read: %v; in reads of %d: %v", whole, step, err)
		}
	})
}
