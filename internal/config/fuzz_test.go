package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
)

// FuzzParse feeds the loader arbitrary documents: it must never panic, and every mistake it
// reports in the document must point inside it. The document's includes resolve against an
// empty directory, where a relative include finds nothing.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.yaml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("version: 1\nchecks:\n  - {id: a, type: http.health, with: {url: '${X:-http://h}', json: {a: b}}}\n"))
	f.Add([]byte("version: 1\nchecks: &a\n  - *a\n"))
	f.Add([]byte("version: 1\nchecks:\n  - {id: a, type: http.health, timeout: ${API_TOKEN}, with: {url: '${SET}', expect_status: '${X:-${API_TOKEN}}'}}\n"))
	f.Add([]byte("version: 1\nchecks:\n  - id: a\n\ttype: http.health\n"))
	f.Add([]byte("version: 1\nchecks:\n  - {id: a, type: http.health, with: {url: 'http://h', max_latency: NaNd, follow_redirects: ${SET}}}\n"))
	f.Add([]byte("version: 1\ninclude: [a.yaml, '${SET}', [x]]\nvars: {A: '${SET}', B: [1], API_TOKEN: x}\nchecks:\n  - {id: a, type: http.health, title: '${A}', with: {url: 'http://h'}}\n"))
	f.Add([]byte("version: 1\ninclude: f.yaml\npolicy: {timezone: '${TZ:-UTC}'}\nchecks: []\n"))
	f.Add([]byte("version: 1\nchecks:\n  - {id: a, type: tls, retry: {within: ${SET}, every: .nan}, with: {host: h}}\n  - {id: b, type: tls, retry: {within: 5s, every: 5s}, with: {host: h}}\n"))
	// secret is the value of a secret-looking variable: no message may print it.
	const secret = "s3cr3t-T0ken-value"
	getenv := func(k string) string {
		switch k {
		case "SET":
			return "value"
		case "API_TOKEN":
			return secret
		}
		return ""
	}
	empty := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		cl, err := config.Parse("f.yaml", data, config.Options{Getenv: getenv, Dir: empty})
		if err == nil {
			if cl == nil {
				t.Fatal("nil checklist without error")
			}
			for _, e := range cl.Checks {
				if e.Check == nil || e.ID == "" {
					t.Fatalf("incomplete entry without error: %+v", e)
				}
			}
			return
		}
		var errs config.Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error is not config.Errors: %v", err)
		}
		if strings.Contains(err.Error(), secret) && !strings.Contains(string(data), secret) {
			t.Fatalf("an error prints the value of API_TOKEN: %v", err)
		}
		// YAML breaks lines at \n, \r\n and a lone \r.
		lines := strings.Count(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") + strings.Count(string(data), "\r") + 1
		for _, e := range errs {
			// An absolute include may name a file outside the document; its errors name it.
			if e.File == "" || e.File == "f.yaml" && (e.Line > lines+1 || e.Line < 0) {
				t.Fatalf("error points outside the document (%d lines): %v", lines, e)
			}
		}
	})
}

// FuzzSingle feeds `launchgate check KIND ARGS…` arbitrary arguments (split at NUL): it must
// never panic, and no error may print the value of a secret-looking variable.
func FuzzSingle(f *testing.F) {
	f.Add("http.health", "https://api.example.com/healthz\x00max_latency=300ms\x00expect_status=[200, 204]")
	f.Add("http.health", "url=${X:-${API_TOKEN}}\x00expect_status=${API_TOKEN}")
	f.Add("postgres.connections", "host=db user=app password=${API_TOKEN}\x00max_used_percent=NaN")
	f.Add("tls", "api.example.com\x00warn_within=NaNd")
	const secret = "s3cr3t-T0ken-value"
	getenv := func(k string) string {
		if k == "API_TOKEN" {
			return secret
		}
		return ""
	}
	f.Fuzz(func(t *testing.T, kind, args string) {
		cl, err := config.Single(kind, strings.Split(args, "\x00"), 0, config.Options{Getenv: getenv})
		if err == nil {
			if cl == nil || len(cl.Checks) != 1 || cl.Checks[0].Check == nil {
				t.Fatalf("incomplete checklist without error: %+v", cl)
			}
			return
		}
		if strings.Contains(err.Error(), secret) && !strings.Contains(kind+args, secret) {
			t.Fatalf("an error prints the value of API_TOKEN: %v", err)
		}
	})
}
