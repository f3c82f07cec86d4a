package secrets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/launchgate/launchgate/internal/redact"
)

// boundedBuffer keeps the first max bytes written to it (git's stderr).
type boundedBuffer struct {
	bytes.Buffer
	max int
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append([]string{"-C", dir, "-c", "core.quotePath=false", "-c", "color.ui=never"}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "LC_ALL=C")
	return cmd
}

// gitOutput runs git in dir and returns its standard output; a failure carries git's message.
func gitOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := gitCommand(ctx, dir, args...)
	stderr := &boundedBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return out, gitError(args[0], err, stderr.String())
	}
	return out, nil
}

func gitError(sub string, err error, stderr string) error {
	msg := strings.TrimSpace(stderr)
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 && len(msg) > 300 {
		msg = msg[i+1:]
	}
	if msg != "" {
		return fmt.Errorf("git %s: %w: %s", sub, err, redact.String(msg))
	}
	return fmt.Errorf("git %s: %w", sub, err)
}

// repoState says whether dir is in a git work tree. A directory that holds a .git but where git
// cannot work (missing binary, dubious ownership) is an error: scanning it as plain files would
// silently skip its history.
func repoState(ctx context.Context, dir string, hasDotGit bool) (bool, error) {
	out, err := gitOutput(ctx, dir, "rev-parse", "--is-inside-work-tree")
	if err == nil {
		return strings.TrimSpace(string(out)) == "true", nil
	}
	if errors.Is(err, exec.ErrNotFound) && !hasDotGit {
		return false, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && !hasDotGit && strings.Contains(err.Error(), "not a git repository") {
		return false, nil
	}
	if hasDotGit || !errors.As(err, &ee) {
		return false, err
	}
	return false, nil
}

// diffChunk is the lines one commit added to one file.
type diffChunk struct {
	seq    int // position of the commit in the stream (newest first)
	commit string
	file   string
	data   []byte
	lines  []int // the new-file line number of each line in data
	skip   bool  // binary, deleted, or over the size limit
	over   bool
}

// diffStats counts what a diff stream held.
type diffStats struct {
	commits, chunks, oversize int
	bytes                     int64
}

// parseDiff reads `git log -p --unified=0` (or `git diff --unified=0`) output and hands each
// file's added lines to emit. Hunk headers give exact line counts, so an added line that looks
// like a header ("+++ b/x" as content) is never mistaken for one.
func parseDiff(r io.Reader, maxSize int64, emit func(*diffChunk) error) (diffStats, error) {
	var st diffStats
	br := bufio.NewReaderSize(r, 256<<10)
	var (
		cur              *diffChunk
		commit           string
		seq              int
		oldLeft, newLeft int
		newLine          int
		long             []byte
	)
	flush := func() error {
		if cur != nil && !cur.skip && len(cur.data) > 0 && cur.file != "" {
			st.chunks++
			st.bytes += int64(len(cur.data))
			if err := emit(cur); err != nil {
				return err
			}
		}
		if cur != nil && cur.over {
			st.oversize++
		}
		cur = nil
		return nil
	}
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) == 0 && err != nil {
			if err == io.EOF {
				return st, flush()
			}
			return st, err
		}
		line = bytes.TrimSuffix(line, []byte{'\n'})
		if oldLeft > 0 || newLeft > 0 {
			switch {
			case len(line) > 0 && line[0] == '+' && newLeft > 0:
				newLeft--
				if cur != nil && !cur.skip {
					if int64(len(cur.data)+len(line)) > maxSize {
						cur.skip, cur.over = true, true
					} else {
						cur.data = append(cur.data, line[1:]...)
						cur.data = append(cur.data, '\n')
						cur.lines = append(cur.lines, newLine)
					}
				}
				newLine++
				continue
			case len(line) > 0 && line[0] == '-' && oldLeft > 0:
				oldLeft--
				continue
			case len(line) > 0 && line[0] == '\\':
				continue // "\ No newline at end of file"
			}
			oldLeft, newLeft = 0, 0 // malformed hunk: resynchronise on headers
		}
		switch {
		case len(line) > 0 && line[0] == 0:
			if err := flush(); err != nil {
				return st, err
			}
			commit = string(bytes.TrimSpace(line[1:]))
			seq++
			st.commits++
		case bytes.HasPrefix(line, []byte("diff --git ")), bytes.HasPrefix(line, []byte("diff --cc ")):
			if err := flush(); err != nil {
				return st, err
			}
			cur = &diffChunk{seq: seq, commit: commit}
		case cur == nil:
		case bytes.HasPrefix(line, []byte("+++ ")):
			p := string(line[4:])
			if p == "/dev/null" {
				cur.skip = true
				break
			}
			cur.file = strings.TrimPrefix(unquoteGitPath(p), "b/")
		case bytes.HasPrefix(line, []byte("Binary files ")):
			cur.skip = true
		case bytes.HasPrefix(line, []byte("@@ ")):
			o, n, start, ok := parseHunkHeader(line)
			if !ok {
				return st, fmt.Errorf("unreadable hunk header %q in commit %s", truncate(string(line), 80), short(commit))
			}
			oldLeft, newLeft, newLine = o, n, start
		}
		if err == io.EOF {
			return st, flush()
		}
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// unquoteGitPath decodes a path git wrote in C-style quotes ("a\tb").
func unquoteGitPath(p string) string {
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
		if u, err := strconv.Unquote(p); err == nil {
			return u
		}
	}
	return p
}

// parseHunkHeader reads "@@ -a[,b] +c[,d] @@": the old and new line counts and the first new line.
func parseHunkHeader(line []byte) (oldCount, newCount, newStart int, ok bool) {
	f := strings.Fields(string(line))
	if len(f) < 3 || !strings.HasPrefix(f[1], "-") || !strings.HasPrefix(f[2], "+") {
		return 0, 0, 0, false
	}
	rng := func(s string) (start, count int, ok bool) {
		a, b, has := strings.Cut(s, ",")
		start, err := strconv.Atoi(a)
		if err != nil {
			return 0, 0, false
		}
		count = 1
		if has {
			if count, err = strconv.Atoi(b); err != nil {
				return 0, 0, false
			}
		}
		return start, count, true
	}
	_, oc, ok1 := rng(f[1][1:])
	ns, nc, ok2 := rng(f[2][1:])
	return oc, nc, ns, ok1 && ok2
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// diffFinding is a match in the added lines of a commit (or of the index, for staged scans).
type diffFinding struct {
	seq    int
	commit string
	file   string
	m      match
}

// scanDiff runs git with args, parses its patch output as it streams and scans the added lines
// in parallel. If git fails at any point the whole scan fails: a partial history is no pass.
func (sc *Secrets) scanDiff(ctx context.Context, rs *ruleSet, root string, args []string) ([]diffFinding, diffStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := gitCommand(ctx, root, args...)
	stderr := &boundedBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, diffStats{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, diffStats{}, gitError(args[0], err, "")
	}

	// A short queue: each chunk may hold up to max_file_size bytes, and memory must stay low.
	chunks := make(chan *diffChunk, 2*runtime.GOMAXPROCS(0))
	var (
		mu       sync.Mutex
		findings []diffFinding
		wg       sync.WaitGroup
	)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			scn := newScanner(rs)
			var local []diffFinding
			for c := range chunks {
				for _, m := range scn.scan(c.data, optsFor(c.file)) {
					if m.line >= 1 && m.line <= len(c.lines) {
						m.line = c.lines[m.line-1]
					}
					local = append(local, diffFinding{seq: c.seq, commit: c.commit, file: c.file, m: m})
				}
			}
			mu.Lock()
			findings = append(findings, local...)
			mu.Unlock()
		}()
	}
	st, perr := parseDiff(stdout, int64(sc.MaxFileSize), func(c *diffChunk) error {
		if sc.ignored(c.file) || isVendored(c.file) {
			return nil
		}
		select {
		case chunks <- c:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(chunks)
	wg.Wait()
	if perr != nil {
		cancel()
		_ = cmd.Wait()
		return nil, st, fmt.Errorf("reading git %s output after %d commits: %w", args[0], st.commits, perr)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, st, fmt.Errorf("git %s stopped after %d commits: %w", args[0], st.commits, ctx.Err())
		}
		return nil, st, fmt.Errorf("after %d commits: %w", st.commits, gitError(args[0], err, stderr.String()))
	}
	return findings, st, nil
}

// historyArgs is the one git invocation that streams the added lines of every commit reachable
// from any ref.
func historyArgs() []string {
	return []string{"log", "--all", "-p", "--no-color", "--unified=0", "--no-ext-diff", "--no-textconv",
		"--find-renames", "--src-prefix=a/", "--dst-prefix=b/", "--relative", "--format=%x00%H"}
}

func stagedArgs() []string {
	return []string{"diff", "--cached", "-p", "--no-color", "--unified=0", "--no-ext-diff", "--no-textconv",
		"--find-renames", "--src-prefix=a/", "--dst-prefix=b/", "--relative"}
}
