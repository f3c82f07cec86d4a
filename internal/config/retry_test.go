package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
)

// retryChecklist is one check whose retry: is the given flow mapping, on line 7.
func retryChecklist(retry string) string {
	return "version: 1\nchecks:\n  - id: api\n    type: tls\n    with: {host: example.com}\n    timeout: 3s\n    retry: " + retry + "\n"
}

func TestRetryLoads(t *testing.T) {
	tests := []struct {
		retry         string
		within, every time.Duration
	}{
		{"{within: 2m, every: 5s}", 2 * time.Minute, 5 * time.Second},
		{"{within: 30s, every: 10ms}", 30 * time.Second, 10 * time.Millisecond},
		// Without every: 5s, or a quarter of a short window.
		{"{within: 2m}", 2 * time.Minute, 5 * time.Second},
		{"{within: 8s}", 8 * time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.retry, func(t *testing.T) {
			cl, err := config.Parse("r.yaml", []byte(retryChecklist(tt.retry)), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			e := cl.Checks[0]
			if e.Retry == nil || e.Retry.Within != tt.within || e.Retry.Every != tt.every || e.Timeout != 3*time.Second {
				t.Errorf("retry %+v (timeout %s), want within %s every %s", e.Retry, e.Timeout, tt.within, tt.every)
			}
		})
	}
	cl, err := config.Parse("r.yaml", []byte("version: 1\nchecks:\n  - {id: api, type: tls, with: {host: example.com}}\n"), env(nil))
	if err != nil || cl.Checks[0].Retry != nil {
		t.Errorf("a check without retry: has one: %+v (%v)", cl.Checks[0].Retry, err)
	}
}

// Every mistake in retry: is reported at its line and column, as the loader's other mistakes are.
func TestRetryMistakes(t *testing.T) {
	tests := []struct{ name, retry, want string }{
		{"unknown key", "{within: 2m, evry: 5s}", `r.yaml:7:25: check "api": retry: unknown field "evry" (did you mean "every"?)`},
		{"missing within", "{every: 5s}", `r.yaml:7:12: check "api": retry: missing within: how long after the first attempt to keep trying, e.g. within: 2m`},
		{"empty within", "{within: , every: 5s}", `r.yaml:7:21: check "api": retry: within: empty duration: use a value like 500ms, 10s or 30d`},
		{"zero within", "{within: 0, every: 5s}", `r.yaml:7:21: check "api": retry: within: must be greater than zero`},
		{"negative every", "{within: 2m, every: -5s}", `r.yaml:7:32: check "api": retry: every: duration "-5s" is negative: a duration counts forward, like 10s`},
		{"NaN every", "{within: 2m, every: .nan}", `r.yaml:7:32: check "api": retry: every: invalid duration ".nan": use a value like 500ms, 10s or 30d`},
		{"NaN within", "{within: NaN}", `r.yaml:7:21: check "api": retry: within: invalid duration "NaN": use a value like 500ms, 10s or 30d`},
		{"no unit", "{within: 120}", `r.yaml:7:21: check "api": retry: within: duration "120" has no unit`},
		{"every longer than within", "{within: 5s, every: 10s}", `r.yaml:7:32: check "api": retry: every 10s is not shorter than within 5s: no second attempt would fit; shorten every or lengthen within`},
		{"every as long as within", "{within: 5s, every: 5s}", `r.yaml:7:32: check "api": retry: every 5s is not shorter than within 5s`},
		{"not a mapping", "2m", `r.yaml:7:12: check "api": retry: expected a mapping such as {within: 2m, every: 5s}, got "2m"`},
		{"too long", "{within: 8d}", `r.yaml:7:21: check "api": retry: within: 8d is longer than the longest timeout, 7d`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("r.yaml", []byte(retryChecklist(tt.retry)), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}
