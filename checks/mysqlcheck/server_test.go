package mysqlcheck

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// mariaServer is a throwaway MariaDB server the test owns (max_connections=10, which the shared
// server must keep), with one root connection the test keeps for its statements and polls.
type mariaServer struct {
	*testsvc.MariaDB
	adminDB *sql.DB
}

// startMariaDBs starts one server per list of extra mariadbd options; they are stopped and
// removed when the test ends.
func startMariaDBs(t *testing.T, configs ...[]string) []*mariaServer {
	t.Helper()
	var out []*mariaServer
	for _, m := range testsvc.StartMariaDBs(t, configs...) {
		out = append(out, &mariaServer{MariaDB: m})
	}
	return out
}

// admin opens a one-connection pool as root (one per server, kept open).
func (s *mariaServer) admin(t *testing.T) *sql.DB {
	t.Helper()
	if s.adminDB != nil {
		return s.adminDB
	}
	db, err := sql.Open("mysql", s.DSN("root", ""))
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
	db, err := sql.Open("mysql", s.DSN(user, password))
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
