package testsvc

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readyWithin bounds how long a server a test starts may take to accept connections: generous,
// for a loaded machine.
const readyWithin = 30 * time.Second

// FreePort is a loopback TCP port nothing listens on right now. Someone else may bind it before
// the server the test starts does: OnFreePort tries again then.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// OnFreePort starts a server with launch on a free port, and on another when the server's log
// says someone else took that one first ("already in use"): three tries in all. It returns
// the last try's log and error.
func OnFreePort(t testing.TB, launch func(port int) (log string, err error)) (string, error) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		log, err := launch(FreePort(t))
		if err == nil || attempt == 3 || !strings.Contains(log, "already in use") {
			return log, err
		}
	}
}

// launch starts a server program and polls ready until the server answers; from then on it is
// stopped (killed and waited for) when the test ends. When it exits first, or does not answer
// within readyWithin, launch stops it and returns what it wrote to logFile.
func launch(t testing.TB, logFile string, ready func() error, bin string, args ...string) (string, error) {
	t.Helper()
	name := filepath.Base(bin)
	os.Remove(logFile)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		return "", err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	deadline := time.Now().Add(readyWithin)
	for {
		err := ready()
		if err == nil {
			t.Cleanup(stop)
			return "", nil
		}
		select {
		case <-done:
			return readLog(logFile), fmt.Errorf("%s exited", name)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return readLog(logFile), fmt.Errorf("%s did not accept connections within %s: %v", name, readyWithin, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a starting server
	}
}

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// errorLines picks the lines of a server's output that say what went wrong, which an
// installer's closing boilerplate otherwise buries; without any, its last lines.
func errorLines(out string) string {
	var picked []string
	for _, line := range strings.Split(out, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "error") || strings.Contains(l, "abort") || strings.Contains(l, "can't") || strings.Contains(l, "cannot") || strings.Contains(l, "fail") {
			picked = append(picked, strings.TrimSpace(line))
		}
	}
	if len(picked) == 0 {
		return lastLines(out, 10)
	}
	return strings.Join(picked, " | ")
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
