package probe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// refuseAfter is a framer that refuses once it has seen n bytes.
type refuseAfter struct{ n, seen int }

func (f *refuseAfter) Scan(p []byte) error {
	f.seen += len(p)
	if f.seen > f.n {
		return &OversizedError{Announced: int64(f.seen), Limit: int64(f.n)}
	}
	return nil
}

func TestCapWatchDial(t *testing.T) {
	tests := []struct {
		name    string
		limit   int64
		framer  func() Framer
		want    string // what the reader gets before the error
		refused string
	}{
		{"under both caps", 100, func() Framer { return &refuseAfter{n: 100} }, strings.Repeat("x", 64), ""},
		{"total cap", 10, nil, "", "the server sent an oversized reply (more than the 10 bytes a check reads)"},
		{"framer", 0, func() Framer { return &refuseAfter{n: 10} }, "", "the server sent an oversized reply (it announced 64 bytes; a check reads at most 10 bytes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server, client := net.Pipe()
			defer server.Close()
			go func() {
				server.Write(bytes.Repeat([]byte("x"), 64))
				server.Close()
			}()
			w := &CapWatch{}
			dial := w.Dial(func(context.Context, string, string) (net.Conn, error) { return client, nil }, tt.limit, tt.framer)
			conn, err := dial(context.Background(), "tcp", "peer")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(conn)
			if tt.refused == "" {
				if err != nil || string(got) != tt.want || w.Err() != nil {
					t.Fatalf("read %q, %v (watch: %v), want %q", got, err, w.Err(), tt.want)
				}
				return
			}
			if !errors.Is(err, ErrOversized) || err.Error() != tt.refused {
				t.Fatalf("read error %v, want %q", err, tt.refused)
			}
			if len(got) != 0 {
				t.Errorf("the driver saw %d bytes of a refused read", len(got))
			}
			// A driver that replaces the error with its own still learns why from the watch.
			if why := w.Why(errors.New("invalid connection")); why.Error() != tt.refused {
				t.Errorf("Why = %v", why)
			}
			if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, ErrOversized) {
				t.Errorf("a read after the cap: %v, want the same refusal", err)
			}
		})
	}
}

func TestOversizedErrorWording(t *testing.T) {
	for _, tt := range []struct {
		err  OversizedError
		want string
	}{
		{OversizedError{Announced: 1900000000, Limit: MaxReply}, "(it announced 1.8GiB; a check reads at most 4MiB)"},
		{OversizedError{Announced: 1e9, Limit: MaxReply}, "(it announced 953.7MiB; a check reads at most 4MiB)"},
		{OversizedError{Announced: 2000000000, Limit: 65536, Elements: true}, "(it announced 2000000000 elements; a check reads at most 65536)"},
		{OversizedError{Limit: MaxReply}, "(more than the 4MiB a check reads)"},
	} {
		if got := tt.err.Error(); got != "the server sent an oversized reply "+tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
