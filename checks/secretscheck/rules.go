package secretscheck

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// rulesYAML is the rule set: provider patterns, the URL-credential rules and the generic
// assignment rule, each with the examples the tests run.
//
//go:embed rules.yaml
var rulesYAML []byte

// rulesFileName is the path of the rules file inside this repository's tree.
const rulesFileName = "rules.yaml"

// Rule kinds.
const (
	kindRegex      = "regex"
	kindURL        = "url"
	kindAssignment = "assignment"
)

// Rule is one kind of credential the scanner knows.
type Rule struct {
	ID          string   `yaml:"id"`
	Description string   `yaml:"description"`
	Kind        string   `yaml:"kind"`
	Keywords    []string `yaml:"keywords"`
	// KeywordCase "exact" matches keywords case-sensitively (the prefilter folds case, so the
	// scanner compares the original bytes after a hit).
	KeywordCase string `yaml:"keyword_case"`
	// KeywordBoundary requires the keyword to start a word.
	KeywordBoundary bool `yaml:"keyword_boundary"`
	// Multiline rules match across lines (private keys): the expression runs over a window
	// starting at the keyword's line.
	Multiline bool `yaml:"multiline"`
	// Requires lists bytes of which the line must hold at least one before the expression
	// runs: a cheap second filter for rules whose keywords are common ("https://").
	Requires string `yaml:"requires"`
	// Fallback rules (the generic assignment rule, JWTs, bearer tokens) yield: where another
	// rule's finding overlaps theirs, only that one is reported.
	Fallback bool `yaml:"fallback"`
	// Validate names a check the secret must pass beyond the expression (validators).
	Validate string   `yaml:"validate"`
	Regex    string   `yaml:"regex"`
	Entropy  float64  `yaml:"entropy"`
	Rotate   string   `yaml:"rotate"`
	True     []string `yaml:"true"`
	False    []string `yaml:"false"`

	// The expression is compiled when a keyword first sends a line to it: most rules never
	// run in a given repository, and compiling them all would cost more than scanning a small
	// one. The embedded expressions are compiled by the tests.
	reOnce   sync.Once
	re       *regexp.Regexp
	validate func(string) bool
	index    int
	// lead is the literal every match starts with ("" if there is none), and fromLead the
	// expression from there on, anchored: where no occurrence of lead in a line starts a match
	// of fromLead, the expression cannot match, and it is not run over the line (which costs
	// far more, as it tries every offset of the line, when it does not start with a literal).
	lead     []byte
	fromLead *regexp.Regexp
}

// regexp returns the rule's compiled expression.
func (r *Rule) regexp() *regexp.Regexp {
	r.reOnce.Do(func() {
		r.re = regexp.MustCompile(r.Regex)
		r.lead, r.fromLead = anchoredLead(r.Regex)
	})
	return r.re
}

type ruleFile struct {
	Version int    `yaml:"version"`
	Rules   []Rule `yaml:"rules"`
}

var (
	rulesOnce sync.Once
	rulesSet  *ruleSet
	rulesErr  error
)

// ruleSet is the compiled rule set shared by every scan.
type ruleSet struct {
	rules    []*Rule
	byID     map[string]*Rule
	matcher  *matcher
	kwRules  [][]*Rule // keyword index → rules it triggers
	kwExact  []bool
	kwBound  []bool
	keywords []string
}

// loadRules parses and compiles the embedded rules once, without their examples: a scan has no
// use for them and they are most of the file, whose parsing would cost more than scanning a
// small repository (the tests load them with compileRules(rulesYAML, true)).
func loadRules() (*ruleSet, error) {
	rulesOnce.Do(func() { rulesSet, rulesErr = compileRules(rulesYAML, false) })
	return rulesSet, rulesErr
}

// withoutExamples drops the true: and false: lists of every rule from the rules file's text.
func withoutExamples(data []byte) []byte {
	out := make([]byte, 0, len(data)/2)
	inList := false
	for len(data) > 0 {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line = data[:i+1]
		}
		data = data[len(line):]
		t := bytes.TrimRight(line, "\r\n")
		switch {
		case bytes.Equal(t, []byte("    true:")) || bytes.Equal(t, []byte("    false:")):
			inList = true
			continue
		case inList && bytes.HasPrefix(t, []byte("      ")):
			continue
		}
		inList = false
		out = append(out, line...)
	}
	return out
}

func compileRules(data []byte, examples bool) (*ruleSet, error) {
	if !examples {
		data = withoutExamples(data)
	}
	var f ruleFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("secrets: embedded rules: %w", err)
	}
	rs := &ruleSet{byID: map[string]*Rule{}}
	kwIndex := map[keywordKey]int{}
	for i := range f.Rules {
		r := &f.Rules[i]
		if err := prepareRule(r, i); err != nil {
			return nil, err
		}
		if _, dup := rs.byID[r.ID]; dup {
			return nil, fmt.Errorf("secrets: embedded rule %q defined twice", r.ID)
		}
		rs.byID[r.ID] = r
		rs.rules = append(rs.rules, r)
		rs.addKeywords(r, kwIndex)
	}
	rs.matcher = newMatcher(rs.keywords)
	return rs, nil
}

// prepareRule checks rule i of the file and fills in what follows from it: its kind's default,
// its place, whether it yields to others, its validator.
func prepareRule(r *Rule, i int) error {
	r.index = i
	if r.Kind == "" {
		r.Kind = kindRegex
	}
	if r.ID == "" || len(r.Keywords) == 0 {
		return fmt.Errorf("secrets: embedded rule %d needs an id and keywords", i)
	}
	switch r.Kind {
	case kindRegex, kindURL:
		if r.Regex == "" {
			return fmt.Errorf("secrets: rule %s needs a regex", r.ID)
		}
	case kindAssignment:
		r.Fallback = true
	default:
		return fmt.Errorf("secrets: rule %s: unknown kind %q", r.ID, r.Kind)
	}
	if r.Validate != "" {
		v, ok := validators[r.Validate]
		if !ok {
			return fmt.Errorf("secrets: rule %s: unknown validate %q", r.ID, r.Validate)
		}
		r.validate = v
	}
	return nil
}

// keywordKey is a keyword as the matcher tells it from others: two rules with the same
// keyword, case and boundary share one entry, which sends a line to both.
type keywordKey struct {
	text         string
	exact, bound bool
}

// addKeywords enters a rule's keywords in the set, each under the rules it triggers.
func (rs *ruleSet) addKeywords(r *Rule, index map[keywordKey]int) {
	for _, kw := range r.Keywords {
		k := keywordKey{kw, r.KeywordCase == "exact", r.KeywordBoundary}
		idx, ok := index[k]
		if !ok {
			idx = len(rs.keywords)
			index[k] = idx
			rs.keywords = append(rs.keywords, kw)
			rs.kwRules = append(rs.kwRules, nil)
			rs.kwExact = append(rs.kwExact, k.exact)
			rs.kwBound = append(rs.kwBound, k.bound)
		}
		rs.kwRules[idx] = append(rs.kwRules[idx], r)
	}
}
