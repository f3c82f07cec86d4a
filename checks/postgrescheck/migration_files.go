package postgrescheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// mgFile is one migration file and its statements.
type mgFile struct {
	// Path is absolute, with symbolic links resolved, to compare with what git names.
	Path string
	// Name is how messages show it: relative to the checklist's directory.
	Name string
	// Version is the version number in the file name, as its numeric parts.
	Version []string
	Stmts   []mgStatement
}

// mgPlan is what a run traces: the migrations already applied in production, then the pending
// ones, each in version order.
type mgPlan struct {
	applied, pending []*mgFile
	// from says how the pending files were chosen, for the evidence.
	from string
}

var (
	// golang-migrate (0001_x.up.sql), dbmate and plain numbered files: leading digits.
	mgPlainVersion = regexp.MustCompile(`^(\d+)`)
	// Flyway: V1__x.sql, V1.2__x.sql, V1_2__x.sql.
	mgFlywayVersion = regexp.MustCompile(`^[Vv](\d+(?:[._]\d+)*)__`)
	// Flyway undo (U1__x.sql) and repeatable (R__x.sql) migrations.
	mgFlywayOther = regexp.MustCompile(`^(?:[Uu]\d|[Rr]__)`)
)

// mgVersion reads the version number in a migration file's name; ok is false for a file that is
// not a forward migration (a down, undo or repeatable one), and version is nil when the name has
// no version number at all.
func mgVersion(name string) (version []string, ok bool) {
	base := filepath.Base(name)
	if strings.HasSuffix(strings.ToLower(base), ".down.sql") || mgFlywayOther.MatchString(base) {
		return nil, false
	}
	if m := mgFlywayVersion.FindStringSubmatch(base); m != nil {
		return strings.FieldsFunc(m[1], func(r rune) bool { return r == '.' || r == '_' }), true
	}
	if m := mgPlainVersion.FindStringSubmatch(base); m != nil {
		return []string{m[1]}, true
	}
	return nil, true
}

// mgCompareVersions orders versions numerically part by part, so that 10 follows 9 and 1.10
// follows 1.9 however many leading zeros each is written with.
func mgCompareVersions(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := strings.TrimLeft(a[i], "0"), strings.TrimLeft(b[i], "0")
		if c := len(x) - len(y); c != 0 {
			return c
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// mgGlob lists the forward migrations the pattern matches, in version order. A file without a
// version number, and two files with the same one, are errors: the order migrations run in is
// the one thing the trace must get right.
func mgGlob(baseDir, pattern string) ([]*mgFile, error) {
	full := pattern
	if !filepath.IsAbs(full) {
		full = filepath.Join(baseDir, pattern)
	}
	matches, err := filepath.Glob(full)
	if err != nil {
		return nil, fmt.Errorf("migrations %q: %w", pattern, err)
	}
	var files []*mgFile
	var unversioned []string
	for _, m := range matches {
		if st, err := os.Stat(m); err != nil || st.IsDir() {
			continue
		}
		v, ok := mgVersion(m)
		if !ok {
			continue
		}
		name := m
		if rel, err := filepath.Rel(baseDir, m); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		}
		if v == nil {
			unversioned = append(unversioned, name)
			continue
		}
		abs, err := filepath.Abs(m)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", name, err)
		}
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			abs = real
		}
		files = append(files, &mgFile{Path: abs, Name: name, Version: v})
	}
	if len(unversioned) > 0 {
		return nil, fmt.Errorf("cannot order %s: no version number at the start of the name (0042_add_x.up.sql, V42__add_x.sql)", strings.Join(unversioned, ", "))
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("migrations %q matches no migration file in %s", pattern, baseDir)
	}
	slices.SortStableFunc(files, func(a, b *mgFile) int { return mgCompareVersions(a.Version, b.Version) })
	for i := 1; i < len(files); i++ {
		if mgCompareVersions(files[i-1].Version, files[i].Version) == 0 {
			return nil, fmt.Errorf("%s and %s have the same version %s: the order they run in is undefined",
				files[i-1].Name, files[i].Name, strings.Join(files[i].Version, "."))
		}
	}
	return files, nil
}

// mgPick splits the files into applied and pending, given the absolute paths of the pending
// ones. Applied files run first: production has them all, whatever their version.
func mgPick(files []*mgFile, pending map[string]bool) (applied, pend []*mgFile) {
	for _, f := range files {
		if pending[f.Path] {
			pend = append(pend, f)
		} else {
			applied = append(applied, f)
		}
	}
	return applied, pend
}

// mgNamedFiles resolves pending: {files: [...]}; each must be one of the migrations.
func mgNamedFiles(baseDir string, names []string, files []*mgFile) (map[string]bool, error) {
	known := map[string]bool{}
	for _, f := range files {
		known[f.Path] = true
	}
	out := map[string]bool{}
	for _, n := range names {
		p := n
		if !filepath.IsAbs(p) {
			p = filepath.Join(baseDir, n)
		}
		abs, err := filepath.Abs(p)
		if err == nil {
			if real, err := filepath.EvalSymlinks(abs); err == nil {
				abs = real
			}
		}
		if !known[abs] {
			return nil, fmt.Errorf("pending file %s is not one of the migrations (a file the migrations glob matches, not a down, undo or repeatable one)", n)
		}
		out[abs] = true
	}
	return out, nil
}

// mgGitLimit caps what git may print: the names of the files changed on a branch.
const mgGitLimit = 8 << 20

// mgGitError is a git command that failed, with what it said.
type mgGitError struct {
	args   []string
	stderr string
	err    error
}

func (e *mgGitError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = e.err.Error()
	}
	return fmt.Sprintf("git %s: %s", strings.Join(e.args, " "), msg)
}

func (e *mgGitError) Unwrap() error { return e.err }

// mgGit runs git in dir, without prompts, its output capped.
func mgGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	var stdout mgCapped
	var stderr mgCapped
	stdout.limit, stderr.limit = mgGitLimit, 4096
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil && stdout.over {
		err = fmt.Errorf("printed more than %s", kind.ByteSize(mgGitLimit))
	}
	if err != nil {
		return "", &mgGitError{args: args, stderr: stderr.String(), err: err}
	}
	return stdout.String(), nil
}

// mgCapped keeps at most limit bytes of what is written to it, and says whether there was more.
type mgCapped struct {
	bytes.Buffer
	limit int
	over  bool
}

func (w *mgCapped) Write(p []byte) (int, error) {
	if room := w.limit - w.Len(); len(p) > room {
		w.over = true
		w.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return w.Buffer.Write(p)
}

// mgSinceProblem is why pending: {since: …} could not be worked out: a result to return as is.
type mgSinceProblem struct{ summary, remedy string }

// mgChangedSince lists the absolute paths of the files added or changed on this branch since it
// left ref: git diff --name-only ref...HEAD, from the repository dir is in. A ref that is not
// there (a shallow CI clone fetches only its own branch) is a problem that names the git fetch
// that fixes it, never a silent "every file is pending".
func mgChangedSince(ctx context.Context, dir, ref string) (map[string]bool, *mgSinceProblem) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, &mgSinceProblem{"pending: since: needs git, which is not installed", "install git, or name the pending files with pending: {files: [...]}"}
	}
	top, err := mgGit(ctx, dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, &mgSinceProblem{fmt.Sprintf("pending: since: %s is not in a git repository (%v)", dir, err),
			"run launchgate in the repository's checkout, or name the pending files with pending: {files: [...]}"}
	}
	top = strings.TrimSpace(top)
	if _, err := mgGit(ctx, top, "rev-parse", "--verify", "--quiet", ref+"^{commit}"); err != nil {
		if ctx.Err() != nil {
			return nil, &mgSinceProblem{"pending: since: git was interrupted: " + ctx.Err().Error(), ""}
		}
		return nil, &mgSinceProblem{fmt.Sprintf("pending: since: %s does not exist in this clone (a shallow CI checkout fetches only its own branch), so which migrations are pending is unknown", ref),
			mgFetchHint(ctx, top, ref)}
	}
	out, err := mgGit(ctx, top, "diff", "--name-only", "-z", "--diff-filter=d", ref+"...HEAD")
	if err != nil {
		var ge *mgGitError
		if errors.As(err, &ge) && strings.Contains(ge.stderr, "merge base") {
			return nil, &mgSinceProblem{fmt.Sprintf("pending: since: %s and HEAD share no history in this clone (it is shallow), so where the branch left %s is unknown", ref, ref),
				"fetch the history: git fetch --unshallow (with actions/checkout: fetch-depth: 0)"}
		}
		return nil, &mgSinceProblem{"pending: since: " + err.Error(), "check the ref and the repository"}
	}
	changed := map[string]bool{}
	for _, name := range strings.Split(out, "\x00") {
		if name != "" {
			changed[filepath.Join(top, filepath.FromSlash(name))] = true
		}
	}
	return changed, nil
}

// mgFetchHint is the command that brings a missing ref into the clone: a remote-tracking ref
// (origin/main) is fetched from its remote into itself, anything else from origin.
func mgFetchHint(ctx context.Context, top, ref string) string {
	const then = " (with actions/checkout: fetch-depth: 0), then run again"
	if r, branch, ok := strings.Cut(ref, "/"); ok {
		out, _ := mgGit(ctx, top, "remote")
		if r == "origin" || slices.Contains(strings.Fields(out), r) {
			return fmt.Sprintf("git fetch --no-tags %s %s:refs/remotes/%s", r, branch, ref) + then
		}
	}
	return fmt.Sprintf("git fetch --no-tags origin %s:%s", ref, ref) + then
}
