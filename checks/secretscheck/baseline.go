package secretscheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// baselineFile is the on-disk form of accepted findings. Entries are keyed by rule, file and a
// hash of rule, file and secret (the finding's fingerprint), never by line: a moved line stays
// accepted and a new secret on an accepted line is still found. The secret itself is not stored.
type baselineFile struct {
	Version  int             `yaml:"version"`
	Findings []baselineEntry `yaml:"findings"`
}

type baselineEntry struct {
	Rule        string `yaml:"rule"`
	File        string `yaml:"file"`
	Fingerprint string `yaml:"fingerprint"`
	// Where it was when accepted, for the reader; matching ignores them.
	Line   int    `yaml:"line,omitempty"`
	Commit string `yaml:"commit,omitempty"`
}

type baseline struct {
	keys map[[3]string]bool
}

func (b *baseline) has(rule, file, fp string) bool {
	return b != nil && b.keys[[3]string{rule, file, fp}]
}

// DefaultBaseline is where `launchgate secrets baseline` writes accepted findings, under the root
// of the scanned repository (outside a repository, under the scanned directory), and where the
// check looks for them when its baseline parameter is not set.
const DefaultBaseline = ".launchgate/secrets-baseline.yaml"

// maxBaselineSize bounds a baseline file: at about 150 bytes an entry, room for 100,000 findings.
const maxBaselineSize = 16 << 20

// DefaultBaselinePath returns the default baseline file for a scan of path: DefaultBaseline at
// the top of the git work tree holding path or, outside a work tree, in path itself (in its
// directory when path is a file). The check and `launchgate secrets baseline` both use it, so
// that following the remedy needs no configuration. Inside a repository git must answer: when
// it cannot (not installed, dubious ownership), guessing another directory would read or
// write the wrong file, so that is an error.
func DefaultBaselinePath(ctx context.Context, path string) (string, error) {
	dir := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	inRepo, err := repoState(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("finding the default baseline of %s: %w", path, err)
	}
	if inRepo {
		// --show-cdup ("../../" or "") rather than --show-toplevel: it keeps the caller's spelling
		// of the path (no symbolic links resolved), so evidence can name the file relative to it.
		out, err := gitOutput(ctx, dir, "rev-parse", "--show-cdup")
		if err != nil {
			return "", fmt.Errorf("finding the default baseline of %s: %w", path, err)
		}
		dir = filepath.Join(dir, filepath.FromSlash(strings.TrimSpace(string(out))))
	}
	return filepath.Join(dir, filepath.FromSlash(DefaultBaseline)), nil
}

// loadBaseline reads the configured baseline (an error when it is missing) or, with none
// configured, the default one when it exists. It returns the baseline and the name evidence
// shows for it ("" for none).
func (s *Secrets) loadBaseline(ctx context.Context, env *kind.Env, root string) (*baseline, string, error) {
	if s.Baseline != "" {
		b, err := readBaseline(s.resolve(env, s.Baseline))
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (write it with `launchgate secrets baseline -o %s`, or remove baseline: to use %s when it exists)", err, s.Baseline, DefaultBaseline)
		}
		return b, s.Baseline, err
	}
	p, err := DefaultBaselinePath(ctx, root)
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, "", nil
	}
	b, err := readBaseline(p)
	return b, displayPath(env, p), err
}

// displayPath names p relative to the checklist's directory when it lies under it.
func displayPath(env *kind.Env, p string) string {
	base := "."
	if env != nil && env.BaseDir != "" {
		base = env.BaseDir
	}
	absBase, err1 := filepath.Abs(base)
	absP, err2 := filepath.Abs(p)
	if err1 != nil || err2 != nil {
		return p
	}
	if rel, err := filepath.Rel(absBase, absP); err == nil && filepath.IsLocal(rel) {
		return filepath.ToSlash(rel)
	}
	return absP
}

func readBaseline(path string) (*baseline, error) {
	data, err := readSmallFile(path, maxBaselineSize)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var f baselineFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("baseline %s: unsupported version %d (want 1)", path, f.Version)
	}
	b := &baseline{keys: map[[3]string]bool{}}
	for _, e := range f.Findings {
		b.keys[[3]string{e.Rule, e.File, e.Fingerprint}] = true
	}
	return b, nil
}

const baselineHeader = `# launchgate secrets baseline: findings accepted as they are (test fixtures, revoked keys).
# Each entry is keyed by rule, file and a hash of the secret (not the secret, not the line):
# a moved line stays accepted, a new secret is still reported. Regenerate with
# 'launchgate secrets baseline'; review every entry you add.
`

// WriteBaseline scans as s is configured (ignoring any existing baseline) and writes every
// finding to path as accepted. It returns how many findings it wrote.
func WriteBaseline(ctx context.Context, env *kind.Env, s *Secrets, path string) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	rep, err := s.scan(ctx, env, false)
	if err != nil {
		return 0, err
	}
	if rep.notScanned != "" {
		return 0, fmt.Errorf("nothing scanned: %s", rep.notScanned)
	}
	f := baselineFile{Version: 1, Findings: []baselineEntry{}}
	for _, fd := range rep.findings {
		f.Findings = append(f.Findings, baselineEntry{Rule: fd.rule.ID, File: fd.file, Fingerprint: fd.fingerprint, Line: fd.line, Commit: fd.commit})
	}
	sort.Slice(f.Findings, func(i, j int) bool {
		a, b := f.Findings[i], f.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Fingerprint < b.Fingerprint
	})
	data, err := yaml.Marshal(f)
	if err != nil {
		return 0, err
	}
	data = append([]byte(baselineHeader), data...)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("baseline: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*")
	if err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return 0, fmt.Errorf("baseline: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("baseline: %w", err)
	}
	return len(f.Findings), nil
}
