package checklist_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/checklist"
)

// TestValidateSeesPartlyDecodedChecks: Validate now runs on a check whose parameters could not
// all be decoded (to report every mistake at once). For every kind, with every parameter of the
// wrong shape, loading must not crash, and every message must be about one parameter, at that
// parameter's line: nothing Validate says about the defaults left behind, nothing twice.
func TestValidateSeesPartlyDecodedChecks(t *testing.T) {
	for _, kind := range check.KindNames() {
		t.Run(kind, func(t *testing.T) {
			k, _ := check.Lookup(kind)
			var b strings.Builder
			fmt.Fprintf(&b, "version: 1\nchecks:\n  - id: c\n    type: %s\n    with:\n", kind)
			lines := map[int]string{}
			for i, p := range check.Params(k.New()) {
				fmt.Fprintf(&b, "      %s: [[1]]\n", p.Name)
				lines[6+i] = p.Name
			}
			_, err := checklist.Parse("c.yaml", []byte(b.String()), env(nil))
			var errs checklist.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("loaded: %v\n%s", err, b.String())
			}
			seen := map[int]bool{}
			for _, e := range errs {
				name, ok := lines[e.Line]
				if !ok || seen[e.Line] || !(strings.Contains(e.Msg, name+": ") || strings.Contains(e.Msg, name+"[")) {
					t.Errorf("message not about one parameter at its line: %v", e)
				}
				seen[e.Line] = true
			}
		})
		t.Run(kind+"/nothing given", func(t *testing.T) {
			doc := fmt.Sprintf("version: 1\nchecks:\n  - id: c\n    type: %s\n    with: {}\n", kind)
			_, err := checklist.Parse("c.yaml", []byte(doc), env(nil))
			if err != nil && strings.Contains(err.Error(), "cannot validate") {
				t.Errorf("Validate crashed on zero parameters: %v", err)
			}
		})
	}
}
