package redischeck

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/redis/go-redis/v9"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

const password = "hunter2-R3dis"

// redisServer is a throwaway redis-server the test owns, so that it may set a tiny maxmemory,
// change policies and fill it without touching the shared instance.
type redisServer struct {
	addr string
	dir  string
}

// startRedis starts redis-server on a free loopback port with no persistence, a password and
// the given extra arguments. It is stopped when the test ends.
func startRedis(t *testing.T, extra ...string) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		testsvc.Unavailable(t, "redis-server", "apt-get install redis-server (the tests start their own)", err)
	}
	dir := t.TempDir()
	// The free port may be taken by someone else before redis-server binds it: try another.
	for attempt := 1; ; attempt++ {
		s, log, err := launchRedis(t, bin, dir, extra)
		if err == nil {
			return s
		}
		if strings.Contains(log, "already in use") && attempt < 3 {
			continue
		}
		t.Fatalf("%v: %s", err, log)
	}
}

func launchRedis(t *testing.T, bin, dir string, extra []string) (*redisServer, string, error) {
	t.Helper()
	port := portOf(testsvc.ClosedAddr(t))
	logFile := filepath.Join(dir, "redis.log")
	os.Remove(logFile)
	args := []string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--requirepass", password, "--daemonize", "no", "--logfile", logFile}
	args = append(args, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		testsvc.Unavailable(t, "redis-server", "apt-get install redis-server", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	s := &redisServer{addr: "127.0.0.1:" + port, dir: dir}
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logFile)
			return nil, string(log), fmt.Errorf("redis-server exited")
		default:
		}
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			c.Close()
			t.Cleanup(stop)
			return s, "", nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, "", fmt.Errorf("redis-server did not listen on %s: %v", s.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func (s *redisServer) url() string { return "redis://:" + password + "@" + s.addr }

// admin is a client for setting the instance up.
func (s *redisServer) admin(t *testing.T) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.addr, Password: password, MaxRetries: -1, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fill writes 8 KiB values until the instance refuses a write (noeviction) or has evicted
// keys, and returns how many writes it made.
func fill(t *testing.T, c *redis.Client, prefix string, ttl time.Duration) int {
	t.Helper()
	ctx := context.Background()
	val := strings.Repeat("x", 8<<10)
	for i := 0; i < 10000; i++ {
		err := c.Set(ctx, fmt.Sprintf("%s:%d", prefix, i), val, ttl).Err()
		if err != nil {
			if strings.Contains(err.Error(), "OOM") {
				return i
			}
			t.Fatal(err)
		}
		if i%20 == 0 {
			info, err := c.Info(ctx, "stats").Result()
			must(t, err)
			if !strings.Contains(info, "evicted_keys:0\r") {
				return i
			}
		}
	}
	t.Fatal("the instance neither refused writes nor evicted")
	return 0
}

func run(t *testing.T, m *Memory, env *kind.Env, timeout time.Duration) kind.Result {
	t.Helper()
	if err := m.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), timeout)
	defer cancel()
	if env == nil {
		env = kind.DefaultEnv("test")
	}
	r := m.Run(ctx, env)
	t.Log(golden.Result(r))
	assertNoSecret(t, r, password)
	return r
}

func assertNoSecret(t *testing.T, r kind.Result, secret string) {
	t.Helper()
	if strings.Contains(golden.Result(r), secret) {
		t.Errorf("the password leaked into the result:\n%s", golden.Result(r))
	}
}

func evidence(t *testing.T, r kind.Result, label string) kind.Evidence {
	t.Helper()
	for _, e := range r.Evidence {
		if strings.HasPrefix(e.Label, label) {
			return e
		}
	}
	t.Fatalf("no evidence %q in\n%s", label, golden.Result(r))
	return kind.Evidence{}
}
