package tlscheck_test

import (
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/checklists"
	_ "github.com/launchgate/launchgate/checks/all" // the default checklist uses other kinds too
	"github.com/launchgate/launchgate/checks/tlscheck"
	"github.com/launchgate/launchgate/internal/config"
)

func getenv(vars map[string]string) config.Options {
	return config.Options{Getenv: func(k string) string { return vars[k] }}
}

// TestExampleChecklist loads the example users copy, with its variables set, and checks what
// each entry decodes to.
func TestExampleChecklist(t *testing.T) {
	cl, err := config.LoadFile("../../checklists/tls.yaml", getenv(map[string]string{
		"API_URL": "https://api.example.com", "ADMIN_HOST": "10.0.0.5", "INTERNAL_HOST": "svc.internal",
		"DATABASE_URL": "postgres://app:s3cret@db.internal:5432/app?sslmode=verify-full",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(cl.Checks) != 4 {
		t.Fatalf("%d checks", len(cl.Checks))
	}
	api := cl.Checks[0].Check.(*tlscheck.Certificate)
	if api.Host != "https://api.example.com" || api.WarnWithin.D() != 30*24*time.Hour || api.FailWithin.D() != 7*24*time.Hour ||
		api.MinVersion != "1.2" || !api.AllIPs || !api.ExpectSameCert {
		t.Errorf("api-tls: %+v", api)
	}
	admin := cl.Checks[1].Check.(*tlscheck.Certificate)
	if admin.Host != "10.0.0.5:8443" || admin.ServerName != "admin.example.com" || !admin.RequireOCSPStaple {
		t.Errorf("admin-tls: %+v", admin)
	}
	db := cl.Checks[3].Check.(*tlscheck.Certificate)
	if !strings.HasPrefix(db.Host, "postgres://") || strings.Contains(db.Title(), "s3cret") {
		t.Errorf("db-tls: host %q, title %q", db.Host, db.Title())
	}
}

// TestDefaultChecklist checks the tls entry of the embedded default checklist: skipped without
// LAUNCHGATE_URL, checking it when set.
func TestDefaultChecklist(t *testing.T) {
	for _, url := range []string{"", "https://app.example.com"} {
		cl, err := config.Parse(checklists.DefaultName, checklists.Default(), getenv(map[string]string{"LAUNCHGATE_URL": url}))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range cl.Checks {
			if e.Type != "tls" {
				continue
			}
			found = true
			if url == "" && strings.Join(e.Missing, ",") != "LAUNCHGATE_URL" {
				t.Errorf("without LAUNCHGATE_URL: missing %v", e.Missing)
			}
			if url != "" && e.Check.(*tlscheck.Certificate).Host != url {
				t.Errorf("host %q, want %q", e.Check.(*tlscheck.Certificate).Host, url)
			}
		}
		if !found {
			t.Fatal("no tls check in the default checklist")
		}
	}
}

// TestChecklistMistakes pins the loader's messages for mistakes in a tls check's parameters.
func TestChecklistMistakes(t *testing.T) {
	cases := []struct{ with, want string }{
		{"host: api.example.com\nwarn_witin: 30d", `x.yaml:7:7: check "t": with: unknown parameter "warn_witin" (did you mean "warn_within"?)`},
		{"host: ftp://x", `x.yaml:6:13: check "t": with: host: "ftp://x": unsupported scheme "ftp"`},
		{"host: x\nmin_version: 1.4", `x.yaml:7:20: check "t": with: min_version: "1.4" is not a TLS version`},
		{"host: x\nwarn_within: 7d\nfail_within: 30d", `x.yaml:8:20: check "t": with: fail_within: 30d must not be longer than warn_within (7d)`},
	}
	for _, tc := range cases {
		src := "version: 1\nchecks:\n  - id: t\n    type: tls\n    with:\n      " + strings.ReplaceAll(tc.with, "\n", "\n      ") + "\n"
		_, err := config.Parse("x.yaml", []byte(src), getenv(nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("with %q:\n got %v\nwant %s", tc.with, err, tc.want)
		}
	}
	// An unquoted 1.0 is still a version, not a float.
	src := "version: 1\nchecks:\n  - id: t\n    type: tls\n    with: {host: x, min_version: 1.0}\n"
	if _, err := config.Parse("x.yaml", []byte(src), getenv(nil)); err != nil {
		t.Errorf("min_version: 1.0 unquoted: %v", err)
	}
}

// TestQuickAudit is `launchgate check tls api.example.com`: the bare argument is the host and
// every default applies.
func TestQuickAudit(t *testing.T) {
	cl, err := config.Single("tls", []string{"api.example.com"}, 10*time.Second, getenv(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := cl.Checks[0].Check.(*tlscheck.Certificate)
	if c.Host != "api.example.com" || c.MinVersion != "1.2" || !c.AllIPs {
		t.Errorf("quick audit check: %+v", c)
	}
}
