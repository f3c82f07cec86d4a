package secretscheck

import (
	"strings"
	"testing"
)

// TestLeadNeverHidesAMatch: wherever a rule's expression matches, its lead test lets it run:
// on every example of every rule, and on each after a word byte and after a dash.
func TestLeadNeverHidesAMatch(t *testing.T) {
	rs := rulesWithExamples(t)
	leads, lines := 0, 0
	for _, r := range rs.rules {
		if r.Regex == "" {
			continue
		}
		if r.regexp(); r.fromLead != nil {
			leads++
		}
		for _, ex := range append(append([]string{}, r.True...), r.False...) {
			for _, line := range []string{ex, "x" + ex, "-" + ex} {
				checkLead(t, rs, []byte(line))
				lines++
			}
		}
	}
	if leads < 40 || lines < 600 {
		t.Errorf("%d rules have a lead, %d lines tried: the test of it is not exercised", leads, lines)
	}
}

func rulesWithExamples(t testing.TB) *ruleSet {
	t.Helper()
	rs, err := compileRules(rulesYAML, true)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// checkLead fails if any rule's expression matches in line where its lead test says it
// cannot.
func checkLead(t *testing.T, rs *ruleSet, line []byte) {
	t.Helper()
	for _, r := range rs.rules {
		if r.Regex == "" || r.regexp() == nil || r.fromLead == nil {
			continue
		}
		if loc := r.re.FindIndex(line); loc != nil && !r.mayMatch(line, loc[0]+1) {
			t.Errorf("%s matches %q at %d, but its lead test passes over the offsets up to there", r.ID, line, loc[0])
		}
	}
}

func FuzzLead(f *testing.F) {
	rs := rulesWithExamples(f)
	for _, r := range rs.rules {
		for _, ex := range r.True {
			f.Add([]byte(ex))
		}
	}
	f.Add([]byte(strings.Repeat("ghp_", 20)))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkLead(t, rs, line)
	})
}
