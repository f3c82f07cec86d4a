package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestValidateSeesPartlyDecodedChecks: Validate now runs on a check whose parameters could not
// all be decoded (to report every mistake at once). For every kind, with every parameter of the
// wrong shape, loading must not crash, and every message must be about one parameter, at that
// parameter's line: nothing Validate says about the defaults left behind, nothing twice.
func TestValidateSeesPartlyDecodedChecks(t *testing.T) {
	for _, name := range kind.KindNames() {
		t.Run(name, func(t *testing.T) {
			k, _ := kind.Lookup(name)
			var b strings.Builder
			fmt.Fprintf(&b, "version: 1\nchecks:\n  - id: c\n    type: %s\n    with:\n", name)
			lines := map[int]string{}
			for i, p := range kind.Params(k.New()) {
				fmt.Fprintf(&b, "      %s: [[1]]\n", p.Name)
				lines[6+i] = p.Name
			}
			_, err := config.Parse("c.yaml", []byte(b.String()), env(nil))
			var errs config.Errors
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
		t.Run(name+"/nothing given", func(t *testing.T) {
			doc := fmt.Sprintf("version: 1\nchecks:\n  - id: c\n    type: %s\n    with: {}\n", name)
			_, err := config.Parse("c.yaml", []byte(doc), env(nil))
			if err != nil && strings.Contains(err.Error(), "cannot validate") {
				t.Errorf("Validate crashed on zero parameters: %v", err)
			}
		})
	}
}
