package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// DataDir is the cluster's data directory (PGDATA), for tools that read it, such as pgBackRest.
func (c *Cluster) DataDir() string { return filepath.Join(c.Dir, "data") }

// SocketDir is the directory of the server's Unix socket.
func (c *Cluster) SocketDir() string { return c.Dir }

// ServerDir makes a directory below the cluster's directory that the server's OS user owns and
// may write, e.g. for archive_command to copy WAL into. It goes when the cluster does.
func (c *Cluster) ServerDir(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(c.Dir, name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if c.cred != nil {
		if err := os.Chown(dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// WriteServerFile writes a file the server's OS user owns (mode 0600), e.g. a configuration
// file for a tool run with RunAsServer.
func (c *Cluster) WriteServerFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if c.cred != nil {
		if err := os.Chown(path, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
}

// RunAsServer runs a program as the server's OS user (postgres when the test runs as root), in
// the cluster directory, with up to timeout to finish, and fails the test when it fails. Tools
// such as pgbackrest stanza-create or backup must run as the user that owns the data directory.
func (c *Cluster) RunAsServer(t testing.TB, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := c.run(ctx, name, args...)
	if err != nil {
		t.Fatalf("pgtest: %s %v: %v\n%s", name, args, err, out)
	}
	return out
}
