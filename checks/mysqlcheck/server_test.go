package mysqlcheck

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/go-sql-driver/mysql"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// mariaServer is a throwaway MariaDB server the test owns: its own data directory, port and
// socket, so that the test may set limits (max_connections=10) the shared server must keep.
type mariaServer struct {
	port    int
	dir     string
	adminDB *sql.DB
}

const howToInstall = "apt-get install mariadb-server (the tests start their own mariadbd from it)"

func findBinary(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testsvc.Unavailable(t, name, howToInstall, exec.ErrNotFound)
	return ""
}

func freePort(t *testing.T) int {
	t.Helper()
	_, port, _ := net.SplitHostPort(testsvc.ClosedAddr(t))
	var n int
	fmt.Sscan(port, &n)
	return n
}

// startMariaDB initialises a data directory and starts mariadbd on a free loopback port. It is
// stopped and removed when the test ends. Each server has its own temporary directory and
// sockets: parallel tests sharing /tmp collided there (ERROR 1051 Unknown table
// 'mysql.tmp_user_sys').
func startMariaDB(t *testing.T, extra ...string) *mariaServer {
	t.Helper()
	if testing.Short() {
		t.Skip("starts its own mariadbd")
	}
	server := findBinary(t, "mariadbd")
	install := findBinary(t, "mariadb-install-db")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	userArgs := []string{}
	if os.Geteuid() == 0 {
		userArgs = []string{"--user=root"}
	}
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--tmpdir=" + filepath.Join(dir, "tmp"),
		"--socket=" + filepath.Join(dir, "install.sock"), "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve"}, userArgs...)
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		// The binaries are there, so this is a failure to report, not a service to install.
		t.Fatalf("mariadb-install-db %s: %v: %s", strings.Join(args, " "), err, errorLines(string(out)))
	}
	// The free port may be taken by someone else before mariadbd binds it: try another.
	for attempt := 1; ; attempt++ {
		s, log, err := launchMariaDB(t, server, dir, userArgs, extra)
		if err == nil {
			return s
		}
		if strings.Contains(log, "already in use") && attempt < 3 {
			continue
		}
		t.Fatalf("mariadbd: %v: %s", err, errorLines(log))
	}
}

// errorLines picks the lines of a server's output that say what went wrong, which the
// installer's closing boilerplate otherwise buries.
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

// launchMariaDB starts mariadbd on the initialised data directory in dir and waits until it
// accepts root. On failure it returns the error log.
func launchMariaDB(t *testing.T, server, dir string, userArgs, extra []string) (*mariaServer, string, error) {
	t.Helper()
	s := &mariaServer{port: freePort(t), dir: dir}
	logFile := filepath.Join(dir, "error.log")
	os.Remove(logFile)
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"), "--tmpdir=" + filepath.Join(dir, "tmp"),
		fmt.Sprintf("--port=%d", s.port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "s.sock"), "--pid-file=" + filepath.Join(dir, "m.pid"),
		"--log-error=" + logFile,
		"--innodb-buffer-pool-size=16M", "--skip-name-resolve", "--max-connections=10"}, userArgs...)
	args = append(args, extra...)
	cmd := exec.Command(server, args...)
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		db, err := sql.Open("mysql", s.dsn("root", ""))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			t.Cleanup(stop)
			return s, "", nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(logFile)
			return nil, string(log), fmt.Errorf("mariadbd exited")
		default:
		}
		if time.Now().After(deadline) {
			stop()
			log, _ := os.ReadFile(logFile)
			return nil, string(log), fmt.Errorf("mariadbd did not accept connections within 30s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func (s *mariaServer) dsn(user, password string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", fmt.Sprintf("127.0.0.1:%d", s.port)
	cfg.Logger = quietLogger{}
	return cfg.FormatDSN()
}

// admin opens a one-connection pool as root (one per server, kept open).
func (s *mariaServer) admin(t *testing.T) *sql.DB {
	t.Helper()
	if s.adminDB != nil {
		return s.adminDB
	}
	db, err := sql.Open("mysql", s.dsn("root", ""))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	t.Cleanup(func() { db.Close() })
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	s.adminDB = db
	return db
}

// waitConnections waits until the server counts at most max connections of user: it lets go of
// a closed connection a moment after the client closed it, and the next step must not count it.
func (s *mariaServer) waitConnections(t *testing.T, user string, max int) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for s.connectionsOf(t, user) > max {
		if time.Now().After(deadline) {
			t.Fatalf("the server still counts %s's closed connections", user)
		}
		time.Sleep(20 * time.Millisecond) // polling the process list
	}
}

// connectionsOf counts the server's connections of user.
func (s *mariaServer) connectionsOf(t *testing.T, user string) int {
	t.Helper()
	var n int
	if err := s.admin(t).QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = ?", user).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (s *mariaServer) exec(t *testing.T, db *sql.DB, stmts ...string) {
	t.Helper()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// hold opens n connections as user and keeps them until release is called (or the test ends).
func (s *mariaServer) hold(t *testing.T, user, password string, n int) (release func()) {
	t.Helper()
	db, err := sql.Open("mysql", s.dsn(user, password))
	if err != nil {
		t.Fatal(err)
	}
	var conns []*sql.Conn
	base := s.connectionsOf(t, user)
	release = func() {
		if conns == nil {
			return
		}
		for _, c := range conns {
			c.Close()
		}
		conns = nil
		db.Close()
		s.waitConnections(t, user, base)
	}
	t.Cleanup(release)
	for i := 0; i < n; i++ {
		c, err := db.Conn(context.Background())
		if err != nil {
			t.Fatalf("holding connection %d of %d as %s: %v", i+1, n, user, err)
		}
		conns = append(conns, c)
	}
	return release
}

func testEnv() *kind.Env { return kind.DefaultEnv("test") }

// assertNoSecret fails when the password appears anywhere in the result.
func assertNoSecret(t *testing.T, r kind.Result, secret string) {
	t.Helper()
	if strings.Contains(golden.Result(r), secret) {
		t.Errorf("the password leaked into the result:\n%s", golden.Result(r))
	}
}

func runCheck(t *testing.T, c kind.Check, timeout time.Duration) kind.Result {
	t.Helper()
	if v, ok := c.(kind.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	ctx, cancel := kind.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Run(ctx, testEnv())
}
