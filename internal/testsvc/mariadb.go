package testsvc

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// howToInstallMariaDB is what a person without the server binaries is told.
const howToInstallMariaDB = "apt-get install mariadb-server (the tests start their own mariadbd from it)"

// MariaDB is a throwaway mariadbd a test owns: its own data directory, loopback port and socket,
// so that the test may set server variables (sql_mode, max_connections) the shared server must
// keep. Root has no password and may connect over TCP from 127.0.0.1.
type MariaDB struct {
	Port int
	Dir  string
}

// StartMariaDBs starts one server per argument list (extra mariadbd options, such as
// "--sql-mode=STRICT_TRANS_TABLES"), all from one initialised data directory copied for each:
// mariadb-install-db takes seconds, a copy does not. They are stopped when the test ends.
func StartMariaDBs(t testing.TB, configs ...[]string) []*MariaDB {
	t.Helper()
	if testing.Short() {
		t.Skip("starts its own mariadbd")
	}
	server := findBinary(t, "mariadbd")
	install := findBinary(t, "mariadb-install-db")
	tmpl := filepath.Join(t.TempDir(), "template")
	args := append([]string{"--no-defaults", "--datadir=" + tmpl, "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=4M"}, userArgs()...)
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		Unavailable(t, "mariadb-install-db", howToInstallMariaDB, fmt.Errorf("%v: %s", err, lastLines(string(out), 5)))
	}
	out := make([]*MariaDB, len(configs))
	for i, extra := range configs {
		dir := t.TempDir()
		if b, err := exec.Command("cp", "-a", tmpl, filepath.Join(dir, "data")).CombinedOutput(); err != nil {
			t.Fatalf("copying the MariaDB data directory: %v: %s", err, b)
		}
		out[i] = startMariaDB(t, server, dir, extra)
	}
	return out
}

func startMariaDB(t testing.TB, server, dir string, extra []string) *MariaDB {
	t.Helper()
	// The free port may be taken by someone else before mariadbd binds it: try another.
	for attempt := 1; ; attempt++ {
		m, log, err := launchMariaDB(t, server, dir, extra)
		if err == nil {
			return m
		}
		if strings.Contains(log, "already in use") && attempt < 3 {
			continue
		}
		Unavailable(t, "mariadbd", howToInstallMariaDB, fmt.Errorf("%v: %s", err, lastLines(log, 5)))
	}
}

// launchMariaDB starts mariadbd on the data directory in dir and waits until root may connect.
// On failure it returns the error log.
func launchMariaDB(t testing.TB, server, dir string, extra []string) (*MariaDB, string, error) {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	m := &MariaDB{Port: port, Dir: dir}
	logFile := filepath.Join(dir, "error.log")
	os.Remove(logFile)
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(dir, "data"),
		"--port=" + strconv.Itoa(port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(dir, "s.sock"), "--pid-file=" + filepath.Join(dir, "m.pid"),
		"--log-error=" + logFile, "--innodb-log-file-size=4M",
		"--innodb-buffer-pool-size=16M", "--skip-name-resolve", "--max-connections=10"}, userArgs()...)
	cmd := exec.Command(server, append(args, extra...)...)
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
		db, err := sql.Open("mysql", m.DSN("root", ""))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			t.Cleanup(stop)
			return m, "", nil
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

// DSN is a go-sql-driver DSN for user over TCP.
func (m *MariaDB) DSN(user, password string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr = user, password, "tcp", fmt.Sprintf("127.0.0.1:%d", m.Port)
	cfg.Logger = quietLogger{}
	return cfg.FormatDSN()
}

// Exec runs statements as root and fails the test on error.
func (m *MariaDB) Exec(t testing.TB, statements ...string) {
	t.Helper()
	db, err := sql.Open("mysql", m.DSN("root", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}

// userArgs lets mariadbd run as root, which it refuses unless told.
func userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func findBinary(t testing.TB, name string) string {
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
	Unavailable(t, name, howToInstallMariaDB, exec.ErrNotFound)
	return ""
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
