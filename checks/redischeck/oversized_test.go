package redischeck

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// fakeRedis is a server that speaks just enough RESP: it refuses HELLO as Redis 5 does (so the
// client logs in with AUTH), answers INFO with a small report and every other command with +OK,
// except the command named huge, which it answers with header and then bytes without end.
func fakeRedis(t *testing.T, huge, header string) string {
	const info = "# Server\r\nredis_version:7.0.0\r\n# Memory\r\nused_memory:1024\r\nmaxmemory:1048576\r\nmaxmemory_policy:allkeys-lru\r\n"
	return testsvc.Serve(t, func(c net.Conn) {
		rd := bufio.NewReader(c)
		for {
			args, err := readCommand(rd)
			if err != nil {
				return
			}
			switch name := strings.ToUpper(args[0]); {
			case name == huge:
				testsvc.Flood(c, []byte(header))
				return
			case name == "HELLO":
				io.WriteString(c, "-ERR unknown command 'HELLO'\r\n")
			case name == "INFO":
				fmt.Fprintf(c, "$%d\r\n%s\r\n", len(info), info)
			default:
				io.WriteString(c, "+OK\r\n")
			}
		}
	})
}

// readCommand reads one command as clients send it: an array of bulk strings.
func readCommand(rd *bufio.Reader) ([]string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "*")))
	if err != nil || n < 1 || n > 64 {
		return nil, fmt.Errorf("not a command: %q", line)
	}
	args := make([]string, n)
	for i := range args {
		head, err := rd.ReadString('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(head, "$")))
		if err != nil || size < 0 || size > 1<<16 {
			return nil, fmt.Errorf("not a bulk string: %q", head)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(rd, buf); err != nil {
			return nil, err
		}
		args[i] = string(buf[:size])
	}
	return args, nil
}

// TestOversizedReply: replies announcing sizes go-redis would allocate (up to a 2^36-byte string,
// which would end the process) cost neither the memory nor the deadline; the check says what
// happened. Not parallel: it measures the process's allocations.
func TestOversizedReply(t *testing.T) {
	tests := []struct {
		name, command, header, says string
	}{
		{"INFO answered with a 1.9 GB string", "INFO", "$1900000000\r\n", "cannot read INFO: the server sent an oversized reply (it announced 1.8GiB; a check reads at most 4MiB)"},
		{"INFO answered with a 2^36-byte string", "INFO", "$68719476736\r\n", "cannot read INFO: the server sent an oversized reply (it announced 64GiB"},
		{"INFO answered with 2e9 elements", "INFO", "*2000000000\r\n", "cannot read INFO: the server sent an oversized reply (it announced 2000000000 elements; a check reads at most 65536)"},
		{"INFO answered with a line without end", "INFO", "+", "cannot read INFO: the server sent an oversized reply (more than the 4MiB a check reads)"},
		{"CONFIG GET answered with a 1.9 GB string", "CONFIG", "$1900000000\r\n", "cannot run CONFIG GET: the server sent an oversized reply (it announced 1.8GiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeRedis(t, tt.command, tt.header)
			// Reading up to the 4 MiB cap takes seconds on a loaded machine under -race.
			const timeout = 20 * time.Second
			var r kind.Result
			var took time.Duration
			alloc := testsvc.Allocated(func() {
				start := time.Now()
				r = run(t, newMemory("redis://:"+password+"@"+addr, RoleCache), nil, timeout)
				took = time.Since(start)
			})
			expect(t, r, kind.Error, "redis://"+addr+": "+tt.says)
			if took >= timeout {
				t.Errorf("took %s, not within the %s timeout", took, timeout)
			}
			if alloc > 64<<20 {
				t.Errorf("allocated %d MiB for a reply it should have refused", alloc>>20)
			}
		})
	}
}
