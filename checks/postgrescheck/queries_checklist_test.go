package postgrescheck

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestBackupsAndQueriesExamplesDecode: each kind's example decodes strictly and validates, and
// every parameter, nested ones included, is documented.
func TestBackupsAndQueriesExamplesDecode(t *testing.T) {
	envRef := regexp.MustCompile(`\$\{[A-Z_]+\}`)
	for _, name := range []string{"postgres.backups", "postgres.queries"} {
		k, ok := kind.Lookup(name)
		if !ok || k.Positional != "dsn" {
			t.Fatalf("%s: registered %v, positional %q", name, ok, k.Positional)
		}
		body := envRef.ReplaceAllString(k.Example, "postgres://app@db.example.com/app")
		chk := k.New()
		dec := yaml.NewDecoder(strings.NewReader(body))
		dec.KnownFields(true)
		if err := dec.Decode(chk); err != nil {
			t.Fatalf("%s example: %v", name, err)
		}
		if err := chk.(kind.Validator).Validate(); err != nil {
			t.Fatalf("%s example: %v", name, err)
		}
		params := kind.Params(chk)
		for _, nested := range []any{PgBackRest{}, DumpFiles{}, ExplainQuery{}} {
			params = append(params, kind.StructParams(reflect.TypeOf(nested))...)
		}
		for _, p := range params {
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", name, p.Name)
			}
		}
	}
}

// TestBackupsAndQueriesInChecklists loads both kinds from checklists: a typo inside a nested
// object is caught at its line, and with a needs_env variable unset a literal mistake is still
// reported while the empty placeholder DSN is not.
func TestBackupsAndQueriesInChecklists(t *testing.T) {
	unset := config.Options{Getenv: func(string) string { return "" }}
	tests := []struct {
		kind, with string
		line       int // of the one error expected; 0 for none
		want       string
	}{
		{"postgres.backups", "dsn: postgres://db/app\npgbackrest:\n  stanza: main\n  max_ful_age: 8d", 10, `unknown parameter "max_ful_age"`},
		{"postgres.backups", "dsn: ${LAUNCHGATE_TEST_NEEDED}\nmax_archive_age: 0s", 8, "max_archive_age: must be positive"},
		{"postgres.backups", "dsn: ${LAUNCHGATE_TEST_NEEDED}\nrequire_archiving: true", 0, ""},
		{"postgres.queries", "dsn: postgres://db/app\nexplain:\n  - name: a\n    sql: SELECT 1\n    parms: [1]", 11, `unknown parameter "parms"`},
		{"postgres.queries", "dsn: ${LAUNCHGATE_TEST_NEEDED}\nmax_mean_time: 0s", 8, "max_mean_time: must be positive"},
		{"postgres.queries", "dsn: ${LAUNCHGATE_TEST_NEEDED}\nmax_seq_scan_rows: 1000", 0, ""},
	}
	for _, tt := range tests {
		data := "version: 1\nchecks:\n  - id: c\n    type: " + tt.kind + "\n    needs_env: [LAUNCHGATE_TEST_NEEDED]\n    with:\n" +
			"      " + strings.ReplaceAll(tt.with, "\n", "\n      ") + "\n"
		_, err := config.Parse("c.yaml", []byte(data), unset)
		if tt.line == 0 {
			if err != nil {
				t.Errorf("unexpected error: %v\n%s", err, data)
			}
			continue
		}
		var errs config.Errors
		if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != tt.line || !strings.Contains(errs[0].Msg, tt.want) {
			t.Errorf("want one error at line %d containing %q, got %v\n%s", tt.line, tt.want, err, data)
		}
	}
}
