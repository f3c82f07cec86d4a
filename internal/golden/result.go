package golden

import (
	"fmt"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// Result renders a check result as plain, stable text, for golden files and for test failure
// messages: the status and summary, one line per evidence item, the findings and the remedy.
func Result(r kind.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", r.Status, r.Summary)
	for _, e := range r.Evidence {
		fmt.Fprintf(&b, "  [%s] %s: %s", e.Status, e.Label, e.Observed)
		if e.Expected != "" {
			fmt.Fprintf(&b, " (expected %s)", e.Expected)
		}
		b.WriteString("\n")
	}
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "  finding %s %s:%d:%d", f.Rule, f.File, f.Line, f.Column)
		if f.Commit != "" {
			fmt.Fprintf(&b, " @%s", f.Commit)
		}
		fmt.Fprintf(&b, " %s\n", f.Preview)
	}
	if r.Remedy != "" {
		fmt.Fprintf(&b, "  remedy: %s\n", r.Remedy)
	}
	return b.String()
}
