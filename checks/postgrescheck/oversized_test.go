package postgrescheck

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// The moments a fake server turns hostile.
const (
	atStartup  = iota // it answers the startup message with a message of 1 GB
	atQuery           // it logs the client in and answers the first query with a message of 1 GB
	parameters        // it logs the client in and answers the first query with ParameterStatus messages without end
)

// fakePostgres is a server that speaks just enough PostgreSQL to reach the moment it turns
// hostile, and then keeps sending.
func fakePostgres(t *testing.T, mode int) string {
	login := mode != atStartup
	return testsvc.Serve(t, func(c net.Conn) {
		const sslRequest, gssRequest = 80877103, 80877104
		for {
			// Startup-phase messages: length, then a protocol version or request code.
			var head [8]byte
			if _, err := io.ReadFull(c, head[:]); err != nil {
				return
			}
			n := binary.BigEndian.Uint32(head[:4])
			if code := binary.BigEndian.Uint32(head[4:]); code == sslRequest || code == gssRequest {
				c.Write([]byte{'N'})
				continue
			}
			if _, err := io.CopyN(io.Discard, c, int64(n)-8); err != nil {
				return
			}
			break
		}
		if login {
			// AuthenticationOk, the ParameterStatus pgx's simple protocol needs, ReadyForQuery
			// (idle); then whatever the client asks first.
			c.Write([]byte{'R', 0, 0, 0, 8, 0, 0, 0, 0})
			c.Write(parameterStatus("standard_conforming_strings", "on"))
			c.Write(parameterStatus("client_encoding", "UTF8"))
			c.Write([]byte{'Z', 0, 0, 0, 5, 'I'})
			if _, err := c.Read(make([]byte, 4096)); err != nil {
				return
			}
		}
		if mode == parameters {
			// Built once: what the test measures is what the client allocates.
			for {
				if _, err := c.Write(parameterBatch); err != nil {
					return
				}
			}
		}
		msg := []byte{'R', 0, 0, 0, 0}
		if login {
			msg[0] = 'T' // RowDescription
		}
		binary.BigEndian.PutUint32(msg[1:], 1e9+4) // 1 GB, under pgx's own ceiling of 1 GiB
		testsvc.Flood(c, msg)
	})
}

// parameterBatch is 8 ParameterStatus messages of 32 KiB.
var parameterBatch = func() []byte {
	var b []byte
	for i := range 8 {
		b = append(b, parameterStatus(fmt.Sprintf("p%d", i), strings.Repeat("x", 32<<10))...)
	}
	return b
}()

func kindOf(c kind.Check) string {
	if _, ok := c.(*Connections); ok {
		return "connections"
	}
	return "replica_lag"
}

func parameterStatus(name, value string) []byte {
	body := name + "\x00" + value + "\x00"
	msg := []byte{'S', 0, 0, 0, 0}
	binary.BigEndian.PutUint32(msg[1:], uint32(4+len(body)))
	return append(msg, body...)
}

// TestOversizedReply: a peer announcing a 1 GB message, or sending messages without end, costs
// neither the memory nor the deadline; the check says what happened. Not parallel: it measures the process's allocations.
func TestOversizedReply(t *testing.T) {
	const secret = "s3cret-Pa55"
	for _, tt := range []struct {
		mode       int
		name, says string
	}{
		{atStartup, "a 1 GB message in answer to the startup", "the server sent an oversized reply (it announced 953.7MiB; a check reads at most 4MiB)"},
		{atQuery, "a 1 GB message in answer to a query", "the server sent an oversized reply (it announced 953.7MiB; a check reads at most 4MiB)"},
		{parameters, "parameters without end in answer to a query", "the server sent an oversized reply (more than the 4MiB a check reads)"},
	} {
		addr := fakePostgres(t, tt.mode)
		dsn := fmt.Sprintf("postgres://app:%s@%s/db?sslmode=disable", secret, addr)
		for _, c := range []kind.Check{newConnections(dsn), newReplicaLag(dsn, time.Second)} {
			t.Run(kindOf(c)+" "+tt.name, func(t *testing.T) {
				// Reading up to the 4 MiB cap takes seconds on a loaded machine under -race.
				const timeout = 20 * time.Second
				var r kind.Result
				var took time.Duration
				alloc := testsvc.Allocated(func() {
					start := time.Now()
					r = run(t, c, timeout)
					took = time.Since(start)
				})
				want(t, r, kind.Error, tt.says, addr)
				if took >= timeout {
					t.Errorf("took %s, not within the %s timeout", took, timeout)
				}
				if alloc > 64<<20 {
					t.Errorf("allocated %d MiB for a reply it should have refused", alloc>>20)
				}
				if strings.Contains(text(r), secret) {
					t.Errorf("the password leaked:\n%s", text(r))
				}
			})
		}
	}
}
