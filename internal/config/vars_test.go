package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
)

// titled is a checklist whose one check is titled ${WHO}, so the title says which value won; it
// declares vars: when def is not empty.
func titled(def string) string {
	doc := "version: 1\n"
	if def != "" {
		doc += "vars:\n  WHO: " + def + "\n"
	}
	return doc + "checks:\n  - id: a\n    type: http.health\n    title: ${WHO}\n    with: {url: 'http://127.0.0.1:1/h'}\n"
}

// TestVariablePrecedence: the command line (--var over --vars, layered by the CLI into
// Options.Vars) wins over the environment, which wins over vars:; an empty value at a level
// counts as unset and hides nothing.
func TestVariablePrecedence(t *testing.T) {
	for _, tt := range []struct {
		name            string
		flags, env      map[string]string
		checklist, want string
	}{
		{"vars: alone", nil, nil, "from-vars", "from-vars"},
		{"environment over vars:", nil, map[string]string{"WHO": "from-env"}, "from-vars", "from-env"},
		{"command line over environment", map[string]string{"WHO": "from-flag"}, map[string]string{"WHO": "from-env"}, "from-vars", "from-flag"},
		{"command line over vars:", map[string]string{"WHO": "from-flag"}, nil, "from-vars", "from-flag"},
		{"command line alone", map[string]string{"WHO": "from-flag"}, nil, "", "from-flag"},
		{"environment alone", nil, map[string]string{"WHO": "from-env"}, "", "from-env"},
		{"an empty flag hides nothing", map[string]string{"WHO": ""}, map[string]string{"WHO": "from-env"}, "from-vars", "from-env"},
		{"an empty environment variable hides nothing", nil, map[string]string{"WHO": ""}, "from-vars", "from-vars"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := env(tt.env)
			opts.Vars = tt.flags
			cl, err := config.Parse("p.yaml", []byte(titled(tt.checklist)), opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := cl.Checks[0].Title; got != tt.want {
				t.Errorf("title = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestNeedsEnvIsSatisfiedByEverySource: a needs_env variable set by any source lets the check run;
// set by none, the check is skipped.
func TestNeedsEnvIsSatisfiedByEverySource(t *testing.T) {
	base := "version: 1\nvars: {API_URL: 'http://base.example'}\n"
	check := "checks:\n  - id: a\n    type: http.health\n    needs_env: [API_URL]\n    with: {url: '${API_URL}/h'}\n"
	for _, tt := range []struct {
		name       string
		flags, env map[string]string
		header     string
		missing    bool
	}{
		{"--var or --vars", map[string]string{"API_URL": "http://flag.example"}, nil, "", false},
		{"environment", nil, map[string]string{"API_URL": "http://env.example"}, "", false},
		{"vars:", nil, nil, "vars: {API_URL: 'http://vars.example'}\n", false},
		{"vars: of an included file", nil, nil, "include: [base.yaml]\n", false},
		{"nowhere", nil, nil, "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := tree(t, map[string]string{"base.yaml": base, "top.yaml": "version: 1\n" + tt.header + check})
			path := filepath.Join(dir, "top.yaml")
			opts := env(tt.env)
			opts.Vars = tt.flags
			cl, err := config.LoadFile(path, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(cl.Checks[0].Missing) > 0; got != tt.missing {
				t.Errorf("missing = %v, want %v", cl.Checks[0].Missing, tt.missing)
			}
		})
	}
}

// TestSecretVarsAreNeverPrinted: a value given under a secret-looking name on the command line
// is a secret of the run whether or not the checklist uses it, and no load error prints it.
func TestSecretVarsAreNeverPrinted(t *testing.T) {
	const token, password = "tok-from-the-flag-8c1f", "pw-from-vars-4b2e"
	opts := env(nil)
	opts.Vars = map[string]string{"API_TOKEN": token, "UNUSED_PASSWORD": password, "REGION": "eu-west-1"}
	doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    timeout: ${API_TOKEN}\n    with: {url: 'http://127.0.0.1:1/${API_TOKEN}'}\n"
	_, err := config.Parse("s.yaml", []byte(doc), opts)
	if err == nil || strings.Contains(err.Error(), token) || !strings.Contains(err.Error(), "${API_TOKEN}") {
		t.Errorf("the load error must name the variable, not print its value: %v", err)
	}
	cl, err := config.Parse("s.yaml", []byte(titled("x")), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{token, password} {
		if !contains(cl.Secrets, s) {
			t.Errorf("secrets %q lack %q", cl.Secrets, s)
		}
	}
	if contains(cl.Secrets, "eu-west-1") {
		t.Errorf("a value under an ordinary name is not a secret: %q", cl.Secrets)
	}
	// A checklist's own default under a secret-looking name is masked once it is used.
	cl, err = config.Parse("s.yaml", []byte("version: 1\nvars: {DB_PASSWORD: dev-default-pw}\n"+
		"checks:\n  - id: a\n    type: http.health\n    with: {url: 'http://u:${DB_PASSWORD}@127.0.0.1:1/h'}\n"), env(nil))
	if err != nil || !contains(cl.Secrets, "dev-default-pw") {
		t.Errorf("a used vars: default is not a secret: %v %q", err, cl.Secrets)
	}
}

func TestChecklistVarsMistakes(t *testing.T) {
	doc := "version: 1\nvars:\n  api-url: x\n  LIST: [a]\n  EMPTY:\n  NESTED: ${OTHER}/x\n  OK: 1\n  OK: 2\n" +
		"checks:\n  - id: a\n    type: http.health\n    with: {url: 'http://127.0.0.1:1/h'}\n"
	_, err := config.Parse("v.yaml", []byte(doc), env(nil))
	want := strings.Join([]string{
		`v.yaml:3:3: vars: "api-url" is not a variable name (letters, digits and _, not starting with a digit)`,
		`v.yaml:4:9: vars: LIST: expected a value (a string, number or boolean), got a list`,
		`v.yaml:5:9: vars: EMPTY: expected a value (a string, number or boolean), got nothing`,
		`v.yaml:6:11: vars: NESTED: a value is literal text and cannot refer to other variables`,
		`v.yaml:8:3: vars: OK is given twice (first on line 7)`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("errors:\n%v\nwant:\n%s", err, want)
	}
}

func TestReadVarsFile(t *testing.T) {
	bad := []struct{ name, body, want string }{
		{"list.yaml", "API_URL: https://x\nDB_PASSWORD: [hunter2-secret]\n", "list.yaml:2:14: DB_PASSWORD: expected a value (a string, number or boolean), got a list"},
		{"nested.yaml", "DB:\n  PASSWORD: hunter2-secret\n", "nested.yaml:2:3: DB: expected a value (a string, number or boolean), got a mapping"},
		{"null.yaml", "API_URL:\n", "null.yaml:1:9: API_URL: expected a value (a string, number or boolean), got nothing"},
		{"name.yaml", "api-url: https://x\n", `name.yaml:1:1: "api-url" is not a variable name (letters, digits and _, not starting with a digit)`},
		{"twice.yaml", "A: 1\nA: 2\n", "twice.yaml:2:1: A is given twice (first on line 1)"},
		{"list-doc.yaml", "- A=1\n", "list-doc.yaml:1:1: a vars file is a mapping of variable names to values (API_URL: https://…), got a list"},
		{"syntax.yaml", "A: 'hunter2-secret\n", "syntax.yaml:2: invalid YAML: found unexpected end of stream"},
		{"tabs.yaml", "A: 1\n\tB: hunter2-secret\n", "tabs.yaml:2:1: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
	}
	files := map[string]string{
		"staging.yaml": "# staging\nAPI_URL: https://staging.example.com\nPORT: 8443\nVERIFY: true\nEMPTY: ''\n",
		"empty.yaml":   "# nothing yet\n",
	}
	for _, tt := range bad {
		files[tt.name] = tt.body
	}
	dir := tree(t, files)
	vars, err := config.ReadVarsFile(filepath.Join(dir, "staging.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if vars["API_URL"] != "https://staging.example.com" || vars["PORT"] != "8443" || vars["VERIFY"] != "true" || len(vars) != 4 {
		t.Errorf("vars = %v", vars)
	}
	if vars, err := config.ReadVarsFile(filepath.Join(dir, "empty.yaml")); err != nil || len(vars) != 0 {
		t.Errorf("an empty vars file: %v %v", vars, err)
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			_, err := config.ReadVarsFile(path)
			var errs config.Errors
			want := dir + string(filepath.Separator) + tt.want
			if !errors.As(err, &errs) || err.Error() != want {
				t.Errorf("error = %v\nwant %s", err, want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2-secret") {
				t.Errorf("the error prints a value: %v", err)
			}
		})
	}
	missing := filepath.Join(dir, "prod.yaml")
	if _, err := config.ReadVarsFile(missing); err == nil || err.Error() != missing+": cannot read vars file: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

func TestParseVarFlag(t *testing.T) {
	for _, tt := range []struct{ arg, name, value, err string }{
		{"API_URL=https://x/?a=b", "API_URL", "https://x/?a=b", ""},
		{"EMPTY=", "EMPTY", "", ""},
		{"hunter2-secret", "", "", "--var: expected NAME=VALUE, got an argument without ="},
		{"api-url=hunter2-secret", "", "", `--var: "api-url" is not a variable name (letters, digits and _, not starting with a digit)`},
		{"=hunter2-secret", "", "", `--var: "" is not a variable name (letters, digits and _, not starting with a digit)`},
	} {
		name, value, err := config.ParseVarFlag(tt.arg)
		if name != tt.name || value != tt.value || (err == nil) != (tt.err == "") || (err != nil && err.Error() != tt.err) {
			t.Errorf("%q: got %q %q %v, want %q %q %s", tt.arg, name, value, err, tt.name, tt.value, tt.err)
		}
	}
}

// tree writes files (by slash-separated path) into a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
