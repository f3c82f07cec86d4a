package secretscheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/spf13/cobra"
)

// Secrets scans a repository's working tree and history for credentials.
type Secrets struct {
	Path        string        `yaml:"path" doc:"The directory (or file) to scan, relative to the checklist; in a git repository only its tracked and untracked-but-not-ignored files."`
	History     *bool         `yaml:"history" doc:"Also scan the added lines of every commit reachable from any ref (default: true in a git repository)."`
	Staged      bool          `yaml:"staged" doc:"Scan only what is staged for the next commit (git diff --cached), for a pre-commit hook."`
	IgnorePaths []string      `yaml:"ignore_paths" doc:"Glob patterns of paths never to report (testdata/**, *.pem, docs/examples/); ** crosses directories."`
	Baseline    string        `yaml:"baseline" doc:"A file of accepted findings written by 'launchgate secrets baseline'; findings in it are not reported, and a missing one is an error. Unset: .launchgate/secrets-baseline.yaml at the root of the scanned path's git repository (outside one, in path), where that command writes by default, if it exists."`
	MaxFileSize kind.ByteSize `yaml:"max_file_size" doc:"Skip files larger than this (they are counted in the evidence)."`

	ignore []*regexp.Regexp
}

// Finding-status words in evidence.
const defaultMaxFileSize = 5 << 20

func init() {
	kind.Register(kind.Kind{
		Name:       "secrets",
		Summary:    "No credentials in the repository: working tree, staged changes and every commit of its history.",
		Title:      "No secrets in the repository",
		Positional: "path",
		New: func() kind.Check {
			return &Secrets{Path: ".", MaxFileSize: defaultMaxFileSize}
		},
		Example: `path: .
history: true
ignore_paths: [testdata/**, docs/examples/]`,
		Commands: func(app kind.CommandEnv) []*cobra.Command { return []*cobra.Command{NewBaselineCmd(app, nil)} },
	})
}

// Title names the scanned path.
func (s *Secrets) Title() string {
	if s.Staged {
		return "No secrets staged in " + s.Path
	}
	return "No secrets in " + s.Path
}

// Validate checks the parameters and compiles ignore_paths.
func (s *Secrets) Validate() error {
	var errs []error
	if s.Path == "" {
		s.Path = "."
	}
	if s.MaxFileSize <= 0 {
		errs = append(errs, kind.BadParam("max_file_size", "must be positive, e.g. 5MiB"))
	}
	if s.Staged && s.History != nil && *s.History {
		errs = append(errs, kind.BadParam("staged", "staged and history exclude each other: a pre-commit hook scans what is staged, CI scans the history"))
	}
	s.ignore = s.ignore[:0]
	for _, p := range s.IgnorePaths {
		re, err := compileGlob(p)
		if err != nil {
			errs = append(errs, kind.BadParam("ignore_paths", "%w", err))
			continue
		}
		s.ignore = append(s.ignore, re)
	}
	if _, err := loadRules(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Secrets) ignored(rel string) bool {
	for _, re := range s.ignore {
		if re.MatchString(rel) {
			return true
		}
	}
	return false
}

func (s *Secrets) resolve(env *kind.Env, p string) string {
	if filepath.IsAbs(p) || env == nil || env.BaseDir == "" {
		return p
	}
	return filepath.Join(env.BaseDir, p)
}

// finding is one secret after deduplication, before it becomes a kind.Finding.
type finding struct {
	rule        *Rule
	file        string
	line, col   int
	commit      string
	inTree      bool // present in the working tree (or staged)
	preview     string
	fingerprint string
	decoded     bool // found in base64-decoded text
	// secret and legacy (see match) are kept to match version 1 baselines; never shown.
	secret, legacy string
}

// secretForms are the spellings of the secret a baseline may have hashed.
func (f *finding) secretForms() []string {
	if f.legacy != "" && f.legacy != f.secret {
		return []string{f.secret, f.legacy}
	}
	return []string{f.secret}
}

// scanReport is everything a scan saw.
type scanReport struct {
	inRepo, history, shallow bool
	tree                     treeStats
	diff                     diffStats
	findings                 []finding
	allowed, baselined       int
	baselineName             string // the baseline file applied, as the evidence names it; "" for none
	baselineOld              bool   // it is in an older format than WriteBaseline writes
	// notScanned says why nothing at all was read (path is a device or a FIFO); "" otherwise.
	notScanned string
}

// scan runs the configured scan and returns its findings (allowed ones removed, baselined ones
// kept unless useBaseline).
func (s *Secrets) scan(ctx context.Context, env *kind.Env, useBaseline bool) (*scanReport, error) {
	if s.ignore == nil && len(s.IgnorePaths) > 0 || s.MaxFileSize <= 0 {
		if s.MaxFileSize <= 0 {
			s.MaxFileSize = defaultMaxFileSize
		}
		if err := s.Validate(); err != nil {
			return nil, err
		}
	}
	rs, err := loadRules()
	if err != nil {
		return nil, err
	}
	root := s.resolve(env, s.Path)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("cannot scan %s: %w", s.Path, err)
	}
	rep := &scanReport{}
	if !fi.IsDir() && !fi.Mode().IsRegular() {
		// Reading a FIFO would wait for a writer, a device could be endless: neither is a file
		// of the repository.
		rep.notScanned = fmt.Sprintf("%s is %s, neither a directory nor a regular file", s.Path, kind.FileKind(fi.Mode()))
		return rep, nil
	}
	if !fi.IsDir() && (s.Staged || s.History != nil && *s.History) {
		return nil, fmt.Errorf("%s is a file: history and staged scan a directory of a git repository (set path to the repository, or history: false)", s.Path)
	}
	repo := &repoProbe{root: root}
	var base *baseline
	if useBaseline {
		if base, err = s.scanBaseline(ctx, env, rep, repo, fi.IsDir()); err != nil {
			return nil, err
		}
	}
	if !fi.IsDir() {
		return s.scanOneFile(ctx, rs, root, rep, base)
	}
	f, err := repo.facts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	rep.inRepo = f.inRepo
	if s.Staged {
		return s.scanStaged(ctx, rs, root, rep, base)
	}
	return s.scanRepo(ctx, rs, root, f, rep, base)
}

// repoProbe asks the repository about itself once: the scan and the default baseline's place
// both depend on the answer.
type repoProbe struct {
	root   string
	f      repoFacts
	err    error
	probed bool
}

func (p *repoProbe) facts(ctx context.Context) (repoFacts, error) {
	if !p.probed {
		p.f, p.err = probeRepo(ctx, p.root)
		p.probed = true
	}
	return p.f, p.err
}

// scanBaseline loads the baseline the scan's findings are judged against, noting its name and
// age in rep.
func (s *Secrets) scanBaseline(ctx context.Context, env *kind.Env, rep *scanReport, repo *repoProbe, isDir bool) (*baseline, error) {
	defaultBaseline := func() (string, error) {
		if !isDir {
			return DefaultBaselinePath(ctx, repo.root)
		}
		f, err := repo.facts(ctx)
		if err != nil {
			return "", fmt.Errorf("finding the default baseline of %s: %w", repo.root, err)
		}
		return defaultBaselineIn(repo.root, f), nil
	}
	base, name, err := s.loadBaseline(env, defaultBaseline)
	if err != nil {
		return nil, err
	}
	rep.baselineName = name
	rep.baselineOld = base != nil && base.version < baselineVersion
	return base, nil
}

// scanOneFile scans one file, named on purpose: a symbolic link to it is followed; no git
// questions.
func (s *Secrets) scanOneFile(ctx context.Context, rs *ruleSet, root string, rep *scanReport, base *baseline) (*scanReport, error) {
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("cannot scan %s: %w", s.Path, err)
	}
	dir, name := filepath.Split(real)
	tf, st, err := s.scanTree(ctx, rs, dir, []string{name})
	if err != nil {
		return nil, err
	}
	rep.tree = st
	rep.findings = mergeFindings(rep, tf, nil, base)
	return rep, nil
}

// scanStaged scans what is staged for the next commit.
func (s *Secrets) scanStaged(ctx context.Context, rs *ruleSet, root string, rep *scanReport, base *baseline) (*scanReport, error) {
	if !rep.inRepo {
		return nil, fmt.Errorf("staged: %s is not in a git repository", s.Path)
	}
	df, st, err := s.scanDiff(ctx, rs, root, stagedArgs())
	rep.diff = st
	if err != nil {
		return nil, fmt.Errorf("scanning staged changes: %w", err)
	}
	for i := range df {
		df[i].seq = 0 // staged lines are in the next commit, not in history
	}
	rep.findings = mergeFindings(rep, nil, df, base)
	return rep, nil
}

// scanRepo scans a directory's files and, in a repository unless told not to, its history.
func (s *Secrets) scanRepo(ctx context.Context, rs *ruleSet, root string, f repoFacts, rep *scanReport, base *baseline) (*scanReport, error) {
	history := f.inRepo
	if s.History != nil {
		history = *s.History
	}
	if history && !f.inRepo {
		return nil, fmt.Errorf("history: %s is not in a git repository (set history: false to scan only its files)", s.Path)
	}
	rep.history = history
	files, listed, err := listFiles(ctx, root, f.inRepo)
	if err != nil {
		return nil, fmt.Errorf("listing files in %s: %w", s.Path, err)
	}
	tf, st, err := s.scanTree(ctx, rs, root, files)
	st.add(listed)
	rep.tree = st
	if err != nil {
		return nil, err
	}
	var df []diffFinding
	if history {
		rep.shallow = f.shallow
		df, rep.diff, err = s.scanHistory(ctx, rs, root, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, fmt.Errorf("scanning history: %w", err)
		}
	}
	rep.findings = mergeFindings(rep, tf, df, base)
	return rep, nil
}

// mergeFindings turns matches into findings: one per file and secret. A secret in many
// commits is attributed to the oldest commit that added it; a secret still in the working tree
// is reported at its current line, with that commit.
func mergeFindings(rep *scanReport, tree []fileFinding, diff []diffFinding, base *baseline) []finding {
	set := findingSet{byFP: map[string]*finding{}, oldest: map[string]int{}, allowed: map[string]bool{}}
	set.addTree(rep, tree)
	set.addHistory(rep, diff)
	return set.unaccepted(rep, base)
}

// findingSet is one finding per fingerprint, in the order they were first found.
type findingSet struct {
	byFP    map[string]*finding
	order   []string
	oldest  map[string]int  // fingerprint → seq of the oldest commit that added it
	allowed map[string]bool // fingerprints marked launchgate:allow somewhere
}

func (set *findingSet) add(f finding) *finding {
	if g, ok := set.byFP[f.fingerprint]; ok {
		return g
	}
	set.byFP[f.fingerprint] = &f
	set.order = append(set.order, f.fingerprint)
	return &f
}

func newFinding(m match, file, fp string, inTree bool) finding {
	return finding{rule: m.rule, file: file, line: m.line, col: m.col, preview: m.preview, fingerprint: fp, inTree: inTree,
		decoded: m.decoded, secret: m.secret, legacy: m.legacy}
}

// addTree takes the working tree's matches: each a finding at its current line, unless allowed.
func (set *findingSet) addTree(rep *scanReport, tree []fileFinding) {
	for _, t := range tree {
		fp := fingerprint(t.file, t.m.secret)
		if t.m.allowed {
			set.allowed[fp] = true
			rep.allowed++
			continue
		}
		set.add(newFinding(t.m, t.file, fp, true)).inTree = true
	}
}

// addHistory takes the history's matches, giving each finding the oldest commit that added its
// secret (and, if it is no longer in the tree, that commit's line). A secret allowed anywhere
// is allowed everywhere, counted once.
func (set *findingSet) addHistory(rep *scanReport, diff []diffFinding) {
	for _, d := range diff {
		fp := fingerprint(d.file, d.m.secret)
		if d.m.allowed || set.allowed[fp] {
			if !set.allowed[fp] {
				rep.allowed++
			}
			set.allowed[fp] = true
			continue
		}
		g, seen := set.byFP[fp]
		if !seen {
			g = set.add(newFinding(d.m, d.file, fp, d.seq == 0))
		}
		if s, ok := set.oldest[fp]; !ok || d.seq > s {
			set.oldest[fp] = d.seq
			g.commit = d.commit
			if !g.inTree {
				g.line, g.col, g.preview = d.m.line, d.m.col, d.m.preview
			}
		}
	}
}

// unaccepted returns the findings the baseline does not accept, working tree first, by file
// and line.
func (set *findingSet) unaccepted(rep *scanReport, base *baseline) []finding {
	var out []finding
	for _, fp := range set.order {
		f := set.byFP[fp]
		if ok, _ := base.accepts(f); ok {
			rep.baselined++
			continue
		}
		out = append(out, *f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].inTree != out[j].inTree {
			return out[i].inTree
		}
		if out[i].file != out[j].file {
			return out[i].file < out[j].file
		}
		return out[i].line < out[j].line
	})
	return out
}

// Run scans and judges.
func (s *Secrets) Run(ctx context.Context, env *kind.Env) kind.Result {
	rep, err := s.scan(ctx, env, true)
	if err != nil {
		remedy := "fix the path or the git repository and run again"
		var pe *fs.PathError
		switch {
		case errors.Is(err, errGitMissing):
			remedy = "install git (or put it on PATH): a repository's files and history are read with git"
		case ctx.Err() != nil:
			remedy = "give the check a longer timeout (timeout: 2m) or scan less (ignore_paths, history: false for a quick local run)"
		case strings.Contains(err.Error(), "dubious ownership"):
			remedy = "run as the user who owns the repository, or trust it with git config --global --add safe.directory <path> (git's own advice)"
		case errors.As(err, &pe) && !strings.Contains(err.Error(), "git "):
			remedy = "check that path (and baseline) exist relative to the checklist"
		case strings.Contains(err.Error(), "git"):
			remedy = "make sure git works in that directory (git status, git log --all); for a shallow or partial clone fetch the full history"
		}
		return kind.Errorf(remedy, "secrets scan of %s could not finish: %s", printable(s.Path), oneLine(err.Error()))
	}
	return s.judge(rep)
}

// unscanned lists what was skipped that could hold a secret, for the summary of a scan that
// found nothing; the evidence has the same counts.
func (s *Secrets) unscanned(rep *scanReport) (parts, remedies []string) {
	t, d := rep.tree, rep.diff
	if n := t.oversize + int64(d.oversize); n > 0 {
		what := []string{}
		if t.oversize > 0 {
			what = append(what, kind.Count(int(t.oversize), "file", "files"))
		}
		if d.oversize > 0 {
			what = append(what, kind.Count(d.oversize, "diff", "diffs")+" in history")
		}
		parts = append(parts, strings.Join(what, " and ")+" over "+s.MaxFileSize.String())
		remedies = append(remedies, "raise max_file_size (max_file_size: 64MiB) to scan the larger files, or list them in ignore_paths once you know what they hold")
	}
	if d.cutLines > 0 {
		parts = append(parts, kind.Count(d.cutLines, "line", "lines")+" in history beyond their first "+humanBytes(maxLine))
		remedies = append(remedies, "lines longer than "+humanBytes(maxLine)+" (minified or generated files) are scanned only in their first "+humanBytes(maxLine)+": list such files in ignore_paths if they hold no secrets")
	}
	if t.submodules > 0 {
		parts = append(parts, kind.Count(int(t.submodules), "submodule or nested repository", "submodules or nested repositories"))
		remedies = append(remedies, "scan each submodule with a secrets check of its own (path: the submodule's directory)")
	}
	if t.unreadable > 0 {
		parts = append(parts, kind.Count(int(t.unreadable), "unreadable directory", "unreadable directories"))
		remedies = append(remedies, "run the check as a user who may read every directory under path")
	}
	return parts, remedies
}

func (s *Secrets) judge(rep *scanReport) kind.Result {
	if rep.notScanned != "" {
		return kind.Result{Status: kind.Skip, Summary: "nothing scanned: " + oneLine(rep.notScanned),
			Remedy: "point path at a directory or a regular file"}
	}
	var j kind.Judgement
	if s.Staged {
		s.judgeStaged(&j, rep)
	} else {
		s.judgeTree(&j, rep)
		if rep.history {
			s.judgeHistory(&j, rep)
		}
	}
	s.judgeBaseline(&j, rep)
	judgeAllowed(&j, rep)
	judgeFindings(&j, rep)
	if len(rep.findings) > 0 {
		j.Problem(kind.Fail, s.foundSummary(rep), remedyFor(rep.findings, countFindings(rep).committed > 0, s.baselineCommand()))
		return j.Result()
	}
	return s.judgeClean(&j, rep)
}

// findingCounts splits the findings by where they were found.
type findingCounts struct{ inTree, histOnly, committed int }

func countFindings(rep *scanReport) findingCounts {
	var c findingCounts
	for _, f := range rep.findings {
		if f.inTree {
			c.inTree++
		} else {
			c.histOnly++
		}
		if f.commit != "" {
			c.committed++
		}
	}
	return c
}

// scopeStatus fails a scope that holds n secrets and warns about one not read in full.
func scopeStatus(n int, incomplete bool) kind.Status {
	switch {
	case n > 0:
		return kind.Fail
	case incomplete:
		return kind.Warn
	}
	return kind.Pass
}

// diffSkips says what of the diffs went unscanned, and whether that leaves the scan incomplete.
func (s *Secrets) diffSkips(d diffStats) (string, bool) {
	var skipped []string
	if d.oversize > 0 {
		skipped = append(skipped, fmt.Sprintf("%s over %s not scanned", kind.Count(d.oversize, "diff", "diffs"), s.MaxFileSize))
	}
	if d.binary > 0 {
		skipped = append(skipped, fmt.Sprintf("%d binary", d.binary))
	}
	if d.cutLines > 0 {
		skipped = append(skipped, fmt.Sprintf("%s cut at %s (the rest not scanned)", kind.Count(d.cutLines, "line", "lines"), humanBytes(maxLine)))
	}
	if len(skipped) == 0 {
		return "", false
	}
	return "; skipped " + strings.Join(skipped, ", "), d.oversize > 0 || d.cutLines > 0
}

// judgeStaged: the staged changes hold no secret.
func (s *Secrets) judgeStaged(j *kind.Judgement, rep *scanReport) {
	d := rep.diff
	obs := fmt.Sprintf("%s in %s of staged changes", kind.Count(d.chunks, "file", "files"), humanBytes(d.bytes))
	skips, incomplete := s.diffSkips(d)
	j.Show(kind.Line{Label: "staged", Observed: obs + skips, Expected: "no secrets", Status: scopeStatus(countFindings(rep).inTree, incomplete)})
}

// treeSkips lists the files of the working tree that were not scanned, by reason.
func (s *Secrets) treeSkips(t treeStats) []string {
	over := "over " + s.MaxFileSize.String() + " (not scanned)"
	var skipped []string
	for _, c := range []struct {
		n         int64
		one, many string
	}{
		{t.oversize, over, over},
		{t.submodules, "submodule or nested repository (not scanned)", "submodules or nested repositories (not scanned)"},
		{t.unreadable, "unreadable directory", "unreadable directories"},
		{t.binary, "binary", "binary"},
		{t.vendored, "vendored", "vendored"},
		{t.ignored, "by ignore_paths", "by ignore_paths"},
		{t.symlinks, "symbolic link (not followed)", "symbolic links (not followed)"},
		{t.special, "FIFO, socket or device", "FIFOs, sockets or devices"},
		{t.gone, "tracked file missing from the work tree", "tracked files missing from the work tree"},
	} {
		if c.n > 0 {
			skipped = append(skipped, kind.Count(int(c.n), c.one, c.many))
		}
	}
	return skipped
}

// judgeTree: the working tree holds no secret.
func (s *Secrets) judgeTree(j *kind.Judgement, rep *scanReport) {
	t := rep.tree
	obs := fmt.Sprintf("%s, %s scanned", kind.Count(int(t.files), "file", "files"), humanBytes(t.bytes))
	if skipped := s.treeSkips(t); len(skipped) > 0 {
		obs += "; skipped " + strings.Join(skipped, ", ")
	}
	if !rep.inRepo {
		obs += " (not a git repository: every file)"
	}
	inTreeN := countFindings(rep).inTree
	if inTreeN > 0 {
		obs += "; " + kind.Count(inTreeN, "secret", "secrets") + " found"
	}
	incomplete := t.oversize > 0 || t.submodules > 0 || t.unreadable > 0
	j.Show(kind.Line{Label: "working tree", Observed: obs, Expected: "no secrets", Status: scopeStatus(inTreeN, incomplete)})
}

// judgeHistory: no commit on any ref added a secret.
func (s *Secrets) judgeHistory(j *kind.Judgement, rep *scanReport) {
	d, c := rep.diff, countFindings(rep)
	skips, incomplete := s.diffSkips(d)
	st, obs := kind.Pass, fmt.Sprintf("%s from every ref, %s of added lines", kind.Count(d.commits, "commit", "commits"), humanBytes(d.bytes))
	obs += skips
	if c.committed > 0 {
		// A committed secret is in history whether or not the working tree still holds it.
		st = kind.Fail
		obs += "; " + kind.Count(c.committed, "secret", "secrets") + " committed"
		if c.histOnly > 0 {
			obs += fmt.Sprintf(" (%d deleted since, still in history)", c.histOnly)
		}
	} else if rep.shallow {
		st = kind.Warn
		obs += "; shallow clone: older history was not scanned"
	} else if incomplete {
		st = kind.Warn
	}
	j.Show(kind.Line{Label: "history", Observed: obs, Expected: "no secret in any commit", Status: st})
}

// judgeBaseline shows the baseline read and how many findings it accepted.
func (s *Secrets) judgeBaseline(j *kind.Judgement, rep *scanReport) {
	if rep.baselineName == "" {
		return
	}
	obs := fmt.Sprintf("%s, %d accepted", printable(rep.baselineName), rep.baselined)
	if rep.baselineOld {
		obs += "; written by an older launchgate, rewrite it with `" + s.baselineCommand() + " --migrate`"
	}
	j.Observe("baseline", obs, "")
}

// judgeAllowed shows how many findings were accepted in place.
func judgeAllowed(j *kind.Judgement, rep *scanReport) {
	if rep.allowed > 0 {
		j.Observe("accepted", fmt.Sprintf("%d marked launchgate:allow", rep.allowed), "")
	}
}

// judgeFindings: no finding at all; every finding is located, and counted per rule.
func judgeFindings(j *kind.Judgement, rep *scanReport) {
	perRule := map[string]int{}
	var ruleOrder []string
	for _, f := range rep.findings {
		if perRule[f.rule.ID] == 0 {
			ruleOrder = append(ruleOrder, f.rule.ID)
		}
		perRule[f.rule.ID]++
		cf := kind.Finding{Rule: f.rule.ID, File: f.file, Line: f.line, Column: f.col, Commit: f.commit,
			Message: f.rule.Description, Preview: f.preview, Fingerprint: f.fingerprint}
		if f.decoded {
			cf.Message += " (in base64-decoded text)"
		}
		if !f.inTree {
			cf.Message += " (deleted, but still in history)"
		}
		j.Finding(cf)
	}
	if len(rep.findings) == 0 {
		return
	}
	var kinds []string
	for _, id := range ruleOrder {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", id, perRule[id]))
	}
	j.Show(kind.Line{Label: "findings", Observed: strings.Join(kinds, ", "), Expected: "none", Status: kind.Fail})
}

// foundSummary counts the secrets found, where, and names the first.
func (s *Secrets) foundSummary(rep *scanReport) string {
	c, first := countFindings(rep), rep.findings[0]
	parts := []string{}
	if c.inTree > 0 {
		where := "in the working tree"
		if s.Staged {
			where = "staged"
		}
		parts = append(parts, fmt.Sprintf("%d %s", c.inTree, where))
	}
	if c.histOnly > 0 {
		parts = append(parts, fmt.Sprintf("%d only in history", c.histOnly))
	}
	return fmt.Sprintf("%s (%s); first: %s in %s", kind.Count(len(rep.findings), "secret found", "secrets found"),
		strings.Join(parts, ", "), first.rule.Description, location(first))
}

// cleanScope is what a scan that found nothing says it read.
func (s *Secrets) cleanScope(rep *scanReport, scanned bool) string {
	t, d := rep.tree, rep.diff
	switch {
	case !scanned && s.Staged:
		return "nothing scanned: no text staged for the next commit"
	case !scanned:
		sum := fmt.Sprintf("nothing scanned: no text file in %s", printable(s.Path))
		if rep.history {
			sum += fmt.Sprintf(" nor in %s of its history", kind.Count(d.commits, "commit", "commits"))
		}
		return sum
	case s.Staged:
		return fmt.Sprintf("no secrets in the staged changes (%s)", kind.Count(d.chunks, "file", "files"))
	case rep.history:
		return fmt.Sprintf("no secrets in %s or %s of history", kind.Count(int(t.files), "file", "files"), kind.Count(d.commits, "commit", "commits"))
	}
	return fmt.Sprintf("no secrets in %s", kind.Count(int(t.files), "file", "files"))
}

// judgeClean words the verdict of a scan that found nothing: what it read, what it could not,
// and what the baseline accepted. A scan that read nothing knows nothing, so it is a skip.
func (s *Secrets) judgeClean(j *kind.Judgement, rep *scanReport) kind.Result {
	scanned := rep.tree.files > 0 || rep.diff.chunks > 0
	scope := s.cleanScope(rep, scanned)
	var remedies []string
	parts, rem := s.unscanned(rep)
	if len(parts) > 0 {
		remedies = rem
		if !scanned {
			scope += " (skipped: " + strings.Join(parts, ", ") + ")"
		}
	}
	j.Note("%s", scope)
	if len(parts) > 0 && scanned {
		j.Note("not scanned: %s", strings.Join(parts, ", "))
	}
	if rep.baselined > 0 {
		accepted := fmt.Sprintf("%d accepted in %s", rep.baselined, printable(rep.baselineName))
		if rep.baselineOld {
			accepted += " (an older format: rewrite it with `" + s.baselineCommand() + " --migrate`)"
		}
		j.Note("%s", accepted)
	}
	if rep.shallow {
		remedies = append(remedies, "fetch the full history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout) so that every commit is scanned")
	}
	r := j.Result()
	if !scanned {
		// Nothing was read, so nothing is known: a skip, whatever the evidence lines say.
		r.Status = kind.Skip
		for i := range r.Evidence {
			if r.Evidence[i].Status == kind.Pass {
				r.Evidence[i].Status = kind.Skip
			}
		}
		remedies = append(remedies, "point path at the directory that holds the code (binary, vendored and ignored files are not scanned)")
	}
	r.Remedy = strings.Join(remedies, "; ")
	return r
}

// baselineCommand is the `launchgate secrets baseline` command line that writes the baseline this
// check reads: the default location needs no flag, a configured one needs -o.
func (s *Secrets) baselineCommand() string {
	cmd := "launchgate secrets baseline"
	if s.Path != "" && s.Path != "." {
		cmd += " " + printable(s.Path)
	}
	if s.History != nil && !*s.History {
		cmd += " --history=false"
	}
	if s.Baseline != "" {
		cmd += " -o " + printable(s.Baseline)
	}
	return cmd
}

func location(f finding) string {
	loc := printable(f.file)
	if f.line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", loc, f.line, f.col)
	}
	if f.commit != "" {
		loc += " (commit " + short(f.commit) + ")"
	}
	return loc
}

// remedyFor says what to do about fs; baselineCommand is the command that accepts them where
// this check will read them.
func remedyFor(fs []finding, inHistory bool, baselineCommand string) string {
	var b strings.Builder
	b.WriteString("rotate every secret found first, at its provider")
	seen := map[string]bool{}
	var hints []string
	for _, f := range fs {
		if !seen[f.rule.ID] && len(hints) < 3 {
			seen[f.rule.ID] = true
			hints = append(hints, f.rule.Rotate)
		}
	}
	b.WriteString(" (" + strings.Join(hints, "; ") + ")")
	if inHistory {
		b.WriteString("; it is committed, and deleting the file does not remove it from history, nor does amending the commit: " +
			"anyone with a clone has it, and rewriting history (git filter-repo) is not enough once it was pushed, so rotate even when it is gone")
	}
	b.WriteString("; then load it from the environment or a secret manager. A false positive: add launchgate:allow on the line, or accept the current findings with `" + baselineCommand + "`")
	return b.String()
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
