package postgrescheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
)

// BenchmarkBackupsArchiving is one run without the sample: connect, read pg_stat_archiver, close.
func BenchmarkBackupsArchiving(b *testing.B) {
	pg := pgtest.Start(b, pgtest.Options{})
	dir := pg.ServerDir(b, "archive")
	pg.Stop(b)
	conf := filepath.Join(pg.DataDir(), "postgresql.conf")
	old, err := os.ReadFile(conf)
	if err != nil {
		b.Fatal(err)
	}
	pg.WriteServerFile(b, conf, append(old, fmt.Sprintf("\narchive_mode = on\narchive_command = 'cp %%p %s/%%f'\n", dir)...))
	pg.Restart(b)
	pg.Exec(b, "CREATE TABLE filler (i int)", "SELECT pg_switch_wal()")
	c := newBackups(pg.DSN("", ""), func(c *Backups) { c.Sample = 0 })
	benchRun(b, c, func(r kind.Result) bool { return r.Status == kind.Pass || r.Status == kind.Fail })
}

// BenchmarkBackupsDumpVerify is one run over a directory of custom format dumps, verifying the
// newest with pg_restore --list (the real program, not Debian's pg_wrapper in front of it).
func BenchmarkBackupsDumpVerify(b *testing.B) {
	pg := pgtest.Start(b, pgtest.Options{})
	dir := b.TempDir()
	for i, name := range []string{"a.dump", "b.dump", "c.dump"} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, dumpDB(b, pg, "custom"), 0o644); err != nil {
			b.Fatal(err)
		}
		at := time.Now().Add(-time.Duration(3-i) * time.Minute)
		if err := os.Chtimes(path, at, at); err != nil {
			b.Fatal(err)
		}
	}
	c := newBackups("", func(c *Backups) { c.Archiving, c.Dumps = false, &DumpFiles{Path: dir, Verify: true} })
	benchRun(b, c, func(r kind.Result) bool { return r.Status == kind.Pass })
}

// benchRun validates c and runs it b.N times, failing on a result ok refuses.
func benchRun(b *testing.B, c kind.Check, ok func(kind.Result) bool) {
	b.Helper()
	if err := c.(kind.Validator).Validate(); err != nil {
		b.Fatal(err)
	}
	env := kind.DefaultEnv("bench")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if r := c.Run(ctx, env); !ok(r) {
			b.Fatalf("%s: %s", r.Status, r.Summary)
		}
		cancel()
	}
}
