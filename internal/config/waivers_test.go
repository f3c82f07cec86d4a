package config_test

import (
	"strings"
	"testing"
	"time"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
)

const waiverChecks = `version: 1
checks:
  - id: redis-memory
    type: redis.memory
    tags: [cache]
    with: {url: "redis://127.0.0.1:1"}
  - id: no-secrets
    type: secrets
`

var today = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func parseAt(t *testing.T, doc string) (*config.Checklist, error) {
	t.Helper()
	o := env(nil)
	o.Now = func() time.Time { return today }
	return config.Parse("w.yaml", []byte(doc), o)
}

func TestWaiversLoad(t *testing.T) {
	cl, err := parseAt(t, waiverChecks+`policy: {timezone: Europe/Paris, max_waiver_days: 30}
waivers:
  - {check: redis-memory, until: 2026-12-15, reason: "ticket OPS-123", owner: platform-team}
  - {check: "tag:cache", until: "2026-12-02T12:00:00Z", reason: r, owner: o}
`)
	if err != nil {
		t.Fatal(err)
	}
	w := cl.Waivers[0]
	// A date covers the whole of that day in the policy's zone: until midnight Paris time.
	if want := time.Date(2026, 12, 15, 23, 0, 0, 0, time.UTC); !w.Until.Equal(want) || w.UntilText != "2026-12-15" || w.Line != 11 {
		t.Errorf("waiver %+v, want until %s", w, want)
	}
	if got := cl.WaiverFor(cl.Checks[0]); got != &cl.Waivers[0] {
		t.Errorf("WaiverFor(redis-memory) = %+v: the id wins over the tag", got)
	}
	if got := cl.WaiverFor(cl.Checks[1]); got != nil {
		t.Errorf("a secrets check is waived: %+v", got)
	}
}

func TestWaiverMistakes(t *testing.T) {
	tests := []struct{ name, waivers, want string }{
		{"missing owner", `  - {check: redis-memory, until: 2026-12-15, reason: r}`, `w.yaml:10:5: waivers[0]: missing "owner"`},
		{"unknown id", `  - {check: redis-memroy, until: 2026-12-15, reason: r, owner: o}`, `w.yaml:10:13: waivers[0]: check: no check has the id "redis-memroy" (or write tag:NAME for a tag) (did you mean "redis-memory"?)`},
		{"bad date", `  - {check: redis-memory, until: 15/12/2026, reason: r, owner: o}`, `waivers[0]: until: expected a date (2026-12-15) or an RFC 3339 time, got "15/12/2026"`},
		{"too long", `  - {check: redis-memory, until: 2027-06-01, reason: r, owner: o}`, `w.yaml:10:34: waivers[0]: until: 2027-06-01 is more than policy.max_waiver_days (90) from today`},
		{"secrets", `  - {check: no-secrets, until: 2026-12-15, reason: r, owner: o}`, `"no-secrets" is a secrets check, which waivers do not cover: accept its findings in the secrets baseline, or set policy.allow_secret_waivers: true`},
		{"unknown field", `  - {check: redis-memory, until: 2026-12-15, reason: r, owner: o, ticket: x}`, `waivers[0]: unknown field "ticket"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAt(t, waiverChecks+"waivers:\n"+tt.waivers+"\n")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestSecretWaiversWhenAllowed(t *testing.T) {
	cl, err := parseAt(t, waiverChecks+`policy: {allow_secret_waivers: true}
waivers:
  - {check: no-secrets, until: 2026-12-15, reason: r, owner: o}
`)
	if err != nil || cl.WaiverFor(cl.Checks[1]) == nil {
		t.Fatalf("secret waiver not applied: %v", err)
	}
}
