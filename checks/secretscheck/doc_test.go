package secretscheck

import (
	"os"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"
)

const (
	docFile       = "../../docs/checks/secrets.md"
	docRulesBegin = "<!-- rules:begin: generated from checks/secretscheck/rules.yaml; go test ./checks/secretscheck -run TestDocListsEveryRule -update rewrites it -->"
	docRulesEnd   = "<!-- rules:end -->"
)

// rulesTable is the list of rules the documentation shows, one line each, from rules.yaml.
func rulesTable(rs *ruleSet) string {
	var b strings.Builder
	b.WriteString("| rule | finds |\n| --- | --- |\n")
	for _, r := range rs.rules {
		b.WriteString("| `" + r.ID + "` | " + strings.ReplaceAll(r.Description, "|", `\|`) + " |\n")
	}
	return b.String()
}

// TestDocListsEveryRule: docs/checks/secrets.md lists every rule with its description, as
// rules.yaml has them, so that the list cannot drift.
func TestDocListsEveryRule(t *testing.T) {
	data, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, docRulesBegin), strings.Index(doc, docRulesEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no %q … %q section", docFile, docRulesBegin, docRulesEnd)
	}
	want := docRulesBegin + "\n" + rulesTable(mustRules(t)) + docRulesEnd
	got := doc[i : j+len(docRulesEnd)]
	if got == want {
		return
	}
	if golden.Update() {
		if err := os.WriteFile(docFile, []byte(doc[:i]+want+doc[j+len(docRulesEnd):]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the rule list in %s differs from rules.yaml (go test ./checks/secrets -run TestDocListsEveryRule -update rewrites it)", docFile)
}
