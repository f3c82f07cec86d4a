package deploycheck

import (
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/kindtest"
)

// issueExample is the with: block of issue 19, as a team would write it.
const issueExample = `timezone: Europe/Paris
deny:
  - {days: [fri], from: "15:00", to: "24:00", reason: "no Friday afternoon deploys"}
  - {days: [sat, sun], reason: weekend}
  - {dates: ["2026-12-24", "2026-12-31..2027-01-02"], reason: "holiday freeze"}
  - {cron: "0 9 1 * *", duration: 4h, reason: "monthly reporting run"}   # Argo CD sync-window style
allow:                                   # exceptions win over deny, like Argo CD's manual sync
  - {dates: ["2026-12-24"], from: "08:00", to: "10:00", reason: "approved hotfix window"}`

// checklist wraps a with: block in a checklist of one check, whose with: starts on line 6,
// column 7.
func checklist(with string) []byte {
	var b strings.Builder
	b.WriteString("version: 1\nchecks:\n  - id: w\n    type: deploy.window\n    with:\n")
	for _, line := range strings.Split(with, "\n") {
		b.WriteString("      " + line + "\n")
	}
	return []byte(b.String())
}

// parse loads a with: block through the checklist loader, as a run does.
func parse(with string) (*Window, error) {
	cl, err := config.Parse("w.yaml", checklist(with), config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		return nil, err
	}
	return cl.Checks[0].Check.(*Window), nil
}

func load(t *testing.T, with string) *Window {
	t.Helper()
	w, err := parse(with)
	if err != nil {
		t.Fatalf("%v\n%s", err, with)
	}
	return w
}

func at(t *testing.T, rfc3339 string) time.Time {
	t.Helper()
	now, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return now
}

// judgeAt runs the check with the clock reading now.
func judgeAt(t *testing.T, w *Window, now time.Time) kind.Result {
	t.Helper()
	env := kind.DefaultEnv("test")
	env.Now = func() time.Time { return now }
	return kindtest.Run(t, w, env, 10*time.Second)
}

// lookAt is the freeze now is in, or the next one, in UTC, as "START..END".
func lookAt(t *testing.T, w *Window, now time.Time) string {
	t.Helper()
	o, err := w.look(t.Context(), now)
	if err != nil {
		t.Fatal(err)
	}
	if o.freeze == nil {
		return "none"
	}
	return o.freeze.start.UTC().Format(time.RFC3339) + ".." + o.freeze.end.UTC().Format(time.RFC3339)
}
