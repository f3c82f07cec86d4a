package testsvc

import (
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
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
	s := &Redis{Dir: t.TempDir()}
	logFile := filepath.Join(s.Dir, "redis.log")
	log, err := OnFreePort(t, func(port int) (string, error) {
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--dir", s.Dir, "--daemonize", "no", "--logfile", logFile}, extra...)
		return launch(t, logFile, s.listening, bin, args...)
	})
	if err != nil {
		t.Fatalf("%v: %s", err, log)
	}
	return s
}

// listening says whether the server accepts connections yet.
func (s *Redis) listening() error {
	c, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}
