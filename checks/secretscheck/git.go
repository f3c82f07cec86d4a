package secretscheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// gitConfig overrides settings of the user's or the repository's configuration that would change
// what git prints or make it run other programs: a signature check spawns gpg, an fsmonitor hook
// runs a command.
var gitConfig = []string{
	"-c", "core.quotePath=false", "-c", "color.ui=never", "-c", "core.fsmonitor=false",
	"-c", "log.showSignature=false",
}

func gitCommand(ctx context.Context, dir string, args ...string) *exec.Cmd {
	full := append(append([]string{"-C", dir}, gitConfig...), args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(cmd.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_PAGER=cat", "LC_ALL=C")
	// Once git is killed, a process it started that still holds its output must not hold us.
	cmd.WaitDelay = 2 * time.Second
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

// errGitMissing is the error of a scan that needs git where there is none on PATH.
var errGitMissing = errors.New("git is not installed or not on PATH")

func gitError(sub string, err error, stderr string) error {
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("git %s: %w", sub, errGitMissing)
	}
	// git's reason is its first line ("fatal: detected dubious ownership…"), its advice the
	// last; a long message keeps both.
	msg := oneLine(redact.String(strings.TrimSpace(stderr)))
	if len(msg) > 700 {
		msg = trimToRune(msg[:400], true) + " … " + trimToRune(msg[len(msg)-250:], false)
	}
	if msg != "" {
		return fmt.Errorf("git %s: %w: %s", sub, err, msg)
	}
	return fmt.Errorf("git %s: %w", sub, err)
}

// oneLine makes a message from outside (git's stderr, an error naming files) safe to embed in a
// summary or an evidence line: each run of line breaks becomes one space and every other control
// character an escape, so that it can neither break the line nor forge another.
func oneLine(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		lines := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
		for i := range lines {
			lines[i] = strings.TrimSpace(lines[i])
		}
		s = strings.Join(lines, " ")
	}
	return printable(s)
}

// printable escapes control characters (\n, \t, \x1b…) and invalid UTF-8 (\xff) in a name from
// outside, such as a file name, so that it prints on one line as itself and nothing more.
func printable(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= utf8.RuneSelf {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x20 || r == 0x7f || (0x80 <= r && r < 0xa0) || r == 0x2028 || r == 0x2029:
			q := strconv.QuoteToASCII(string(r))
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// repoFacts is what a scan asks git about the directory it scans, asked once.
type repoFacts struct {
	inRepo  bool
	cdup    string // the way up to the top of the work tree ("../../", or "" there)
	shallow bool
}

// probeRepo asks git, in one process, whether dir is in a work tree and, if so, where its top
// is and whether the clone is shallow. Where a .git exists in dir or above it, git must answer:
// a missing binary, a repository owned by another user ("dubious ownership") or any other
// failure is an error, because scanning such a directory as plain files would silently skip
// its history.
func probeRepo(ctx context.Context, dir string) (repoFacts, error) {
	out, err := gitOutput(ctx, dir, "rev-parse", "--is-inside-work-tree", "--show-cdup", "--is-shallow-repository")
	dotGit := findDotGit(dir)
	if err == nil {
		lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
		if len(lines) != 3 || lines[0] != "true" {
			return repoFacts{}, fmt.Errorf("%s is inside a git directory or a bare repository, not a work tree: scan the work tree", dir)
		}
		return repoFacts{inRepo: true, cdup: strings.TrimSpace(lines[1]), shallow: lines[2] == "true"}, nil
	}
	var ee *exec.ExitError
	notRepo := errors.As(err, &ee) && strings.Contains(err.Error(), "not a git repository")
	switch {
	case dotGit == "" && (errors.Is(err, errGitMissing) || notRepo):
		return repoFacts{}, nil
	case dotGit != "" && notRepo:
		return repoFacts{}, fmt.Errorf("git does not take %s for a repository although %s exists: %w", dir, dotGit, err)
	case dotGit != "":
		return repoFacts{}, fmt.Errorf("%s is in the git repository of %s but git cannot read it: %w", dir, dotGit, err)
	}
	return repoFacts{}, err
}

// findDotGit returns the first .git (a directory, or a file pointing at one) in dir or a parent
// of it, as far up as git's own discovery goes: not past a directory in GIT_CEILING_DIRECTORIES
// nor onto another file system (unless GIT_DISCOVERY_ACROSS_FILESYSTEM is set). It tells a
// directory outside any repository from one where git fails, without asking git.
func findDotGit(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	ceilings := map[string]bool{}
	for _, c := range filepath.SplitList(os.Getenv("GIT_CEILING_DIRECTORIES")) {
		if c != "" {
			ceilings[filepath.Clean(c)] = true
		}
	}
	acrossFS, _ := strconv.ParseBool(os.Getenv("GIT_DISCOVERY_ACROSS_FILESYSTEM"))
	start, err := os.Stat(abs)
	if err != nil {
		return ""
	}
	for d := abs; ; {
		p := filepath.Join(d, ".git")
		if _, err := os.Lstat(p); err == nil {
			return p
		}
		parent := filepath.Dir(d)
		if parent == d || ceilings[parent] {
			return ""
		}
		if !acrossFS {
			if fi, err := os.Stat(parent); err != nil || !sameDevice(start, fi) {
				return ""
			}
		}
		d = parent
	}
}

// diffFinding is a match in the added lines of a commit (or of the index, for staged scans).
type diffFinding struct {
	seq    int
	commit string
	file   string
	m      match
}

// scanDiff runs git with args (git diff --cached), parses its patch output as it streams and
// scans the added lines. If git fails at any point the whole scan fails.
func (sc *Secrets) scanDiff(ctx context.Context, rs *ruleSet, root string, args []string) ([]diffFinding, diffStats, error) {
	scn := newScanner(rs)
	var findings []diffFinding
	st, err := sc.streamDiff(ctx, root, args, nil, func(c *diffChunk) {
		findings = sc.scanChunk(scn, c, 0, findings)
	})
	return findings, st, err
}

// scanChunk scans the added lines of one file in one commit and appends what it finds.
func (sc *Secrets) scanChunk(scn *scanner, c *diffChunk, seqBase int, out []diffFinding) []diffFinding {
	if sc.ignored(c.file) || isVendored(c.file) {
		return out
	}
	for _, m := range scn.scan(c.data, optsFor(c.file)) {
		if m.line >= 1 && m.line <= len(c.lines) {
			m.line = c.lines[m.line-1]
		}
		out = append(out, diffFinding{seq: seqBase + c.seq, commit: c.commit, file: c.file, m: m})
	}
	return out
}

// streamDiff runs git with args (and stdin, if not nil), parses its patch output as it streams
// and hands each file's added lines to emit, in the goroutine that reads: scanning where the
// stream is read costs no hand-over between goroutines, and git, a process of its own, keeps
// producing meanwhile. A failure of git at any point fails the whole stream: a partial
// history is no pass.
func (sc *Secrets) streamDiff(ctx context.Context, root string, args []string, stdin []byte, emit func(*diffChunk)) (diffStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := gitCommand(ctx, root, args...)
	stderr := &boundedBuffer{max: 4 << 10}
	cmd.Stderr = stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	stdout, w, err := gitPipe()
	if err != nil {
		return diffStats{}, fmt.Errorf("git %s: %w", args[0], err)
	}
	defer stdout.Close()
	cmd.Stdout = w
	err = cmd.Start()
	w.Close() // git holds its own copy; ours would keep the pipe open after git exits
	if err != nil {
		return diffStats{}, gitError(args[0], err, "")
	}
	st, perr := parseDiff(stdout, int64(sc.MaxFileSize), func(c *diffChunk) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		emit(c)
		return nil
	})
	if perr != nil {
		cancel()
		_ = cmd.Wait()
		return st, fmt.Errorf("reading git %s output after %d commits: %w", args[0], st.commits, perr)
	}
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return st, fmt.Errorf("git %s stopped after %d commits: %w", args[0], st.commits, ctx.Err())
		}
		return st, fmt.Errorf("after %d commits: %w", st.commits, gitError(args[0], err, stderr.String()))
	}
	return st, nil
}

// diffArgs make a patch that shows every added line as it was committed: as text whatever
// .gitattributes says (`* -diff` would turn every file into "Binary files differ"), without
// textconv filters or external diff programs, without context lines, and with the usual
// a/ b/ prefixes whatever the configuration says. Binary content is recognised by parseDiff.
var diffArgs = []string{"-p", "--no-color", "--unified=0", "--inter-hunk-context=0", "--text",
	"--no-ext-diff", "--no-textconv", "--find-renames", "--src-prefix=a/", "--dst-prefix=b/", "--relative"}

// historyArgs is the single git invocation that streams the added lines of every commit
// reachable from any ref: the root commit in full (whatever log.showRoot says) and, for a
// merge, the lines that are in none of its parents (--cc). On more than one core the scan runs
// historySliceArgs on slices of the same commits instead.
func historyArgs() []string {
	return append(append([]string{"log", "--all", "--root", "--cc"}, diffArgs...), "--format=%x00%H")
}

// HistoryGitCommand is the command line of the single git process that yields what a history
// scan of dir reads (the scan runs it on one core, and slices of it on more): benchmarks
// measure the scan against git alone with it.
func HistoryGitCommand(dir string) []string {
	return append(append([]string{"git", "-C", dir}, gitConfig...), historyArgs()...)
}

// historySliceArgs shows exactly the commits named on standard input, in that order, each as
// historyArgs would.
func historySliceArgs() []string {
	return append(append([]string{"log", "--no-walk=unsorted", "--stdin", "--root", "--cc"}, diffArgs...), "--format=%x00%H")
}

func stagedArgs() []string {
	return append([]string{"diff", "--cached"}, diffArgs...)
}
