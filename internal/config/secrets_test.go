package config_test

import (
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
)

// TestLoadErrorsNeverPrintSecrets: a value that came from a secret-looking variable is named
// by its reference in every load error, never printed, whichever message is about it: a type
// error, a kind's own parser, a Validate complaint, a long value cut short, one that %q escapes.
func TestLoadErrorsNeverPrintSecrets(t *testing.T) {
	const token = "Tr0ub4dor-and-3-horses"
	long := strings.Repeat("s3cr3t", 12)
	vars := map[string]string{
		"API_TOKEN": token, "LONG_SECRET": long, "SHORT_KEY": "ab7", "ODD_PASSWORD": "p\"w\\d\n9x",
		"API_HOST": "api.example.com",
	}
	tests := []struct {
		name, with, want string
		secrets          []string
	}{
		{"kind's own parser", "url: http://h.example\n      expect_status: ${API_TOKEN}",
			`x.yaml:7:22: check "a": with: expect_status: invalid status "${API_TOKEN}": use a code (200), a class (2xx) or a range (200-299)`, []string{token}},
		{"type error", "url: http://h.example\n      follow_redirects: ${API_TOKEN}",
			`x.yaml:7:25: check "a": with: follow_redirects: expected a boolean, got "${API_TOKEN}"`, []string{token}},
		{"validate", "url: ${API_TOKEN}",
			`x.yaml:6:12: check "a": with: url: "${API_TOKEN}" must be an absolute http:// or https:// URL (the value comes from ${API_TOKEN})`, []string{token}},
		{"part of a value", "url: ${API_HOST}/${API_TOKEN}",
			`x.yaml:6:12: check "a": with: url: "api.example.com/${API_TOKEN}" must be an absolute http:// or https:// URL (the value comes from ${API_HOST}/${API_TOKEN})`, []string{token}},
		{"long value cut short", "url: http://h.example\n      follow_redirects: ${LONG_SECRET}",
			`x.yaml:7:25: check "a": with: follow_redirects: expected a boolean, got "${LONG_SECRET}"`, []string{long, long[:20]}},
		{"short value", "url: http://h.example\n      expect_status: ${SHORT_KEY}",
			`x.yaml:7:22: check "a": with: expect_status: invalid status "${SHORT_KEY}": use a code (200), a class (2xx) or a range (200-299)`, []string{`"ab7"`}},
		{"escaped value", "url: http://h.example\n      expect_status: ${ODD_PASSWORD}",
			`x.yaml:7:22: check "a": with: expect_status: invalid status "${ODD_PASSWORD}": use a code (200), a class (2xx) or a range (200-299)`, []string{`p\"w\\d\n9x`}},
		{"from a default", "url: http://h.example\n      expect_status: ${UNSET:-${API_TOKEN}}",
			`x.yaml:7:22: check "a": with: expect_status: invalid status "${API_TOKEN}": use a code (200), a class (2xx) or a range (200-299)`, []string{token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with:\n      " + tt.with + "\n"
			_, err := config.Parse("x.yaml", []byte(doc), env(vars))
			if err == nil {
				t.Fatal("loaded without error")
			}
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
			for _, s := range tt.secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error prints the secret %q: %s", s, err)
				}
			}
		})
	}
}

// TestLoadErrorsNeverPrintSecretsOutsideWith covers the checklist's own fields.
func TestLoadErrorsNeverPrintSecretsOutsideWith(t *testing.T) {
	const token = "Tr0ub4dor-and-3-horses"
	doc := "version: ${API_TOKEN}\nname: x\nchecks:\n  - id: ${API_TOKEN}\n    type: http.health\n    timeout: ${API_TOKEN}\n    severity: ${API_TOKEN}\n    with: {url: 'http://h.example'}\n"
	_, err := config.Parse("x.yaml", []byte(doc), env(map[string]string{"API_TOKEN": token}))
	want := `x.yaml:1:10: version: unsupported checklist version "${API_TOKEN}" (this launchgate reads version 1)
x.yaml:4:9: checks[0]: id "${API_TOKEN}" must use only a-z, 0-9 and -
x.yaml:6:14: checks[0]: timeout: invalid duration "${API_TOKEN}": use a value like 500ms, 10s or 30d
x.yaml:7:15: checks[0]: severity must be block or warn, got "${API_TOKEN}"`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

func TestSingleErrorsNeverPrintSecrets(t *testing.T) {
	const token = "Tr0ub4dor-and-3-horses"
	_, err := config.Single("http.health", []string{"http://h.example", "expect_status=${API_TOKEN}"}, 0,
		env(map[string]string{"API_TOKEN": token}))
	want := `check http.health: with: expect_status: invalid status "${API_TOKEN}": use a code (200), a class (2xx) or a range (200-299)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
