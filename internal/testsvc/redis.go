package testsvc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Redis is a throwaway redis-server a test owns, so that it may change its configuration
// (maxmemory-policy, persistence) without touching the shared instance.
type Redis struct {
	Addr string
	Dir  string
}

// StartRedis starts redis-server on a free loopback port, without persistence (--save "",
// --appendonly no) in a temporary directory, with the given extra arguments (which may turn
// persistence back on). It is stopped when the test ends.
func StartRedis(t testing.TB, extra ...string) *Redis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Unavailable(t, "redis-server", "apt-get install redis-server (the tests start their own)", err)
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

func launchRedis(t testing.TB, bin, dir string, extra []string) (*Redis, string, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "redis.log")
	os.Remove(logFile)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--daemonize", "no", "--logfile", logFile}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		Unavailable(t, "redis-server", "apt-get install redis-server", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	s := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), Dir: dir}
	for i := 0; ; i++ {
		select {
		case <-done:
			log, _ := os.ReadFile(logFile)
			return nil, string(log), fmt.Errorf("redis-server exited")
		default:
		}
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			t.Cleanup(stop)
			return s, "", nil
		}
		if i > 100 {
			stop()
			return nil, "", fmt.Errorf("redis-server did not listen on %s: %v", s.Addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
