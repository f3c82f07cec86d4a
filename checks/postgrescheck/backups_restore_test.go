package postgrescheck

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFindRestore lays out what Debian installs, /usr/bin/pg_restore a link to pg_wrapper and
// each major version's programs under /usr/lib/postgresql, and checks which pg_restore verify
// runs.
func TestFindRestore(t *testing.T) {
	root := t.TempDir()
	file := func(path string) string {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return path
	}
	binRoot := filepath.Join(root, "lib", "postgresql")
	for _, v := range []string{"9.6", "13", "16", "notaversion"} {
		file(filepath.Join(binRoot, v, "bin", "pg_restore"))
	}
	if err := os.MkdirAll(filepath.Join(binRoot, "17"), 0o755); err != nil { // a version without its client
		t.Fatal(err)
	}
	emptyRoot := t.TempDir()
	wrapperDir := filepath.Join(root, "wrapper-bin")
	if err := os.MkdirAll(wrapperDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file(filepath.Join(root, "share", "pg_wrapper")), filepath.Join(wrapperDir, "pg_restore")); err != nil {
		t.Fatal(err)
	}
	realDir := filepath.Dir(file(filepath.Join(root, "opt", "bin", "pg_restore")))
	nothing := t.TempDir()

	tests := []struct {
		name, configured, path, binRoot, want string
	}{
		{"Debian's wrapper: the newest major's own", "pg_restore", wrapperDir, binRoot, filepath.Join(binRoot, "16", "bin", "pg_restore")},
		{"a real pg_restore on PATH", "pg_restore", realDir + string(os.PathListSeparator) + wrapperDir, binRoot, filepath.Join(realDir, "pg_restore")},
		{"none on PATH: the newest installed", "pg_restore", nothing, binRoot, filepath.Join(binRoot, "16", "bin", "pg_restore")},
		{"the wrapper and no version installed", "pg_restore", wrapperDir, emptyRoot, filepath.Join(wrapperDir, "pg_restore")},
		{"nothing anywhere: the name, for PATH to fail on", "pg_restore", nothing, emptyRoot, "pg_restore"},
		{"a program the checklist names", "/usr/bin/pg_restore", wrapperDir, binRoot, "/usr/bin/pg_restore"},
		{"a name the checklist gives", "pg_restore-17", wrapperDir, binRoot, "pg_restore-17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PATH", tt.path)
			if got := bkFindRestore(tt.configured, tt.binRoot); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}
