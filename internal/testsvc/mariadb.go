package testsvc

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// howToInstallMariaDB is what a person without the server binaries is told.
const howToInstallMariaDB = "apt-get install mariadb-server (the tests start their own mariadbd from it)"

// MariaDB is a throwaway mariadbd a test owns: its own data directory, temporary directory,
// loopback port and socket, so that the test may set server variables (sql_mode,
// max_connections) the shared server must keep. Root has no password and may connect over TCP
// from 127.0.0.1.
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
	tmpl := installMariaDB(t)
	out := make([]*MariaDB, len(configs))
	for i, extra := range configs {
		m := &MariaDB{Dir: t.TempDir()}
		if b, err := exec.Command("cp", "-a", tmpl, filepath.Join(m.Dir, "data")).CombinedOutput(); err != nil {
			t.Fatalf("copying the MariaDB data directory: %v: %s", err, b)
		}
		if err := os.Mkdir(filepath.Join(m.Dir, "tmp"), 0o700); err != nil {
			t.Fatal(err)
		}
		log, err := OnFreePort(t, func(port int) (string, error) {
			m.Port = port
			return launch(t, filepath.Join(m.Dir, "error.log"), m.ping, server, m.args(extra)...)
		})
		if err != nil {
			// The binaries are there, so this is a failure to report, not a service to install.
			t.Fatalf("mariadbd: %v: %s", err, errorLines(log))
		}
		out[i] = m
	}
	return out
}

// installMariaDB initialises a data directory to copy. Each has its own temporary directory:
// parallel tests sharing /tmp collided there (ERROR 1051 Unknown table 'mysql.tmp_user_sys').
func installMariaDB(t testing.TB) string {
	t.Helper()
	install := findBinary(t, "mariadb-install-db")
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "tmp"), 0o700); err != nil {
		t.Fatal(err)
	}
	tmpl := filepath.Join(dir, "template")
	args := append([]string{"--no-defaults", "--datadir=" + tmpl, "--tmpdir=" + filepath.Join(dir, "tmp"),
		"--socket=" + filepath.Join(dir, "install.sock"), "--auth-root-authentication-method=normal",
		"--skip-test-db", "--skip-name-resolve", "--innodb-log-file-size=4M"}, userArgs()...)
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db %s: %v: %s", strings.Join(args, " "), err, errorLines(string(out)))
	}
	return tmpl
}

// args are mariadbd's options for the data directory in m.Dir.
func (m *MariaDB) args(extra []string) []string {
	args := append([]string{"--no-defaults", "--datadir=" + filepath.Join(m.Dir, "data"), "--tmpdir=" + filepath.Join(m.Dir, "tmp"),
		"--port=" + strconv.Itoa(m.Port), "--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(m.Dir, "s.sock"), "--pid-file=" + filepath.Join(m.Dir, "m.pid"),
		"--log-error=" + filepath.Join(m.Dir, "error.log"), "--innodb-log-file-size=4M",
		"--innodb-buffer-pool-size=16M", "--skip-name-resolve", "--max-connections=10"}, userArgs()...)
	return append(args, extra...)
}

// ping says whether root may connect yet.
func (m *MariaDB) ping() error {
	db, err := sql.Open("mysql", m.DSN("root", ""))
	if err != nil {
		return err
	}
	defer db.Close()
	return db.Ping()
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
