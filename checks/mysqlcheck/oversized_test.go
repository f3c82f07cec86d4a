package mysqlcheck

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// fakeMySQL is a server that speaks just enough of the MySQL protocol to reach the moment it
// streams packets of 16 MiB, the largest a packet can be, which the driver joins into one reply
// without limit: as its greeting, or, when login is set, after a successful login in answer to
// the first query.
func fakeMySQL(t *testing.T, login bool) string {
	payload := bytes.Repeat([]byte{'x'}, 1<<24-1)
	return testsvc.Serve(t, func(c net.Conn) {
		seq := byte(0)
		if login {
			writePacket(c, 0, greeting())
			if _, err := readPacket(c); err != nil { // the handshake response
				return
			}
			writePacket(c, 2, []byte{0x00, 0, 0, 0x02, 0, 0, 0}) // OK, autocommit
			if _, err := readPacket(c); err != nil {             // the first command
				return
			}
			seq = 1
		}
		for ; ; seq++ {
			if writePacket(c, seq, payload) != nil {
				return
			}
		}
	})
}

// greeting is a protocol 10 handshake from a server that speaks protocol 4.1 and offers
// mysql_native_password and no TLS.
func greeting() []byte {
	const caps = 0x1 | 0x200 | 0x2000 | 0x8000 | 0x80000 // long password, 4.1, transactions, secure connection, plugin auth
	var b bytes.Buffer
	b.WriteByte(10)
	b.WriteString("8.0.0-fake\x00")
	b.Write([]byte{1, 0, 0, 0})   // connection id
	b.WriteString("abcdefgh\x00") // auth data, part 1, and filler
	binary.Write(&b, binary.LittleEndian, uint16(caps&0xffff))
	b.WriteByte(33)          // utf8_general_ci
	b.Write([]byte{0x02, 0}) // status: autocommit
	binary.Write(&b, binary.LittleEndian, uint16(caps>>16))
	b.WriteByte(21)                   // auth data length
	b.Write(make([]byte, 10))         // reserved
	b.WriteString("ijklmnopqrst\x00") // auth data, part 2
	b.WriteString("mysql_native_password\x00")
	return b.Bytes()
}

func writePacket(w io.Writer, seq byte, payload []byte) error {
	head := []byte{byte(len(payload)), byte(len(payload) >> 8), byte(len(payload) >> 16), seq}
	if _, err := w.Write(head); err != nil {
		return err
	}
	_, err := w.Write(payload)
	return err
}

func readPacket(r io.Reader) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return nil, err
	}
	payload := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
	_, err := io.ReadFull(r, payload)
	return payload, err
}

// TestOversizedReply: a server streaming 16 MiB packets, which the driver would join without
// end, costs neither the memory nor the deadline; the check says what happened. Not parallel:
// it measures the process's allocations.
func TestOversizedReply(t *testing.T) {
	tests := []struct {
		name  string
		login bool
		says  string
	}{
		{"as its greeting", false, "cannot connect: the server sent an oversized reply (more than the 4MiB a check reads)"},
		{"in answer to a query", true, "cannot read SHOW GLOBAL STATUS: the server sent an oversized reply (more than the 4MiB a check reads)"},
	}
	for _, tt := range tests {
		addr := fakeMySQL(t, tt.login)
		dsn := "app:" + appPassword + "@tcp(" + addr + ")/app"
		for _, k := range []struct {
			name string
			c    kind.Check
		}{
			{"connections", &Connections{DSN: dsn, MaxUsedPercent: 80, WarnUsedPercent: 70, PeakWarnPercent: 90}},
			{"replica_lag", &ReplicaLag{DSN: dsn, MaxLag: kind.Duration(time.Second)}},
		} {
			kindName, c := k.name, k.c
			says := tt.says
			if kindName == "replica_lag" && tt.login {
				says = "cannot run SHOW REPLICA STATUS: the server sent an oversized reply"
			}
			t.Run(kindName+" "+tt.name, func(t *testing.T) {
				// Reading up to the 4 MiB cap takes seconds on a loaded machine under -race.
				const timeout = 20 * time.Second
				var r kind.Result
				var took time.Duration
				alloc := testsvc.Allocated(func() {
					start := time.Now()
					r = runCheck(t, c, timeout)
					took = time.Since(start)
				})
				t.Log(golden.Result(r))
				assertNoSecret(t, r, appPassword)
				all := r.Summary
				for _, e := range r.Evidence {
					all += "\n" + e.Observed
				}
				if r.Status != kind.Error || !bytes.Contains([]byte(all), []byte("app@"+addr+"/app")) || !bytes.Contains([]byte(all), []byte(says)) {
					t.Errorf("got %s %q, want an error saying %q", r.Status, all, says)
				}
				if took >= timeout {
					t.Errorf("took %s, not within the %s timeout", took, timeout)
				}
				if alloc > 64<<20 {
					t.Errorf("allocated %d MiB for a reply it should have refused", alloc>>20)
				}
			})
		}
	}
}
