//go:build unix

package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// launchWithin runs the command line in dir and fails the test if it does not return in time:
// a command that blocks (on a FIFO, say) must not hang the suite.
func launchWithin(t *testing.T, limit time.Duration, dir string, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- launchIn(t, dir, args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		t.Fatalf("launchgate %s did not return within %s", strings.Join(args, " "), limit)
	}
	return result{}
}

// TestSecretsGitMissingClosesTheGateFromASubdirectory: run from a subdirectory of a repository,
// with no git on PATH, the default checklist's secrets check cannot read the history: an error
// that closes the gate, never "no secrets in 1 file".
func TestSecretsGitMissingClosesTheGateFromASubdirectory(t *testing.T) {
	dir := gitRepo(t, map[string]string{"svc/app.txt": "hello\n", "README": "app\n"})
	sub := filepath.Join(dir, "svc")
	t.Setenv("PATH", t.TempDir())
	for _, args := range [][]string{{"run", "--only", "secrets"}, {"check", "secrets", "."}} {
		r := launchWithin(t, time.Minute, sub, args...)
		if r.code != 1 || !strings.Contains(r.out, "git is not installed") || strings.Contains(r.out, "GATE OPEN") {
			t.Errorf("launchgate %s from repo/svc without git: exit %d, want 1 with the reason\n%s%s", strings.Join(args, " "), r.code, r.out, r.errOut)
		}
	}
	if r := launchWithin(t, time.Minute, dir, "check", "secrets", "svc"); r.code != 1 || !strings.Contains(r.out, "git is not installed") {
		t.Errorf("launchgate check secrets svc without git: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
	if r := launchWithin(t, time.Minute, sub, "secrets", "baseline"); r.code != 2 || !strings.Contains(r.errOut, "git is not installed") {
		t.Errorf("secrets baseline without git: exit %d, want 2\n%s%s", r.code, r.out, r.errOut)
	}
}

// TestSecretsBaselineDoesNotBlockAndHonoursTimeout: a FIFO given as the path is refused at once
// (reading it would wait for a writer forever), and --timeout bounds the whole command.
func TestSecretsBaselineDoesNotBlockAndHonoursTimeout(t *testing.T) {
	dir := gitRepo(t, map[string]string{"app.env": "GITHUB_TOKEN=" + fakeGitHubToken(t) + "\n"})
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here: ", err)
	}
	r := launchWithin(t, time.Minute, dir, "secrets", "baseline", fifo, "--history=false", "-o", filepath.Join(t.TempDir(), "b.yaml"))
	if r.code != 2 || !strings.Contains(r.errOut, "is a FIFO, neither a directory nor a regular file") {
		t.Errorf("secrets baseline FIFO: exit %d, want 2 with the reason\n%s%s", r.code, r.out, r.errOut)
	}
	r = launchWithin(t, time.Minute, dir, "secrets", "baseline", "--timeout", "1ns")
	if r.code != 2 || !strings.Contains(r.errOut, "--timeout 1ns") {
		t.Errorf("secrets baseline --timeout 1ns: exit %d, want 2 naming the timeout\n%s%s", r.code, r.out, r.errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, ".launchgate")); !os.IsNotExist(err) {
		t.Errorf("a timed-out baseline was written: %v", err)
	}
	r = launchWithin(t, time.Minute, dir, "secrets", "baseline", "--timeout", "0s")
	if r.code != 2 || !strings.Contains(r.errOut, "--timeout must be positive") {
		t.Errorf("secrets baseline --timeout 0s: exit %d\n%s%s", r.code, r.out, r.errOut)
	}
}
