package secretscheck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
)

// baselineFile is the on-disk form of accepted findings. Version 2 keys an entry by file and the
// finding's fingerprint, a hash of file and secret: never the rule, so that a finding a newer
// rule set attributes to another rule (a token once caught by the generic rule, now by its
// provider's) stays accepted, and never the line, so that a moved line stays accepted while a
// new secret on an accepted line is still found. The secret itself is not stored. Version 1
// keyed entries by rule, file and a hash of rule, file and secret; it is still
// read, and `launchgate secrets baseline --migrate` rewrites it as version 2.
type baselineFile struct {
	Version  int             `yaml:"version"`
	Findings []baselineEntry `yaml:"findings"`
}

type baselineEntry struct {
	// Rule is the rule that found it when it was accepted, for the reader; version 2 matching
	// ignores it.
	Rule        string `yaml:"rule,omitempty"`
	File        string `yaml:"file"`
	Fingerprint string `yaml:"fingerprint"`
	// Where it was when accepted, for the reader; matching ignores them.
	Line   int    `yaml:"line,omitempty"`
	Commit string `yaml:"commit,omitempty"`
}

// baselineVersion is the version WriteBaseline writes.
const baselineVersion = 2

type baseline struct {
	version int
	entries int
	keys    map[string]bool // version 2: fingerprints
	// Version 1: rule, file and that version's fingerprint, and the rules named.
	legacy      map[[3]string]bool
	legacyRules []string
}

// accepts reports whether the baseline accepts f and, for a version 1 baseline, which of its
// entries did.
func (b *baseline) accepts(f *finding) (bool, [3]string) {
	if b == nil {
		return false, [3]string{}
	}
	if b.version >= 2 {
		return b.keys[f.fingerprint], [3]string{}
	}
	// A version 1 entry names the rule of its day and hashes the secret as that rule cut it:
	// try every rule the file names, with the secret as found and as the old generic rule cut
	// it (at '#', ';', ',' or '`').
	for _, secret := range f.secretForms() {
		for _, rule := range b.legacyRules {
			k := [3]string{rule, f.file, fingerprintV1(rule, f.file, secret)}
			if b.legacy[k] {
				return true, k
			}
		}
	}
	return false, [3]string{}
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
	facts, err := probeRepo(ctx, dir)
	if err != nil {
		return "", fmt.Errorf("finding the default baseline of %s: %w", path, err)
	}
	return defaultBaselineIn(dir, facts), nil
}

// defaultBaselineIn is DefaultBaselinePath for a directory whose repository is known.
func defaultBaselineIn(dir string, facts repoFacts) string {
	if facts.inRepo {
		// --show-cdup ("../../" or "") rather than --show-toplevel: it keeps the caller's spelling
		// of the path (no symbolic links resolved), so evidence can name the file relative to it.
		dir = filepath.Join(dir, filepath.FromSlash(facts.cdup))
	}
	return filepath.Join(dir, filepath.FromSlash(DefaultBaseline))
}

// loadBaseline reads the configured baseline (an error when it is missing) or, with none
// configured, the default one (defaultPath says where) when it exists. It returns the baseline
// and the name evidence shows for it ("" for none).
func (s *Secrets) loadBaseline(env *kind.Env, defaultPath func() (string, error)) (*baseline, string, error) {
	if s.Baseline != "" {
		b, err := readBaseline(s.resolve(env, s.Baseline))
		if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("%w (write it with `launchgate secrets baseline -o %s`, or remove baseline: to use %s when it exists)", err, s.Baseline, DefaultBaseline)
		}
		return b, s.Baseline, err
	}
	p, err := defaultPath()
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
	data, err := kind.ReadSmallFile(path, maxBaselineSize)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var f baselineFile
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", path, err)
	}
	switch f.Version {
	case 1:
		b := &baseline{version: 1, entries: len(f.Findings), legacy: map[[3]string]bool{}}
		seen := map[string]bool{}
		for _, e := range f.Findings {
			b.legacy[[3]string{e.Rule, e.File, e.Fingerprint}] = true
			if !seen[e.Rule] {
				seen[e.Rule] = true
				b.legacyRules = append(b.legacyRules, e.Rule)
			}
		}
		return b, nil
	case baselineVersion:
		b := &baseline{version: baselineVersion, entries: len(f.Findings), keys: map[string]bool{}}
		for _, e := range f.Findings {
			b.keys[e.Fingerprint] = true
		}
		return b, nil
	}
	return nil, fmt.Errorf("baseline %s: unsupported version %d (this launchgate reads 1 and 2)", path, f.Version)
}

const baselineHeader = `# launchgate secrets baseline: findings accepted as they are (test fixtures, revoked keys).
# Each entry is keyed by file and a hash of file and secret (not the secret, not the line, not
# the rule): a moved line stays accepted, a new secret is still reported. Regenerate with
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
	var entries []baselineEntry
	for _, fd := range rep.findings {
		entries = append(entries, entryFor(fd))
	}
	if err := writeBaselineFile(path, entries); err != nil {
		return 0, err
	}
	return len(entries), nil
}

func entryFor(fd finding) baselineEntry {
	return baselineEntry{Rule: fd.rule.ID, File: fd.file, Fingerprint: fd.fingerprint, Line: fd.line, Commit: fd.commit}
}

// MigrateBaseline rewrites the baseline at path in the current format, keeping exactly the
// findings it accepts now: it scans as s is configured, matches each finding against the old
// entries and writes the matched ones. It returns how many findings it kept and how many old
// entries matched none (secrets since removed from the repository and its history, or found
// so differently that only a person can tell: they are dropped, and reported again if found).
// A baseline already in the current format is left alone.
func MigrateBaseline(ctx context.Context, env *kind.Env, s *Secrets, path string) (kept, dropped int, err error) {
	if err := s.Validate(); err != nil {
		return 0, 0, err
	}
	old, err := readBaseline(path)
	if err != nil {
		return 0, 0, err
	}
	if old.version == baselineVersion {
		return old.entries, 0, nil
	}
	rep, err := s.scan(ctx, env, false)
	if err != nil {
		return 0, 0, err
	}
	if rep.notScanned != "" {
		return 0, 0, fmt.Errorf("nothing scanned: %s", rep.notScanned)
	}
	var entries []baselineEntry
	used := map[[3]string]bool{}
	for _, fd := range rep.findings {
		if ok, key := old.accepts(&fd); ok {
			entries = append(entries, entryFor(fd))
			used[key] = true
		}
	}
	if err := writeBaselineFile(path, entries); err != nil {
		return 0, 0, err
	}
	return len(entries), len(old.legacy) - len(used), nil
}

// writeBaselineFile writes entries, sorted, to path through a temporary file, so that a reader
// never sees half a baseline.
func writeBaselineFile(path string, entries []baselineEntry) error {
	f := baselineFile{Version: baselineVersion, Findings: entries}
	if f.Findings == nil {
		f.Findings = []baselineEntry{}
	}
	sort.Slice(f.Findings, func(i, j int) bool {
		a, b := f.Findings[i], f.Findings[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Fingerprint < b.Fingerprint
	})
	data, err := yaml.Marshal(f)
	if err != nil {
		return err
	}
	data = append([]byte(baselineHeader), data...)
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".baseline-*")
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("baseline: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	return nil
}
