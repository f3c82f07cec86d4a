package config_test

import (
	"errors"
	"strings"
	"testing"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
)

// TestNeedsEnvValidatesLiterals loads, for every check kind, a check whose needs_env variable is
// unset: a mistake in a literal parameter must be reported at that parameter's line, even when a
// parameter Validate looks at first comes from the unset variable (and so is empty), while the
// empty placeholder alone must load fine.
func TestNeedsEnvValidatesLiterals(t *testing.T) {
	cases := []struct {
		kind string
		// templated are with: entries (relative indentation) that refer to the unset variable.
		templated []string
		// bad is a literal with: entry with a mistake; good is the same parameter done right.
		bad, good string
		// want is in the one message expected at bad's line.
		want string
	}{
		{"tls", []string{"host: ${LAUNCHGATE_TEST_NEEDED}"},
			`min_version: "1.5"`, `min_version: "1.2"`, "min_version: "},
		{"redis.memory", []string{"url: ${LAUNCHGATE_TEST_NEEDED}"},
			"role: sesions", "role: sessions", `role: "sesions": use sessions, cache or queue`},
		{"postgres.connections", []string{"dsn: ${LAUNCHGATE_TEST_NEEDED}"},
			"max_used_percent: 150", "max_used_percent: 90", "max_used_percent: must be between 0 and 100, got 150"},
		{"postgres.replica_lag", []string{"primary_dsn: ${LAUNCHGATE_TEST_NEEDED}", "replica_dsns: ${LAUNCHGATE_TEST_NEEDED}", "probe_visibility: true"},
			"max_lag: 0s", "max_lag: 100ms", "max_lag: must be positive"},
		{"mysql.connections", []string{"dsn: ${LAUNCHGATE_TEST_NEEDED}"},
			"warn_used_percent: 99", "warn_used_percent: 70", "warn_used_percent: 99 must not be above max_used_percent (80)"},
		{"mysql.replica_lag", []string{"dsn: ${LAUNCHGATE_TEST_NEEDED}"},
			"max_lag: 0s", "max_lag: 30s", "max_lag: must be positive"},
		{"http.rate_limit", []string{"url: ${LAUNCHGATE_TEST_NEEDED}/v1/signup"},
			"max_requests: 9999", "max_requests: 40", "max_requests: must be between 1 and 500"},
		{"http.burst", []string{"requests:\n  - url: ${LAUNCHGATE_TEST_NEEDED}/v1/config\n  - url: ${LAUNCHGATE_TEST_NEEDED}/v1/flags"},
			"max_error_rate: 2", "max_error_rate: 0.05", "max_error_rate: must be a fraction from 0 to 1"},
		{"http.auth", []string{"url: ${LAUNCHGATE_TEST_NEEDED}/users/me", "token: ${LAUNCHGATE_TEST_NEEDED}", "other_url: https://api.example.com/users/2"},
			"method: POST", "method: GET", "method: POST may change data"},
		{"http.headers", []string{"url: ${LAUNCHGATE_TEST_NEEDED}"},
			"ignore: [csp, hstss]", "ignore: [csp, hsts]", `ignore: unknown item "hstss"`},
		{"http.health", []string{"url: ${LAUNCHGATE_TEST_NEEDED}/healthz"},
			"expect_body: /([a-z/", "expect_body: /ok/", "expect_body: "},
		{"jwt", []string{"token: ${LAUNCHGATE_TEST_NEEDED}"},
			"allowed_algs: [none]", "allowed_algs: [RS256]", `allowed_algs: unknown algorithm "none"`},
		{"http.load", []string{"allow_load: true", "targets: [{url: \"${LAUNCHGATE_TEST_NEEDED}/feed\"}]", "rate: 10/s"},
			"duration: 0s", "duration: 10s", "duration: must be positive"},
		{"secrets", []string{"path: ${LAUNCHGATE_TEST_NEEDED}"},
			`ignore_paths: ["[abc"]`, `ignore_paths: ["testdata/**"]`, `ignore_paths: unclosed [ in "[abc"`},
	}
	unset := config.Options{Getenv: func(string) string { return "" }}
	for _, c := range cases {
		build := func(literal string) (data string, line int) {
			var b strings.Builder
			b.WriteString("version: 1\nchecks:\n  - id: c\n    type: " + c.kind +
				"\n    needs_env: [LAUNCHGATE_TEST_NEEDED]\n    with:\n")
			for _, entry := range append(append([]string(nil), c.templated...), literal) {
				if entry == literal {
					line = strings.Count(b.String(), "\n") + 1
				}
				for _, l := range strings.Split(entry, "\n") {
					b.WriteString("      " + l + "\n")
				}
			}
			return b.String(), line
		}
		t.Run(c.kind, func(t *testing.T) {
			data, line := build(c.bad)
			_, err := config.Parse("c.yaml", []byte(data), unset)
			var errs config.Errors
			if !errors.As(err, &errs) {
				t.Fatalf("loaded without the mistake in %q being reported (err %v):\n%s", c.bad, err, data)
			}
			if len(errs) != 1 || errs[0].Line != line || !strings.Contains(errs[0].Msg, c.want) {
				t.Errorf("want one error at line %d containing %q, got:\n%v\nin:\n%s", line, c.want, err, data)
			}
		})
		t.Run(c.kind+"/control", func(t *testing.T) {
			data, _ := build(c.good)
			cl, err := config.Parse("c.yaml", []byte(data), unset)
			if err != nil {
				t.Fatalf("only the unset variable's placeholder is empty, yet:\n%v\nin:\n%s", err, data)
			}
			if got := cl.Checks[0].Missing; len(got) != 1 || got[0] != "LAUNCHGATE_TEST_NEEDED" {
				t.Errorf("Missing = %v, want [LAUNCHGATE_TEST_NEEDED]", got)
			}
		})
	}
}
