package config_test

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/checks/httpcheck"
	_ "github.com/launchgate/launchgate/checks/postgrescheck"
	"github.com/launchgate/launchgate/internal/config"
)

func env(vars map[string]string) config.Options {
	return config.Options{Getenv: func(k string) string { return vars[k] }}
}

func TestInvalidChecklists(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			_, err = config.Parse(name, data, env(nil))
			if err == nil {
				t.Fatal("loaded without error")
			}
			got := err.Error() + "\n"
			want := strings.TrimSuffix(file, ".yaml") + ".txt"
			if golden.Update() {
				if err := os.WriteFile(want, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			exp, err := os.ReadFile(want)
			if err != nil {
				t.Fatalf("missing expected messages (run go test -update): %v", err)
			}
			if got != string(exp) {
				t.Errorf("messages differ\n--- got\n%s--- want\n%s", got, exp)
			}
		})
	}
}

func TestLoadValid(t *testing.T) {
	cl, err := config.LoadFile("testdata/valid/full.yaml", env(map[string]string{
		"API_URL": "https://api.example.com", "API_TOKEN": "tok-123456",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Name != "Checkout API launch" || len(cl.Checks) != 2 {
		t.Fatalf("got %q with %d checks", cl.Name, len(cl.Checks))
	}
	api := cl.Checks[0]
	if api.ID != "api-health" || api.Timeout != 5*time.Second || api.Severity != config.Block ||
		strings.Join(api.Tags, ",") != "edge,smoke" || api.Line != 6 || api.Column != 5 {
		t.Errorf("entry fields: %+v", api)
	}
	h := api.Check.(*httpcheck.Health)
	if h.URL != "https://api.example.com/healthz" || h.MaxLatency.D() != 500*time.Millisecond ||
		h.Headers["Authorization"] != "Bearer tok-123456" || h.JSON["status"] != "pass" ||
		!h.ExpectStatus.Contains(204) || h.ExpectStatus.Contains(201) || h.Method != "GET" {
		t.Errorf("decoded with: %+v", h)
	}
	// The token came from a secret-looking variable and sits in a secret-looking header value.
	if !contains(cl.Secrets, "tok-123456") {
		t.Errorf("secrets %q do not include the expanded token", cl.Secrets)
	}
	docs := cl.Checks[1]
	if docs.Severity != config.WarnOnly || docs.Timeout != 24*time.Hour || strings.Join(docs.Missing, ",") != "DOCS_URL" {
		t.Errorf("docs entry: %+v", docs)
	}
	if docs.Title != "Endpoint answers its health check" {
		t.Errorf("default title of a check with unset inputs: %q", docs.Title)
	}
}

func TestDefaultTimeoutAndTitle(t *testing.T) {
	cl, err := config.Parse("x.yaml", []byte("version: 1\nchecks:\n  - id: a\n    type: http.health\n    with: {url: 'http://127.0.0.1:1/h'}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Checks[0].Timeout != config.DefaultTimeout || cl.Checks[0].Title != "Health of http://127.0.0.1:1/h" {
		t.Errorf("got timeout %s title %q", cl.Checks[0].Timeout, cl.Checks[0].Title)
	}
}

func TestExpansion(t *testing.T) {
	vars := map[string]string{"HOST": "api.example.com", "PORT": "8443", "EMPTY": ""}
	tests := []struct {
		in, want, err string
	}{
		{"https://${HOST}/x", "https://api.example.com/x", ""},
		{"https://${HOST}:${PORT}", "https://api.example.com:8443", ""},
		{"${MISSING:-http://fallback.example}", "http://fallback.example", ""},
		{"${EMPTY:-http://empty.example}", "http://empty.example", ""},
		{"${MISSING:-https://${HOST}}", "https://api.example.com", ""},
		{"http://h/$${HOST}", "http://h/${HOST}", ""},
		{"http://${MISSING}", "", "variable MISSING is not set"},
		{"http://${HOST", "", "unterminated ${"},
		{"http://${1X}", "", "invalid variable reference ${1X}"},
		{"http://${HOST:-${1X}}", "", "invalid variable reference ${1X}"},
		{"http://${HO ST}", "", "invalid variable reference ${HO ST}: use ${NAME} or ${NAME:-default}"},
		{"${MISSING:-http://h/$${X}}", "http://h/${X}", ""},
		{"https://${HOST:-${MISSING}}", "https://api.example.com", ""},
		{"${MISSING:-http://${HOST}:${PORT:-1}}", "http://api.example.com:8443", ""},
		{nest(16, "http://deep.example"), "http://deep.example", ""},
		{nest(17, "http://deep.example"), "", "variable defaults nest more than 16 levels deep in \"${A:-${A:-"},
	}
	for _, tt := range tests {
		doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with:\n      url: \"" + tt.in + "\"\n"
		cl, err := config.Parse("x.yaml", []byte(doc), env(vars))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.in, err, tt.err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "x.yaml:6:12: ") {
				t.Errorf("%s: error has no position: %v", tt.in, err)
			}
			continue
		}
		if err != nil {
			// $${HOST} stays literal and is not a valid URL host; only its expansion matters here.
			if !strings.Contains(tt.want, "${") {
				t.Errorf("%s: %v", tt.in, err)
				continue
			}
		}
		if cl != nil {
			if got := cl.Checks[0].Check.(*httpcheck.Health).URL; got != tt.want {
				t.Errorf("%s: got %q, want %q", tt.in, got, tt.want)
			}
		}
	}
}

func TestExpandedIntegerTypes(t *testing.T) {
	// ${VAR} in a plain scalar is re-resolved after expansion, so it can fill a typed field.
	doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with:\n      url: http://h.example\n      expect_status: ${CODE}\n      follow_redirects: ${FOLLOW}\n"
	cl, err := config.Parse("x.yaml", []byte(doc), env(map[string]string{"CODE": "204", "FOLLOW": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	h := cl.Checks[0].Check.(*httpcheck.Health)
	if !h.ExpectStatus.Contains(204) || h.FollowRedirects {
		t.Errorf("got %+v", h)
	}
}

func TestSingle(t *testing.T) {
	cl, err := config.Single("http.health", []string{"https://api.example.com/healthz?probe=1", "max_latency=300ms", "expect_status=[200, 204]"}, 0, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := cl.Checks[0].Check.(*httpcheck.Health)
	if h.URL != "https://api.example.com/healthz?probe=1" || h.MaxLatency.D() != 300*time.Millisecond || !h.ExpectStatus.Contains(204) {
		t.Errorf("got %+v", h)
	}
	if cl.Checks[0].ID != "http-health" || cl.Checks[0].Timeout != config.DefaultTimeout {
		t.Errorf("entry: %+v", cl.Checks[0])
	}

	tests := []struct {
		kind string
		args []string
		want string
	}{
		{"http.helth", nil, `unknown check type "http.helth" (did you mean "http.health"?)`},
		{"http.health", []string{"max_latency=1s"}, `check http.health: missing required parameter "url" for http.health`},
		{"http.health", []string{"url=http://x.example", "max_latncy=1s"}, "unknown parameter \"max_latncy\" for http.health (did you mean \"max_latency\"?) (see `launchgate explain http.health`)"},
		{"http.health", []string{"http://x.example", "http://y.example"}, `check http.health: with: parameter "url" is given twice`},
		{"postgres.connections", []string{"postgres://u:pw@db/app?sslmode=require", "x=1"}, "unknown parameter \"x\" for postgres.connections (see `launchgate explain postgres.connections`)"},
		{"http.health", []string{"url=http://x.example", "max_latency=soon"}, `check http.health: with: max_latency: invalid duration "soon": use a value like 500ms, 10s or 30d`},
	}
	for _, tt := range tests {
		_, err := config.Single(tt.kind, tt.args, 0, env(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Single(%s, %q) error = %v, want %q", tt.kind, tt.args, err, tt.want)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	_, err := config.LoadFile(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	if err == nil || !strings.HasSuffix(err.Error(), "nope.yaml: cannot read checklist: no such file or directory") {
		t.Errorf("got %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLoadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(16<<20 + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tests := []struct{ path, want string }{
		{dir, dir + ": cannot read checklist: is a directory, not a regular file"},
		{big, big + ": cannot read checklist: is 16777217 bytes, more than the 16777216 bytes (16MiB) such a file may hold"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct{ path, want string }{"/dev/zero", "/dev/zero: cannot read checklist: is a character device, not a regular file"})
	}
	for _, tt := range tests {
		_, err := config.LoadFile(tt.path, env(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("LoadFile(%s) error = %v\nwant %s", tt.path, err, tt.want)
		}
	}
}

func TestLoadFromStandardInput(t *testing.T) {
	doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with: {url: 'http://127.0.0.1:1/h'}\n"
	cl, err := config.LoadFile("-", config.Options{Stdin: strings.NewReader(doc)})
	if err != nil {
		t.Fatal(err)
	}
	// Relative paths in a checklist from standard input resolve against the working directory.
	if cl.File != config.StdinName || cl.Dir != "" || len(cl.Checks) != 1 {
		t.Errorf("got file %q dir %q with %d checks", cl.File, cl.Dir, len(cl.Checks))
	}

	_, err = config.LoadFile("-", config.Options{Stdin: strings.NewReader("version: 1\nchecks:\n  - id: A\n")})
	if want := `<stdin>:3:9: checks[0]: id "A" must use only a-z, 0-9 and -`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to say %s", err, want)
	}

	_, err = config.LoadFile("-", config.Options{Stdin: io.LimitReader(zeros{}, 16<<20+1)})
	if want := "<stdin>: cannot read checklist from standard input: holds more than the limit of 16MiB"; err == nil || err.Error() != want {
		t.Errorf("endless input: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestLoadFileDir(t *testing.T) {
	cl, err := config.LoadFile("testdata/valid/full.yaml", env(map[string]string{"API_URL": "https://api.example.com", "API_TOKEN": "t"}))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Dir != "testdata/valid" {
		t.Errorf("Dir = %q", cl.Dir)
	}
}

// nest writes ${A:-${A:-…inner…}} with depth references.
func nest(depth int, inner string) string {
	return strings.Repeat("${A:-", depth) + inner + strings.Repeat("}", depth)
}

// TestExpansionIsBounded: expansion reads a value once, however its references nest (40,000
// levels used to take 21 s), and never grows the checklist past the file size cap.
func TestExpansionIsBounded(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	tests := []struct {
		name, value, want string
	}{
		{"deep nesting", nest(40000, "http://h"), "variable defaults nest more than 16 levels deep"},
		{"unterminated deep nesting", strings.Repeat("${A:-", 40000), "variable defaults nest more than 16 levels deep"},
		{"many references", strings.Repeat("${A:-${B:-x}}", 100000), `x.yaml:6:12: check "a": with: url: "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`},
		{"expansion bomb", strings.Repeat("${BIG}", 20), "expanding variables makes the checklist larger than 16 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with:\n      url: '" + tt.value + "'\n"
			// The work is measured in bytes allocated, which a loaded machine does not change:
			// the quadratic expander copied the rest of the value at every level (gigabytes
			// for 40,000 levels); expansion capped at 16 MiB stays within a few times that.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := config.Parse("x.yaml", []byte(doc), env(map[string]string{"BIG": big}))
			runtime.ReadMemStats(&after)
			t.Logf("allocated %d MiB", (after.TotalAlloc-before.TotalAlloc)>>20)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %.400v, want %q", err, tt.want)
			}
			// A kind that quotes a value of megabytes does not make a message of megabytes.
			if len(err.Error()) > 400 {
				t.Errorf("message of %d bytes: %.400s", len(err.Error()), err)
			}
		})
	}
}

func TestTabIndentation(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"version: 1\nchecks:\n\t- id: a\n", "x.yaml:3:1: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
		{"version: 1\nchecks:\n  - id: a\n\t  type: x\n", "x.yaml:4:1: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
		{"version: 1\nchecks:\n  - id: a\n  \ttype: x\n", "x.yaml:4:3: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
		{"\tversion: 1\n", "x.yaml:1:1: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
		{"a: |\n  x\n\ty\n", "x.yaml:3:1: invalid YAML: tabs are not allowed for indentation: indent with spaces"},
		// A character that cannot start a token, with a tab far away: the message stays yaml.v3's.
		{"a: `x`\nb: 1\nc: 2\nd: |\n  \tkept\n", "x.yaml: invalid YAML: found character that cannot start any token"},
	}
	for _, tt := range tests {
		_, err := config.Parse("x.yaml", []byte(tt.doc), env(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: error = %v\nwant %s", tt.doc, err, tt.want)
		}
	}
}
