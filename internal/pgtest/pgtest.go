// Package pgtest starts throwaway PostgreSQL clusters for tests: a primary in a temporary
// directory on a free loopback port, and streaming standbys of it made with pg_basebackup -R.
//
// PostgreSQL refuses to run as root, so when the test runs as root every server program runs as
// the `postgres` OS user (through process credentials, no sudo needed). A machine without the
// server binaries makes the test skip, or fail under CI, through testsvc.Unavailable.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/testsvc"
)

// howToStart is what testsvc.Unavailable tells a person without the binaries.
const howToStart = "apt-get install postgresql-15 (initdb, pg_ctl and pg_basebackup in /usr/lib/postgresql/15/bin), or set PG_BINDIR"

// Options shape a new cluster.
type Options struct {
	// Conf lines are appended to postgresql.conf, e.g. "max_connections = 10".
	Conf []string
	// Fresh runs initdb even when Main provides a template, for a cluster whose system
	// identifier must differ from the others'.
	Fresh bool
	// HBA lines are put before the default trust rules in pg_hba.conf, e.g.
	// "host all pwuser 127.0.0.1/32 scram-sha-256" to make one role use a password.
	HBA []string
	// Files are written into the data directory before the server starts, owned by the server's
	// user with mode 0600, e.g. server.crt and server.key for ssl = on.
	Files map[string][]byte
}

// StandbyOptions shape a streaming standby.
type StandbyOptions struct {
	// Name becomes cluster_name, which the standby's WAL receiver reports as its
	// application_name in the primary's pg_stat_replication.
	Name string
	// ApplyDelay sets recovery_min_apply_delay: commits become visible on the standby this
	// long after they were made on the primary.
	ApplyDelay time.Duration
	// Conf lines are appended to the standby's postgresql.conf.
	Conf []string
}

// Cluster is one running (or stopped) PostgreSQL server owned by a test.
type Cluster struct {
	// Dir holds the data directory, the socket and the server log.
	Dir  string
	Port int
	// Host is always 127.0.0.1: tests only ever target loopback.
	Host string

	bin     string
	cred    *syscall.Credential
	mu      sync.Mutex
	running bool
}

// Start initialises and starts a new cluster with trust authentication for every local and
// loopback connection (replication included). It is stopped and deleted when the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	bin := binDir(t)
	c := newCluster(t, bin)
	data := filepath.Join(c.Dir, "data")
	if tmpl := template(t, c); tmpl != "" && !opts.Fresh {
		if out, err := c.run(context.Background(), "cp", "-a", tmpl, data); err != nil {
			t.Fatalf("pgtest: copying the template cluster: %v\n%s", err, out)
		}
	} else if out, err := c.initdb(data); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	for name, b := range opts.Files {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if c.cred != nil {
			if err := os.Chown(p, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(opts.HBA) > 0 {
		hba := filepath.Join(data, "pg_hba.conf")
		old, err := os.ReadFile(hba)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hba, []byte(strings.Join(opts.HBA, "\n")+"\n"+string(old)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	conf := append([]string{
		"listen_addresses = '127.0.0.1'",
		"unix_socket_directories = '" + c.Dir + "'",
		"fsync = off",
		"synchronous_commit = on",
		"full_page_writes = off",
		"shared_buffers = 16MB",
		"max_wal_size = 64MB",
		"logging_collector = off",
		"log_min_messages = warning",
	}, opts.Conf...)
	c.startOnFreePort(t, conf)
	return c
}

// Standby makes a streaming standby of c with pg_basebackup -R and starts it. The primary must
// be running.
func (c *Cluster) Standby(t testing.TB, opts StandbyOptions) *Cluster {
	t.Helper()
	s := newCluster(t, c.bin)
	data := filepath.Join(s.Dir, "data")
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	if out, err := s.run(ctx, filepath.Join(c.bin, "pg_basebackup"),
		"-h", c.Host, "-p", strconv.Itoa(c.Port), "-U", "postgres",
		"-D", data, "-R", "-X", "stream", "-c", "fast", "--no-sync"); err != nil {
		t.Fatalf("pgtest: pg_basebackup from port %d: %v\n%s", c.Port, err, out)
	}
	name := opts.Name
	if name == "" {
		name = "standby"
	}
	conf := []string{
		"unix_socket_directories = '" + s.Dir + "'",
		"cluster_name = '" + name + "'",
		"hot_standby = on",
		// Report replay progress promptly, so pg_stat_replication is fresh.
		"wal_receiver_status_interval = 1s",
	}
	if opts.ApplyDelay > 0 {
		conf = append(conf, fmt.Sprintf("recovery_min_apply_delay = '%dms'", opts.ApplyDelay.Milliseconds()))
	}
	conf = append(conf, opts.Conf...)
	s.startOnFreePort(t, conf)
	return s
}

// DSN is a URL for user on database db (empty means postgres for both).
func (c *Cluster) DSN(userName, db string) string {
	if userName == "" {
		userName = "postgres"
	}
	if db == "" {
		db = "postgres"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", userName, c.Host, c.Port, db)
}

// Stop stops the server (fast shutdown: sessions are disconnected). Start brings it back.
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	if err := c.stop("fast"); err != nil {
		t.Fatalf("pgtest: stopping the cluster on port %d: %v", c.Port, err)
	}
}

// Restart starts a stopped server again on the same port.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	if err := c.pgctlStart(); err != nil {
		t.Fatalf("pgtest: restarting the cluster on port %d: %v", c.Port, err)
	}
}

// Log returns the server log, for failure messages.
func (c *Cluster) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.Dir, "server.log"))
	return string(b)
}

func (c *Cluster) initdb(data string) (string, error) {
	return c.run(context.Background(), filepath.Join(c.bin, "initdb"),
		"-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C",
		"--no-sync", "--no-instructions")
}

// templates holds one initdb'd data directory per test binary when the package's TestMain
// calls Main: copying it is much cheaper than initdb on a busy machine.
var templates struct {
	sync.Mutex
	enabled bool
	dir     string // holds data/, owned by the postgres user
	err     error
}

// Main runs a package's tests with a shared template cluster, removed when they finish. Use it
// from TestMain when a package starts several clusters. Clusters copied from the template share
// its system identifier (standbys always share their primary's), so a test that needs two
// unrelated clusters to differ there cannot use Main.
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
func Main(m *testing.M) {
	templates.Lock()
	templates.enabled = true
	templates.Unlock()
	code := m.Run()
	templates.Lock()
	if templates.dir != "" {
		os.RemoveAll(templates.dir)
	}
	templates.Unlock()
	os.Exit(code)
}

// template returns the template data directory, making it on first use, or "" when Main is
// not in use.
func template(t testing.TB, c *Cluster) string {
	templates.Lock()
	defer templates.Unlock()
	if !templates.enabled {
		return ""
	}
	if templates.dir == "" && templates.err == nil {
		dir, err := os.MkdirTemp("", "pgtest-template-")
		if err != nil {
			templates.err = err
		} else {
			tc := &Cluster{Dir: dir, bin: c.bin, cred: c.cred}
			if c.cred != nil {
				templates.err = os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid))
			}
			if templates.err == nil {
				if out, err := tc.initdb(filepath.Join(dir, "data")); err != nil {
					templates.err = fmt.Errorf("initdb: %v\n%s", err, out)
				}
			}
			templates.dir = dir
		}
	}
	if templates.err != nil {
		t.Fatalf("pgtest: template cluster: %v", templates.err)
	}
	return filepath.Join(templates.dir, "data")
}

func newCluster(t testing.TB, bin string) *Cluster {
	t.Helper()
	// t.TempDir's parents are private to root, so the postgres user could not enter them.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, Host: "127.0.0.1", bin: bin}
	t.Cleanup(func() {
		_ = c.stop("immediate")
		os.RemoveAll(dir)
	})
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testsvc.Unavailable(t, "the postgres OS user", "apt-get install postgresql-15 (it creates the postgres user)", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func (c *Cluster) startOnFreePort(t testing.TB, conf []string) {
	t.Helper()
	confPath := filepath.Join(c.Dir, "data", "postgresql.conf")
	base, err := os.ReadFile(confPath)
	if err != nil {
		t.Fatal(err)
	}
	_, err = testsvc.OnFreePort(t, func(port int) (string, error) {
		c.Port = port
		text := string(base) + "\n# pgtest\nport = " + strconv.Itoa(port) + "\n" + strings.Join(conf, "\n") + "\n"
		if err := os.WriteFile(confPath, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if c.cred != nil {
			_ = os.Chown(confPath, int(c.cred.Uid), int(c.cred.Gid))
		}
		err := c.pgctlStart()
		return c.Log(), err
	})
	if err != nil {
		t.Fatalf("pgtest: starting PostgreSQL: %v\nserver log:\n%s", err, c.Log())
	}
}

func (c *Cluster) pgctlStart() error {
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	out, err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.Dir, "data"),
		"-l", filepath.Join(c.Dir, "server.log"), "-w", "-t", "110", "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.mu.Lock()
	c.running = true
	c.mu.Unlock()
	return nil
}

func (c *Cluster) stop(mode string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	out, err := c.run(ctx, filepath.Join(c.bin, "pg_ctl"), "-D", filepath.Join(c.Dir, "data"),
		"-m", mode, "-w", "-t", "110", "stop")
	if err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	c.running = false
	return nil
}

// run runs a server program as the postgres user (when we are root), in the cluster directory.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PGTZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(cmd.Env, "HOME="+c.Dir, "USER=postgres")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// pg_ctl start leaves the server running with our pipes open; do not wait on them.
	cmd.WaitDelay = time.Second
	start := time.Now()
	err := cmd.Run()
	if os.Getenv("PGTEST_TRACE") != "" {
		fmt.Fprintf(os.Stderr, "pgtest: %s %s: %s\n", filepath.Base(name), args[len(args)-1], time.Since(start))
	}
	return out.String(), err
}

func binDir(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("PG_BINDIR"), "/usr/lib/postgresql/15/bin"}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	for _, dir := range candidates {
		if dir == "" {
			continue
		}
		ok := true
		for _, p := range []string{"initdb", "pg_ctl", "pg_basebackup", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				ok = false
				break
			}
		}
		if ok {
			return dir
		}
	}
	testsvc.Unavailable(t, "the PostgreSQL server binaries", howToStart, fmt.Errorf("initdb, pg_ctl, pg_basebackup not found in %v", candidates))
	return ""
}

// Connect opens a connection as userName to db (empty means postgres) that is closed when the
// test ends.
func (c *Cluster) Connect(t testing.TB, userName, db string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN(userName, db))
	if err != nil {
		t.Fatalf("pgtest: connecting to port %d as %q: %v", c.Port, userName, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// Exec runs statements as the superuser and fails the test on error.
func (c *Cluster) Exec(t testing.TB, statements ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("", ""))
	if err != nil {
		t.Fatalf("pgtest: connecting to port %d: %v", c.Port, err)
	}
	defer conn.Close(ctx)
	for _, s := range statements {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("pgtest: %s: %v", s, err)
		}
	}
}

// WaitStreaming waits (up to testsvc.WaitLimit) until exactly n physical standbys stream from
// c, which is what a test needs before it judges replication.
func (c *Cluster) WaitStreaming(t testing.TB, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.DSN("", ""))
	if err != nil {
		t.Fatalf("pgtest: connecting to port %d: %v", c.Port, err)
	}
	defer conn.Close(context.Background())
	got := -1
	for ctx.Err() == nil {
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'").Scan(&got); err != nil {
			break
		}
		if got == n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("pgtest: %d standbys streaming from port %d, want %d", got, c.Port, n)
}
