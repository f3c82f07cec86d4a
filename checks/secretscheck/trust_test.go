package secretscheck

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// The gate opens only on what was looked at: every way of not looking (git missing or refusing,
// attributes hiding history, content skipped, nothing there) is an error, a warning or a skip
// that says so, never a pass.

// runCheckCtx runs s with a deadline, so that a scan that blocks fails the test instead of
// hanging it.
func runCheckCtx(t *testing.T, s *Secrets, dir string) kind.Result {
	t.Helper()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	env := kind.DefaultEnv("test")
	env.BaseDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan kind.Result, 1)
	go func() { done <- s.Run(ctx, env) }()
	select {
	case res := <-done:
		return res
	case <-time.After(30 * time.Second):
		t.Fatalf("the scan of %s did not return: it blocks, ignoring its context", s.Path)
	}
	return kind.Result{}
}

func pathCheck(p string) *Secrets {
	s := newCheck()
	s.Path = p
	return s
}

// assertOneLine fails when a summary or evidence line could break a report's row.
func assertOneLine(t *testing.T, res kind.Result) {
	t.Helper()
	texts := []string{res.Summary, res.Remedy}
	for _, e := range res.Evidence {
		texts = append(texts, e.Observed)
	}
	for _, s := range texts {
		if strings.ContainsAny(s, "\n\r") {
			t.Errorf("a line break in %q", s)
		}
	}
}

func TestGitMissingIsAnErrorInARepositoryAndItsSubdirectories(t *testing.T) {
	r := newRepo(t)
	r.write("sub/app.txt", "hello\n")
	r.commit("init")
	plain := t.TempDir()
	if err := os.WriteFile(filepath.Join(plain, "a.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no git on it

	for _, p := range []string{".", "sub"} {
		res := runCheckCtx(t, pathCheck(p), r.dir)
		if res.Status != kind.Error || !strings.Contains(res.Summary, "git is not installed") || !strings.Contains(res.Remedy, "install git") {
			t.Errorf("path %s without git: %s %q (remedy %q), want an error naming the missing git", p, res.Status, res.Summary, res.Remedy)
		}
	}
	// Outside any repository git is not needed: every file is read.
	no := false
	s := newCheck()
	s.History = &no
	if res := runCheckCtx(t, s, plain); res.Status != kind.Pass || !strings.Contains(fmt.Sprint(res.Evidence), "not a git repository") {
		t.Errorf("plain directory without git: %s %q", res.Status, res.Summary)
	}
}

func TestDubiousOwnershipIsAnErrorInARepositoryAndItsSubdirectories(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the repository to another user (nobody); run the tests as root to cover git's dubious-ownership refusal")
	}
	r := newRepo(t)
	r.write("sub/app.txt", "hello\n")
	r.commit("init")
	// No safe.directory from the machine's configuration may hide the refusal.
	t.Setenv("GIT_CONFIG_GLOBAL", "/dev/null")
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	const nobody = 65534
	if err := filepath.Walk(r.dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{".", "sub"} {
		res := runCheckCtx(t, pathCheck(p), r.dir)
		if res.Status != kind.Error || !strings.Contains(res.Summary, "dubious ownership") || !strings.Contains(res.Remedy, "safe.directory") {
			t.Errorf("path %s owned by another user: %s %q (remedy %q), want an error with git's reason", p, res.Status, res.Summary, res.Remedy)
		}
		assertOneLine(t, res)
	}
}

func TestGitErrorsInASubdirectoryAreErrors(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("sub/a.txt", "one\n")
	r.commit("one")
	r.write("sub/b.txt", "two\n")
	r.commit("two")
	blob := r.git("rev-parse", "HEAD~1:sub/a.txt")
	if err := os.Remove(filepath.Join(r.dir, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	res := runCheckCtx(t, pathCheck("sub"), r.dir)
	if res.Status != kind.Error || !strings.Contains(res.Summary, "git") {
		t.Fatalf("broken history under sub: %s %q, want error", res.Status, res.Summary)
	}
	assertOneLine(t, res)

	// A .git that git does not take for a repository (here a FIFO, which also must not block).
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, ".git"))
	os.WriteFile(filepath.Join(dir, "sub", "a.txt"), []byte("x\n"), 0o644)
	res = runCheckCtx(t, pathCheck("sub"), dir)
	if res.Status != kind.Error || !strings.Contains(res.Summary, ".git") {
		t.Errorf("a .git git cannot read above the path: %s %q, want error", res.Status, res.Summary)
	}
}

func TestGitAttributesDoNotHideHistory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, attributes, config string }{
		{"-diff", "* -diff\n", ""},
		{"binary", "* binary\n", ""},
		{"diff driver marked binary", "* diff=opaque\n", "diff.opaque.binary"},
		{"textconv", "* diff=hide\n", "diff.hide.textconv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			if tc.config != "" {
				// A binary diff driver, or a textconv filter that prints nothing ("true").
				r.git("config", tc.config, "true")
			}
			key := fakeGitHubPAT()
			r.write(".gitattributes", tc.attributes)
			r.write("deploy.env", "GITHUB_TOKEN="+key+"\n")
			r.write("logo.dat", "\x89PNG\x00\x00 GITHUB_TOKEN="+fakeGitHubPAT()+"\n")
			c := r.commit("add")
			r.git("rm", "-q", "deploy.env")
			r.commit("remove")
			res := runCheckCtx(t, newCheck(), r.dir)
			if res.Status != kind.Fail || len(res.Findings) != 1 || res.Findings[0].Commit != c {
				t.Fatalf("%s: %s %q %+v, want the deleted token in history", tc.attributes, res.Status, res.Summary, res.Findings)
			}
			if h := evidence(res, "history"); h == nil || !strings.Contains(h.Observed, "1 binary") {
				t.Errorf("history evidence %+v, want the binary file counted", h)
			}
			assertNoLeak(t, res, key)
		})
	}
}

func TestSecretAddedInAMergeIsFound(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("app.env", "A=1\nB=2\nC=3\n")
	r.commit("base")
	r.git("checkout", "-q", "-b", "feature")
	r.write("app.env", "A=1\nB=2\nC=3\nD=4\n")
	r.commit("feature")
	r.git("checkout", "-q", "main")
	r.write("other.txt", "x\n")
	r.commit("main")
	r.git("merge", "-q", "--no-commit", "feature")
	key := fakeGitHubPAT()
	r.write("app.env", "A=1\nB=2\nC=3\nD=4\nGITHUB_TOKEN="+key+"\n")
	r.git("add", "-A")
	r.git("commit", "-q", "-m", "merge feature")
	merge := r.git("rev-parse", "HEAD")
	r.write("app.env", "A=1\n")
	r.commit("remove")
	res := runCheckCtx(t, newCheck(), r.dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 || res.Findings[0].Commit != merge || res.Findings[0].Line != 5 {
		t.Fatalf("a token added while merging: %s %q %+v, want app.env:5 in the merge %s", res.Status, res.Summary, res.Findings, merge)
	}
}

func TestSkippedContentIsCountedAndWarned(t *testing.T) {
	t.Parallel()
	t.Run("oversized history diff", func(t *testing.T) {
		r := newRepo(t)
		r.write("README", "app\n")
		r.commit("init")
		key := fakeGitHubPAT()
		big := strings.Repeat("0123456789abcdef 0123456789abcdef 0123456789abcdef 0123456789abcd\n", 6<<20/68) + "GITHUB_TOKEN=" + key + "\n"
		r.write("dump.sql", big)
		r.commit("dump")
		r.git("rm", "-q", "dump.sql")
		r.commit("remove dump")
		res := runCheckCtx(t, newCheck(), r.dir)
		h := evidence(res, "history")
		if res.Status != kind.Warn || h == nil || h.Status != kind.Warn || !strings.Contains(h.Observed, "1 diff over 5MiB not scanned") {
			t.Fatalf("a 6 MiB diff: %s %q %+v, want a warning counting it", res.Status, res.Summary, res.Evidence)
		}
		if !strings.Contains(res.Summary, "not scanned") || !strings.Contains(res.Remedy, "max_file_size") {
			t.Errorf("summary %q remedy %q", res.Summary, res.Remedy)
		}
	})
	t.Run("oversized, binary, submodule and nested repository in the tree", func(t *testing.T) {
		inner := newRepo(t)
		inner.write("lib.txt", "lib\n")
		inner.commit("lib")
		r := newRepo(t)
		r.write("README", "app\n")
		r.write("big.txt", strings.Repeat("a", 2048))
		r.write("blob.dat", "\x00\x01\x02")
		r.commit("init")
		r.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", inner.dir, "vendored-lib")
		r.commit("submodule")
		nested := filepath.Join(r.dir, "scratch")
		if out, err := exec.Command("git", "init", "-q", nested).CombinedOutput(); err != nil {
			t.Fatalf("%v %s", err, out)
		}
		os.WriteFile(filepath.Join(nested, "notes.txt"), []byte("n\n"), 0o644)
		s := newCheck()
		s.MaxFileSize = 1024
		res := runCheckCtx(t, s, r.dir)
		wt := evidence(res, "working tree")
		if res.Status != kind.Warn || wt == nil || wt.Status != kind.Warn {
			t.Fatalf("skips that could hide a secret: %s %q %+v, want a warning", res.Status, res.Summary, res.Evidence)
		}
		for _, want := range []string{"1 over 1KiB (not scanned)", "2 submodules or nested repositories (not scanned)", "1 binary"} {
			if !strings.Contains(wt.Observed, want) {
				t.Errorf("working tree evidence %q lacks %q", wt.Observed, want)
			}
		}
		if !strings.Contains(res.Remedy, "submodule") {
			t.Errorf("remedy %q", res.Remedy)
		}
	})
	t.Run("binary files alone are counted, not warned", func(t *testing.T) {
		r := newRepo(t)
		r.write("README", "app\n")
		r.write("logo.png", "\x89PNG")
		r.commit("init")
		res := runCheckCtx(t, newCheck(), r.dir)
		if res.Status != kind.Pass || !strings.Contains(evidence(res, "working tree").Observed, "1 binary") {
			t.Errorf("%s %q %+v", res.Status, res.Summary, res.Evidence)
		}
	})
}

func TestNothingScannedIsASkip(t *testing.T) {
	t.Parallel()
	fifoDir := t.TempDir()
	fifo := filepath.Join(fifoDir, "pipe")
	mkfifo(t, fifo)
	empty := t.TempDir()
	no := false
	for _, tc := range []struct {
		name, path, want string
	}{
		{"empty directory", empty, "nothing scanned: no text file in"},
		{"a directory holding only a FIFO", fifoDir, "nothing scanned"},
		{"a FIFO", fifo, "is a FIFO, neither a directory nor a regular file"},
		{"a device", "/dev/zero", "is a character device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pathCheck(tc.path)
			s.History = &no
			res := runCheckCtx(t, s, t.TempDir())
			if res.Status != kind.Skip || !strings.Contains(res.Summary, tc.want) {
				t.Errorf("%s: %s %q, want skip %q", tc.path, res.Status, res.Summary, tc.want)
			}
		})
	}
	r := newRepo(t)
	if res := runCheckCtx(t, newCheck(), r.dir); res.Status != kind.Skip {
		t.Errorf("a repository without files or commits: %s %q, want skip", res.Status, res.Summary)
	}
}

func TestFIFOsInsideAScannedDirectoryAreNotRead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := fakeAWSKeyID()
	os.WriteFile(filepath.Join(dir, "app.env"), []byte("k = "+key+"\n"), 0o644)
	mkfifo(t, filepath.Join(dir, "pipe.env"))
	no := false
	s := newCheck()
	s.History = &no
	res := runCheckCtx(t, s, dir)
	if res.Status != kind.Fail || len(res.Findings) != 1 || !strings.Contains(evidence(res, "working tree").Observed, "1 FIFO, socket or device") {
		t.Errorf("%s %q %+v", res.Status, res.Summary, res.Evidence)
	}
	// Named as the one file to scan through a link, the FIFO is not opened either.
	link := filepath.Join(t.TempDir(), "link")
	os.Symlink(filepath.Join(dir, "pipe.env"), link)
	if res := runCheckCtx(t, pathCheck(link), dir); res.Status != kind.Skip {
		t.Errorf("a link to a FIFO: %s %q", res.Status, res.Summary)
	}
}

// TestLongHistoryLinesAreCut: a committed file of one huge line is scanned in its first maxLine
// bytes, reported as cut, and never held whole.
func TestLongHistoryLinesAreCut(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("README", "app\n")
	r.commit("init")
	key := fakeGitHubPAT()
	r.write("bundle.min.js", "var t='"+key+"';"+strings.Repeat("x", 3<<20)+"\n")
	r.commit("bundle")
	r.git("rm", "-q", "bundle.min.js")
	r.commit("remove bundle")
	res := runCheckCtx(t, newCheck(), r.dir)
	h := evidence(res, "history")
	if res.Status != kind.Fail || len(res.Findings) != 1 || h == nil || !strings.Contains(h.Observed, "1 line cut at 1.0 MiB") {
		t.Fatalf("a 3 MiB line: %s %q %+v, want the token found and the line reported as cut", res.Status, res.Summary, res.Evidence)
	}
	assertNoLeak(t, res, key)
}

// TestParseDiffMemoryIsBounded streams a diff with a 64 MiB line through the parser: what it
// allocates stays near maxLine, whatever the length of the line.
func TestParseDiffMemoryIsBounded(t *testing.T) {
	const lineLen = 64 << 20
	head := "\x00" + strings.Repeat("a", 40) + "\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+"
	src := io.MultiReader(strings.NewReader(head), io.LimitReader(xReader{}, lineLen), strings.NewReader("\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	chunks := 0
	_, err := parseDiff(src, 5<<20, func(c *diffChunk) error {
		chunks++
		if len(c.data) > maxLine+1 {
			t.Errorf("a chunk holds %d bytes of one line, over the %d kept", len(c.data), maxLine)
		}
		return nil
	})
	runtime.ReadMemStats(&after)
	if err != nil || chunks != 1 {
		t.Fatalf("parseDiff = %v, %d chunks", err, chunks)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("parsing a %d MiB line allocated %d MiB, want it bounded by the line limit", lineLen>>20, got>>20)
	}
}

// xReader is an endless reader of 'x'.
type xReader struct{}

func (xReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestBaselineMustBeASmallRegularFile(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	r.write("conf.env", "aws_access_key_id = "+fakeAWSKeyID()+"\n")
	r.commit("add")
	fifo := filepath.Join(t.TempDir(), "baseline.yaml")
	mkfifo(t, fifo)
	big := filepath.Join(t.TempDir(), "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(maxBaselineSize + 1) // sparse: no disk used
	f.Close()
	for _, tc := range []struct{ path, want string }{
		{fifo, "is a FIFO, not a regular file"},
		{big, "more than the 16777216"},
		{"/dev/zero", "is a character device, not a regular file"},
	} {
		s := newCheck()
		s.Baseline = tc.path
		res := runCheckCtx(t, s, r.dir)
		if res.Status != kind.Error || !strings.Contains(res.Summary, tc.want) {
			t.Errorf("baseline %s: %s %q, want an error %q", tc.path, res.Status, res.Summary, tc.want)
		}
	}
}

func TestFileNamesAndGitErrorsStayOnOneLine(t *testing.T) {
	t.Parallel()
	r := newRepo(t)
	name := "a\n::error file=app.go::forged\n GATE OPEN   all passed\n.env"
	r.write(name, "GITHUB_TOKEN="+fakeGitHubPAT()+"\n")
	r.commit("odd name")
	res := runCheckCtx(t, newCheck(), r.dir)
	if res.Status != kind.Fail || !strings.Contains(res.Summary, `a\n::error file=app.go::forged\n GATE OPEN`) {
		t.Fatalf("%s %q", res.Status, res.Summary)
	}
	assertOneLine(t, res)
	if got := oneLine("fatal: detected dubious ownership in repository at '/x'\nTo add an exception for this directory, call:\n\n\tgit config --global --add safe.directory /x\n"); got !=
		"fatal: detected dubious ownership in repository at '/x' To add an exception for this directory, call: git config --global --add safe.directory /x" {
		t.Errorf("oneLine = %q", got)
	}
	if got := printable("a\x1b[31m\xffb\tc"); got != `a\x1b[31m\xffb\tc` {
		t.Errorf("printable = %q", got)
	}
}
