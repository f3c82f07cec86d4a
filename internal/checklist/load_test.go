package checklist_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/checks/httpcheck"
	_ "github.com/launchgate/launchgate/checks/postgres"
	_ "github.com/launchgate/launchgate/checks/traffic"
	"github.com/launchgate/launchgate/internal/checklist"
)

func env(vars map[string]string) checklist.Options {
	return checklist.Options{Getenv: func(k string) string { return vars[k] }}
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
			_, err = checklist.Parse(name, data, env(nil))
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
	cl, err := checklist.LoadFile("testdata/valid/full.yaml", env(map[string]string{
		"API_URL": "https://api.example.com", "API_TOKEN": "tok-123456",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Name != "Checkout API launch" || len(cl.Checks) != 2 {
		t.Fatalf("got %q with %d checks", cl.Name, len(cl.Checks))
	}
	api := cl.Checks[0]
	if api.ID != "api-health" || api.Timeout != 5*time.Second || api.Severity != checklist.Block ||
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
	if docs.Severity != checklist.WarnOnly || docs.Timeout != 24*time.Hour || strings.Join(docs.Missing, ",") != "DOCS_URL" {
		t.Errorf("docs entry: %+v", docs)
	}
	if docs.Title != "Endpoint answers its health check" {
		t.Errorf("default title of a check with unset inputs: %q", docs.Title)
	}
}

func TestDefaultTimeoutAndTitle(t *testing.T) {
	cl, err := checklist.Parse("x.yaml", []byte("version: 1\nchecks:\n  - id: a\n    type: http.health\n    with: {url: 'http://127.0.0.1:1/h'}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cl.Checks[0].Timeout != checklist.DefaultTimeout || cl.Checks[0].Title != "Health of http://127.0.0.1:1/h" {
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
		{"http://${MISSING}", "", "environment variable MISSING is not set"},
		{"http://${HOST", "", "unterminated ${"},
		{"http://${1X}", "", "invalid variable reference ${1X}"},
	}
	for _, tt := range tests {
		doc := "version: 1\nchecks:\n  - id: a\n    type: http.health\n    with:\n      url: \"" + tt.in + "\"\n"
		cl, err := checklist.Parse("x.yaml", []byte(doc), env(vars))
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
	cl, err := checklist.Parse("x.yaml", []byte(doc), env(map[string]string{"CODE": "204", "FOLLOW": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	h := cl.Checks[0].Check.(*httpcheck.Health)
	if !h.ExpectStatus.Contains(204) || h.FollowRedirects {
		t.Errorf("got %+v", h)
	}
}

func TestSingle(t *testing.T) {
	cl, err := checklist.Single("http.health", []string{"https://api.example.com/healthz?probe=1", "max_latency=300ms", "expect_status=[200, 204]"}, 0, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	h := cl.Checks[0].Check.(*httpcheck.Health)
	if h.URL != "https://api.example.com/healthz?probe=1" || h.MaxLatency.D() != 300*time.Millisecond || !h.ExpectStatus.Contains(204) {
		t.Errorf("got %+v", h)
	}
	if cl.Checks[0].ID != "http-health" || cl.Checks[0].Timeout != checklist.DefaultTimeout {
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
		_, err := checklist.Single(tt.kind, tt.args, 0, env(nil))
		if err == nil || err.Error() != tt.want {
			t.Errorf("Single(%s, %q) error = %v, want %q", tt.kind, tt.args, err, tt.want)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	_, err := checklist.LoadFile(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
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
