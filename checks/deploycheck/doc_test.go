package deploycheck

import (
	"os"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
)

// TestDocExamples: the checklist entry docs/checks/deploy.window.md shows loads, and the
// verdicts it shows are what the check says at the moments they name.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/checks/deploy.window.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```")
	var entry string
	verdicts := map[string]string{} // the first line of a shown result: its summary
	for i := 1; i < len(blocks); i += 2 {
		info, body, _ := strings.Cut(blocks[i], "\n")
		lines := strings.Split(body, "\n")
		switch {
		case info == "yaml" && entry == "":
			entry = body
		case strings.Contains(lines[0], "no-friday-deploys · Deploy window is open") && len(lines) > 1:
			verdicts[strings.Fields(lines[0])[0]] = strings.TrimSpace(lines[1])
		}
	}
	var b strings.Builder
	b.WriteString("version: 1\nchecks:\n")
	for _, line := range strings.Split(entry, "\n") {
		b.WriteString("  " + line + "\n")
	}
	cl, err := config.Parse("deploy.window.md", []byte(b.String()), config.Options{})
	if err != nil {
		t.Fatalf("the documented entry does not load: %v\n%s", err, b.String())
	}
	w := cl.Checks[0].Check.(*Window)
	for status, now := range map[string]string{"FAIL": "2026-12-04T16:00:00+01:00", "WARN": "2026-12-24T09:00:00+01:00"} {
		r := judgeAt(t, w, at(t, now))
		if verdicts[status] != r.Summary || strings.ToUpper(r.Status.String()) != status {
			t.Errorf("the %s example shows %q; at %s the check says %s: %q", status, verdicts[status], now, r.Status, r.Summary)
		}
	}
}
