//go:build unix

package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/testsvc"
)

// acceptingListener accepts connections and never answers them, and says when the first one
// arrived.
func acceptingListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	first := make(chan struct{})
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if conns == nil {
				close(first)
			}
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String(), first
}

// hangingGit puts a git on PATH that hangs in `git log`, as on an enormous history, and writes
// its pid to the returned file; every other git command is the real git's.
func hangingGit(t *testing.T, dir string) (binDir, pidFile string) {
	t.Helper()
	realGit, err := exec.LookPath("git")
	if err != nil {
		testsvc.Unavailable(t, "git", "apt-get install git", err)
	}
	binDir, pidFile = filepath.Join(dir, "bin"), filepath.Join(dir, "git.pid")
	script := "#!/bin/sh\nfor a in \"$@\"; do\n  if [ \"$a\" = log ]; then echo $$ > '" + pidFile + "'; exec sleep 600; fi\ndone\nexec '" + realGit + "' \"$@\"\n"
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(binDir, "git"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binDir, pidFile
}

// alive reports whether pid is a process that has not exited (a zombie has).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the command name in parentheses.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestSignalsStopTheGate runs the real binary against a server that accepts and never answers
// and a repository whose history scan hangs, and sends it SIGINT or SIGTERM: it must stop long
// before the checks' timeouts, print and write every report with the interrupted checks as
// errors, kill git, and exit 128 plus the signal's number.
func TestSignalsStopTheGate(t *testing.T) {
	bin := launchgateBinary(t)
	for _, tc := range []struct {
		test string
		// ignoreInt starts launchgate with SIGINT ignored, as a shell script's background job is.
		ignoreInt bool
		send      []syscall.Signal
		name      string
		code      int
	}{
		{"SIGINT", false, []syscall.Signal{syscall.SIGINT}, "SIGINT", 130},
		{"SIGTERM", false, []syscall.Signal{syscall.SIGTERM}, "SIGTERM", 143},
		{"SIGINT ignored by the parent stays ignored", true, []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, "SIGTERM", 143},
	} {
		t.Run(tc.test, func(t *testing.T) {
			dir := t.TempDir()
			gitDir, pidFile := hangingGit(t, dir)
			repo := filepath.Join(dir, "repo")
			os.MkdirAll(repo, 0o755)
			os.WriteFile(filepath.Join(repo, "main.go"), []byte("package main\n"), 0o644)
			for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-qm", "first"}} {
				git := exec.Command("git", args...)
				git.Dir = repo
				git.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
					"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
				if out, err := git.CombinedOutput(); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			addr, accepted := acceptingListener(t)
			list := filepath.Join(dir, "gate.yaml")
			os.WriteFile(list, []byte("version: 1\nname: interrupted\nchecks:\n"+
				"  - {id: api, type: http.health, timeout: 1m, with: {url: 'http://"+addr+"/healthz'}}\n"+
				"  - {id: secrets, type: secrets, timeout: 1m, with: {path: repo}}\n"), 0o644)
			jsonOut, junitOut := filepath.Join(dir, "gate.json"), filepath.Join(dir, "gate.xml")
			os.WriteFile(jsonOut, []byte("the previous report\n"), 0o644)

			var stdout, stderr bytes.Buffer
			cmd := exec.Command(bin, "run", list, "--output", "json="+jsonOut, "--output", "junit="+junitOut)
			if tc.ignoreInt {
				cmd = exec.Command("bash", append([]string{"-c", `trap "" INT; exec "$0" "$@"`}, cmd.Args...)...)
			}
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+gitDir+string(os.PathListSeparator)+os.Getenv("PATH"), "GIT_CONFIG_GLOBAL=/dev/null")
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var waitErr error
			exited := make(chan struct{})
			go func() { waitErr = cmd.Wait(); close(exited) }()
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })

			// Both checks are in flight: the request was accepted and git log is running.
			var gitPid int
			deadline := time.After(testsvc.WaitLimit)
			for gitPid == 0 {
				b, _ := os.ReadFile(pidFile)
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
					gitPid = pid
					break
				}
				select {
				case <-exited:
					t.Fatalf("launchgate exited before git log started (%v):\n%s%s", waitErr, stdout.String(), stderr.String())
				case <-deadline:
					t.Fatalf("git log never started:\n%s", stderr.String())
				case <-time.After(10 * time.Millisecond):
				}
			}
			t.Cleanup(func() { syscall.Kill(gitPid, syscall.SIGKILL) })
			select {
			case <-accepted:
			case <-deadline:
				t.Fatal("the health check never connected")
			}

			sent := time.Now()
			for _, sig := range tc.send {
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			// Launchgate gives its cancelled checks the runner's half-second grace and exits well
			// within the 2s it promises; one that did not cancel them would wait out their 1m
			// timeouts. The bound leaves a busy machine ten times the 2s.
			select {
			case <-exited:
			case <-time.After(10 * 2 * time.Second):
				t.Fatalf("launchgate did not exit within 20s of %s", tc.name)
			}
			took := time.Since(sent)
			var ee *exec.ExitError
			if !errors.As(waitErr, &ee) || ee.ExitCode() != tc.code {
				t.Errorf("exit %v, want %d\n%s%s", waitErr, tc.code, stdout.String(), stderr.String())
			}
			t.Logf("exited %s after %s", took, tc.name)
			out := stdout.String()
			for _, want := range []string{"ERROR  api      ", "ERROR  secrets  ", "GATE CLOSED"} {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%s", want, out)
				}
			}
			if !strings.Contains(stderr.String(), "launchgate: interrupted by "+tc.name) {
				t.Errorf("stderr: %q", stderr.String())
			}
			var doc struct {
				Gate    struct{ Verdict string } `json:"gate"`
				Results []struct{ ID, Status, Summary string }
			}
			b, _ := os.ReadFile(jsonOut)
			if err := json.Unmarshal(b, &doc); err != nil || doc.Gate.Verdict != "closed" || len(doc.Results) != 2 {
				t.Fatalf("--output json (%v):\n%s", err, b)
			}
			for _, r := range doc.Results {
				if r.Status != "error" || r.Summary != "interrupted" {
					t.Errorf("%s: %s %q, want error \"interrupted\"", r.ID, r.Status, r.Summary)
				}
			}
			if b, _ := os.ReadFile(junitOut); !bytes.Contains(b, []byte("<testsuites")) {
				t.Errorf("--output junit:\n%s", b)
			}
			// git was killed with the check, not orphaned to run on.
			for stop := time.Now().Add(testsvc.WaitLimit); alive(gitPid); {
				if time.Now().After(stop) {
					t.Fatalf("git (pid %d) still runs after launchgate exited", gitPid)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
