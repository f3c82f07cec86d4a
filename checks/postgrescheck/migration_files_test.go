package postgrescheck

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/kind"
)

func TestMigrationVersionOrder(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		// golang-migrate, ordered by number, not by text: 10 after 9.
		"10_late.up.sql", "9_early.up.sql", "9_early.down.sql",
		// Flyway: dotted and underscored versions, undo and repeatable files left out.
		"V1.10__ten.sql", "V1.9__nine.sql", "V1_2__two.sql", "U1.9__undo.sql", "R__views.sql",
		"notes.txt",
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("SELECT 1;"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ glob, want string }{
		{"*.sql", ""}, // the two schemes mixed: 1.x come before 9 and 10
		{"*_*.up.sql", "9_early.up.sql 10_late.up.sql"},
		{"V*__*.sql", "V1_2__two.sql V1.9__nine.sql V1.10__ten.sql"},
	} {
		files, err := mgGlob(dir, tc.glob)
		if err != nil {
			t.Fatalf("%s: %v", tc.glob, err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Name)
		}
		want := tc.want
		if want == "" {
			want = "V1_2__two.sql V1.9__nine.sql V1.10__ten.sql 9_early.up.sql 10_late.up.sql"
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s: %q, want %s", tc.glob, got, want)
		}
	}
}

func TestMigrationGlobRefusesWhatItCannotOrder(t *testing.T) {
	for _, tc := range []struct {
		files []string
		glob  string
		want  string
	}{
		{[]string{"0001_a.sql", "schema.sql"}, "*.sql", "cannot order schema.sql: no version number"},
		{[]string{"0001_a.up.sql", "1_b.up.sql"}, "*.up.sql", "0001_a.up.sql and 1_b.up.sql have the same version 1"},
		{[]string{"0001_a.down.sql"}, "*.sql", `migrations "*.sql" matches no migration file`},
		{nil, "[", "syntax error in pattern"},
	} {
		dir := t.TempDir()
		for _, n := range tc.files {
			if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := mgGlob(dir, tc.glob); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %s: %v, want %q", tc.files, tc.glob, err, tc.want)
		}
	}
}

func TestMigrationNamedFiles(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"0001_a.up.sql", "0002_b.up.sql", "0002_b.down.sql"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := mgGlob(dir, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	pending, err := mgNamedFiles(dir, []string{"./0002_b.up.sql"}, files)
	if err != nil {
		t.Fatal(err)
	}
	applied, pend := mgPick(files, pending)
	if len(applied) != 1 || applied[0].Name != "0001_a.up.sql" || len(pend) != 1 || pend[0].Name != "0002_b.up.sql" {
		t.Errorf("applied %v, pending %v", applied, pend)
	}
	if _, err := mgNamedFiles(dir, []string{"0002_b.down.sql"}, files); err == nil || !strings.Contains(err.Error(), "pending file 0002_b.down.sql is not one of the migrations") {
		t.Errorf("a down file named as pending: %v", err)
	}
}

func TestMigrationValidate(t *testing.T) {
	k, _ := kind.Lookup("postgres.migration")
	base := func() *Migration {
		m := k.New().(*Migration)
		m.Migrations, m.ShadowDSN, m.DSN = "db/*.sql", "postgres://ci@shadow:5432/postgres", "postgres://ro:secret@db:5432/shop"
		return m
	}
	if err := base().Validate(); err != nil {
		t.Fatalf("a good check: %v", err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Migration)
		param string
		want  string
	}{
		{"bad glob", func(m *Migration) { m.Migrations = "db/[.sql" }, "migrations", "is not a valid glob"},
		{"since and files", func(m *Migration) { m.Pending = MigrationPending{Since: "main", Files: []string{"db/1_a.sql"}} }, "pending", "give since or files, not both"},
		{"an option for a ref", func(m *Migration) { m.Pending.Since = "--output=/etc/passwd" }, "pending", "is not a git ref"},
		{"no shadow", func(m *Migration) { m.ShadowDSN = "" }, "shadow_dsn", "empty DSN"},
		{"shadow is production", func(m *Migration) { m.ShadowDSN = "postgres://admin@db:5432/postgres" }, "shadow_dsn", "names the same server as dsn (db:5432)"},
		{"no rows", func(m *Migration) { m.MaxRows = 0 }, "max_rows", "must be positive"},
		{"no wait", func(m *Migration) { m.MaxLockWait = 0 }, "max_lock_wait", "must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base()
			tc.edit(m)
			err := m.Validate()
			var pe *kind.ParamError
			if !errors.As(err, &pe) || pe.Param != tc.param || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %v, want %s: …%s…", err, tc.param, tc.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error shows a password: %v", err)
			}
		})
	}
	m := base()
	m.ShadowDSN = "postgres://admin@db:5432/postgres"
	m.ShadowOnSameServer = true
	if err := m.Validate(); err != nil {
		t.Errorf("shadow_on_same_server allows it: %v", err)
	}
	if got := m.Effects(); !got.Writes {
		t.Errorf("Effects() = %+v: the check creates a database", got)
	}
	m.DSN = "mysql://ro@db/shop"
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if r := m.Run(t.Context(), kind.DefaultEnv("test")); r.Status != kind.Skip || !strings.Contains(r.Summary, "not PostgreSQL") {
		t.Errorf("a MySQL dsn: %s %q", r.Status, r.Summary)
	}
}
