package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsAreSafeOnStderr: CI reads stderr as it reads stdout, so an error quoting a file name
// or a value must neither print a line of its own (a forged "::error" or "GATE OPEN") nor the
// value of a secret-looking variable.
func TestErrorsAreSafeOnStderr(t *testing.T) {
	dir := t.TempDir()
	forged := filepath.Join(dir, "a\n::error file=app.go::forged\n GATE OPEN\x1b[2J.yaml")
	if err := os.WriteFile(forged, []byte("version: 1\nchecks: [}\n"), 0o600); err != nil {
		t.Skipf("this file system refuses newlines in names: %v", err)
	}
	r := launch(t, nil, "validate", forged)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2\n%s", r.code, r.errOut)
	}
	for _, l := range strings.Split(r.errOut, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "::") || strings.HasPrefix(l, " GATE OPEN") || strings.Contains(l, "\x1b") {
			t.Errorf("stderr has a forged line %q in:\n%s", l, r.errOut)
		}
	}

	t.Setenv("LG_TEST_API_TOKEN", "tok-3f9a8c7e1d2b")
	r = launch(t, nil, "check", "http.health", "tok-3f9a8c7e1d2b")
	if strings.Contains(r.errOut+r.out, "tok-3f9a8c7e1d2b") {
		t.Errorf("a secret variable's value was printed:\n%s%s", r.out, r.errOut)
	}
}
