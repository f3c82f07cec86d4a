package secrets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/check"
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

func readBaseline(path string) (*baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w (write one with `launchgate secrets baseline`)", err)
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
func WriteBaseline(ctx context.Context, env *check.Env, s *Secrets, path string) (int, error) {
	if err := s.Validate(); err != nil {
		return 0, err
	}
	rep, err := s.scan(ctx, env, false)
	if err != nil {
		return 0, err
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
