package postgrescheck

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// newBackups is a postgres.backups check with its defaults and a short sample, then set.
func newBackups(dsn string, set func(*Backups)) *Backups {
	k, _ := kind.Lookup("postgres.backups")
	c := k.New().(*Backups)
	c.DSN = dsn
	c.Sample = kind.Duration(time.Second)
	set(c)
	return c
}

// bkPoll polls a boolean query on conn until it is true: a precondition, not an assertion.
func bkPoll(t *testing.T, conn *pgx.Conn, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	for {
		var ok bool
		if err := conn.QueryRow(ctx, query, args...).Scan(&ok); err != nil {
			t.Fatalf("waiting for %q: %v", query, err)
		}
		if ok {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// switchWAL writes something and switches to a new WAL segment, which hands the old one to
// archive_command, then waits until pg_stat_archiver shows the attempt's outcome.
func switchWAL(t *testing.T, pg *pgtest.Cluster, outcome string) {
	t.Helper()
	conn := pg.Connect(t, "", "")
	ctx := context.Background()
	var before int64
	if err := conn.QueryRow(ctx, "SELECT "+outcome+" FROM pg_stat_archiver").Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE IF NOT EXISTS wal_filler (i int); INSERT INTO wal_filler VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_switch_wal()"); err != nil {
		t.Fatal(err)
	}
	bkPoll(t, conn, "SELECT "+outcome+" > $1 FROM pg_stat_archiver", before)
}

func TestBackupsArchiving(t *testing.T) {
	t.Run("archive_command fails", func(t *testing.T) {
		pg := pgtest.Start(t, pgtest.Options{Conf: []string{"archive_mode = on", "archive_command = 'false'"}})
		switchWAL(t, pg, "failed_count")
		r := run(t, newBackups(pg.DSN("", ""), func(*Backups) {}), 30*time.Second)
		want(t, r, kind.Fail, "WAL archiving is failing", "archive_command's error", "failed at")
	})
	t.Run("archive_command copies into a directory", func(t *testing.T) {
		pg := pgtest.Start(t, pgtest.Options{})
		dir := pg.ServerDir(t, "archive")
		pg.Stop(t)
		pg = restartWith(t, pg, "archive_mode = on", fmt.Sprintf("archive_command = 'cp %%p %s/%%f'", dir))
		switchWAL(t, pg, "archived_count")
		r := run(t, newBackups(pg.DSN("", ""), func(c *Backups) { c.RequireArchiving = true }), 30*time.Second)
		want(t, r, kind.Pass, "WAL archived up to 0000000", "no new failure in 1s")
		line(t, r, "WAL archiving", kind.Pass)

		// The same archive judged against a limit it is already older than.
		old := newBackups(pg.DSN("", ""), func(c *Backups) { c.MaxArchiveAge, c.Sample = kind.Duration(time.Millisecond), 0 })
		want(t, run(t, old, 30*time.Second), kind.Fail, "the last WAL segment was archived", "archive_timeout")
	})
	t.Run("archive_mode off", func(t *testing.T) {
		pg := pgtest.Start(t, pgtest.Options{})
		want(t, run(t, newBackups(pg.DSN("", ""), func(c *Backups) { c.RequireArchiving = true }), 30*time.Second),
			kind.Fail, "does not archive WAL (archive_mode = off)", "archive_mode = on")
		// Nothing else configured: no evidence of a backup is never a pass.
		want(t, run(t, newBackups(pg.DSN("", ""), func(*Backups) {}), 30*time.Second),
			kind.Fail, "no evidence of any backup")
	})
}

// restartWith starts a stopped cluster again with more configuration lines.
func restartWith(t *testing.T, pg *pgtest.Cluster, conf ...string) *pgtest.Cluster {
	t.Helper()
	path := filepath.Join(pg.DataDir(), "postgresql.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pg.WriteServerFile(t, path, append(b, []byte("\n"+strings.Join(conf, "\n")+"\n")...))
	pg.Restart(t)
	return pg
}

// TestBackupsPgBackRest takes a real full backup with Debian's pgbackrest.
func TestBackupsPgBackRest(t *testing.T) {
	if _, err := exec.LookPath("pgbackrest"); err != nil {
		testsvc.Unavailable(t, "pgbackrest", "apt-get install pgbackrest (or run .ci/services/20-postgres-extras.sh)", err)
	}
	pg := pgtest.Start(t, pgtest.Options{})
	repo, logs := pg.ServerDir(t, "pgbackrest-repo"), pg.ServerDir(t, "pgbackrest-log")
	conf := filepath.Join(pg.Dir, "pgbackrest.conf")
	pg.WriteServerFile(t, conf, []byte(fmt.Sprintf(`[global]
repo1-path=%s
log-path=%s
lock-path=%s
start-fast=y
archive-timeout=60

[main]
pg1-path=%s
pg1-port=%d
pg1-socket-path=%s
pg1-user=postgres
`, repo, logs, logs, pg.DataDir(), pg.Port, pg.SocketDir())))
	// Read by the check, which may run as another user than the server.
	if err := os.Chmod(conf, 0o644); err != nil {
		t.Fatal(err)
	}
	pg.Stop(t)
	restartWith(t, pg, "archive_mode = on", fmt.Sprintf("archive_command = 'pgbackrest --config=%s --stanza=main archive-push %%p'", conf))
	pg.RunAsServer(t, testsvc.WaitLimit, "pgbackrest", "--config="+conf, "--stanza=main", "stanza-create")

	backrest := func(set func(*PgBackRest)) *Backups {
		return newBackups("", func(c *Backups) {
			c.Archiving = false
			c.PgBackRest = &PgBackRest{Stanza: "main", Config: conf}
			set(c.PgBackRest)
		})
	}
	want(t, run(t, backrest(func(*PgBackRest) {}), 30*time.Second), kind.Fail, "pgBackRest stanza main: no valid backups", "--type=full backup")

	pg.RunAsServer(t, 3*time.Minute, "pgbackrest", "--config="+conf, "--stanza=main", "--type=full", "backup")
	r := run(t, backrest(func(*PgBackRest) {}), 30*time.Second)
	want(t, r, kind.Pass, "pgBackRest main: newest backup", "(full) finished", "WAL archived up to")
	line(t, r, "pgbackrest main newest full backup", kind.Pass)

	// The backup's stop time has one-second resolution: once two seconds have passed it is
	// older than a second by any rounding.
	stop := newestStop(t, conf)
	for time.Since(stop) < 2*time.Second {
		time.Sleep(50 * time.Millisecond)
	}
	r = run(t, backrest(func(p *PgBackRest) { p.MaxFullAge = kind.Duration(time.Second) }), 30*time.Second)
	want(t, r, kind.Fail, "the newest full backup of stanza main finished", "(max 1s)", "--type=full backup runs")
	line(t, r, "pgbackrest main newest full backup", kind.Fail)

	r = run(t, backrest(func(p *PgBackRest) { p.MinRetention = kind.Duration(7 * 24 * time.Hour) }), 30*time.Second)
	want(t, r, kind.Fail, "less than min_retention 7d", "repo1-retention-full")

	t.Run("unknown stanza quotes pgBackRest", func(t *testing.T) {
		r := run(t, backrest(func(p *PgBackRest) { p.Stanza = "nope" }), 30*time.Second)
		want(t, r, kind.Fail, "pgBackRest stanza nope: missing stanza path", "stanza-create")
	})
	t.Run("bad config is an error", func(t *testing.T) {
		r := run(t, backrest(func(p *PgBackRest) { p.Config = filepath.Join(pg.Dir, "missing.conf") }), 30*time.Second)
		want(t, r, kind.Error, "unable to open missing file")
	})
	t.Run("no pgbackrest", func(t *testing.T) {
		r := run(t, backrest(func(p *PgBackRest) { p.Bin = "pgbackrest-not-installed" }), 30*time.Second)
		want(t, r, kind.Error, "pgbackrest-not-installed is not installed")
	})
}

// newestStop reads the newest backup's stop time the way the check does.
func newestStop(t *testing.T, conf string) time.Time {
	t.Helper()
	out, err := exec.Command("pgbackrest", "--config="+conf, "--stanza=main", "--output=json", "info").Output()
	if err != nil {
		t.Fatal(err)
	}
	var info []bkInfo
	if err := json.Unmarshal(out, &info); err != nil || len(info) != 1 || len(info[0].Backup) == 0 {
		t.Fatalf("pgbackrest info: %v\n%s", err, out)
	}
	return info[0].Backup[len(info[0].Backup)-1].stop()
}

// dumpDB fills a small database and returns pg_dump's output in the given format.
func dumpDB(t testing.TB, pg *pgtest.Cluster, format string) []byte {
	t.Helper()
	if _, err := exec.LookPath("pg_dump"); err != nil {
		testsvc.Unavailable(t, "pg_dump", "apt-get install postgresql-client-15", err)
	}
	pg.Exec(t, "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, body text)",
		"INSERT INTO notes SELECT i, repeat('x', 100) FROM generate_series(1, 1000) i ON CONFLICT DO NOTHING")
	ctx, cancel := context.WithTimeout(context.Background(), testsvc.WaitLimit)
	defer cancel()
	out, err := exec.CommandContext(ctx, "pg_dump", "--format="+format, "--dbname="+pg.DSN("", "")).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	return out
}

// writeAged writes a file with the given age.
func writeAged(t *testing.T, path string, data []byte, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-age)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestBackupsDumps(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	custom := dumpDB(t, pg, "custom")
	plain := dumpDB(t, pg, "plain")
	dumps := func(dir string, set func(*DumpFiles)) *Backups {
		return newBackups("", func(c *Backups) {
			c.Archiving = false
			c.Dumps = &DumpFiles{Path: dir, Verify: true}
			set(c.Dumps)
		})
	}
	tests := []struct {
		name   string
		files  map[string][]byte // written an hour old, except newest.*, written now
		set    func(*DumpFiles)
		status kind.Status
		want   []string
	}{
		{"custom passes", map[string][]byte{"old.dump": custom, "newest.dump": custom}, func(d *DumpFiles) { d.Pattern = "*.dump" },
			kind.Pass, []string{"newest.dump", "custom format by pg_dump 15", "--list read"}},
		{"corrupt custom fails on verify", map[string][]byte{"old.dump": custom, "newest.dump": custom[:300]}, func(*DumpFiles) {},
			kind.Fail, []string{"cannot be read", "pg_restore", "take a new dump"}},
		{"corrupt is fine unverified", map[string][]byte{"newest.dump": custom[:300]}, func(d *DumpFiles) { d.Verify = false },
			kind.Pass, []string{"newest.dump"}},
		{"plain passes", map[string][]byte{"newest.sql": plain}, func(*DumpFiles) {},
			kind.Pass, []string{`plain SQL ending with "PostgreSQL database dump complete"`}},
		{"plain cut short fails", map[string][]byte{"newest.sql": plain[:len(plain)/2]}, func(*DumpFiles) {},
			kind.Fail, []string{"is incomplete", "completion line"}},
		{"gzip passes", map[string][]byte{"newest.sql.gz": gzipped(plain)}, func(*DumpFiles) {},
			kind.Pass, []string{"gzip-compressed plain SQL ending with"}},
		{"gzip cut short fails", map[string][]byte{"newest.sql.gz": gzipped(plain)[:len(gzipped(plain))/2]}, func(*DumpFiles) {},
			kind.Fail, []string{"does not decompress", "unexpected EOF"}},
		{"newer pg_dump warns", map[string][]byte{"newest.dump": futureDump("17.2")}, func(*DumpFiles) {},
			kind.Warn, []string{"pg_dump 17.2, newer than the local pg_restore 15.", "install pg_restore 17"}},
		{"too old", map[string][]byte{"old.dump": custom}, func(d *DumpFiles) { d.MaxAge = kind.Duration(30 * time.Minute) },
			kind.Fail, []string{"old.dump, was written 1h ago (max 30m)"}},
		{"too small", map[string][]byte{"newest.dump": custom}, func(d *DumpFiles) { d.MinSize = 1 << 30 },
			kind.Fail, []string{"less than 1GiB"}},
		{"empty", map[string][]byte{"newest.dump": nil}, func(d *DumpFiles) { d.Verify = false },
			kind.Fail, []string{"less than 1 byte"}},
		{"pattern matches nothing", map[string][]byte{"newest.sql": plain}, func(d *DumpFiles) { d.Pattern = "*.dump" },
			kind.Fail, []string{`no dump matching "*.dump"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tt.files {
				age := time.Hour
				if strings.HasPrefix(name, "newest") {
					age = 0
				}
				writeAged(t, filepath.Join(dir, name), data, age)
			}
			r := run(t, dumps(dir, tt.set), 30*time.Second)
			want(t, r, tt.status, tt.want...)
		})
	}
	t.Run("directory format", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "nightly")
		if b, err := exec.Command("pg_dump", "--format=directory", "--file="+out, "--dbname="+pg.DSN("", "")).CombinedOutput(); err != nil {
			t.Fatalf("pg_dump: %v\n%s", err, b)
		}
		want(t, run(t, dumps(dir, func(*DumpFiles) {}), 30*time.Second), kind.Pass, "directory format by pg_dump 15")
	})
	t.Run("missing directory is an error", func(t *testing.T) {
		want(t, run(t, dumps(filepath.Join(t.TempDir(), "nope"), func(*DumpFiles) {}), 30*time.Second), kind.Error, "cannot list the dumps")
	})
}

// futureDump is the start of a custom format dump from a pg_dump newer than any local one.
func futureDump(version string) []byte {
	var b bytes.Buffer
	b.WriteString("PGDMP")
	b.Write([]byte{1, 16, 0, 4, 8, 1, 0}) // archive 1.16.0, int size 4, offset size 8, custom, no compression
	putInt := func(n int) {
		b.WriteByte(0)
		binary.Write(&b, binary.LittleEndian, int32(n))
	}
	for _, n := range []int{0, 0, 12, 1, 5, 126, 0} {
		putInt(n)
	}
	for _, s := range []string{"app", version, version} {
		putInt(len(s))
		b.WriteString(s)
	}
	b.WriteString(strings.Repeat("\x00", 64))
	return b.Bytes()
}

func TestArchiveHeader(t *testing.T) {
	pg := pgtest.Start(t, pgtest.Options{})
	h, err := bkArchiveHeader(dumpDB(t, pg, "custom"))
	if err != nil || !strings.HasPrefix(h.dumpVersion, "15.") || !strings.HasPrefix(h.serverVersion, "15.") {
		t.Fatalf("header of a real dump: %+v, %v", h, err)
	}
	if h, err := bkArchiveHeader(futureDump("17.2")); err != nil || h.dumpVersion != "17.2" || h.archiveVersion != "1.16.0" {
		t.Errorf("future header: %+v, %v", h, err)
	}
	for _, bad := range [][]byte{nil, []byte("PGDMP"), []byte("PGDMP\x01\x0e\x00\x09"), futureDump("17.2")[:40]} {
		if _, err := bkArchiveHeader(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzArchiveHeader(f *testing.F) {
	f.Add(futureDump("16.1"))
	f.Add([]byte("PGDMP\x01\x0e\x00\x04\x08\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := bkArchiveHeader(b)
		if err == nil && len(h.dumpVersion) > 256 {
			t.Fatalf("a version of %d bytes", len(h.dumpVersion))
		}
	})
}

// TestJudgePgBackRestInfo pins the wording for stanzas pgbackrest info can describe, at a
// fixed moment.
func TestJudgePgBackRestInfo(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	backup := func(label, typ string, age time.Duration, bad bool) string {
		stop := now.Add(-age).Unix()
		return fmt.Sprintf(`{"label":%q,"type":%q,"error":%v,"timestamp":{"start":%d,"stop":%d}}`, label, typ, bad, stop-600, stop)
	}
	stanza := func(code int, msg string, backups ...string) string {
		return fmt.Sprintf(`{"name":"main","status":{"code":%d,"message":%q},"repo":[{"key":1,"status":{"code":%d,"message":%q}}],
			"archive":[{"id":"15-1","max":"00000001000000A20000003F"}],"backup":[%s]}`, code, msg, code, msg, strings.Join(backups, ","))
	}
	tests := []struct {
		name string
		info string
		set  func(*PgBackRest)
	}{
		{"fresh", stanza(0, "ok", backup("20260303-010000F", "full", 7*24*time.Hour+11*time.Hour, false), backup("20260310-010000F_20260310-010000I", "incr", 11*time.Hour, false)),
			func(p *PgBackRest) { p.MinRetention = kind.Duration(7 * 24 * time.Hour) }},
		{"full too old", stanza(0, "ok", backup("20260301-010000F", "full", 9*24*time.Hour, false), backup("20260310-010000F_20260310-010000I", "incr", 11*time.Hour, false)),
			func(*PgBackRest) {}},
		{"nothing recent", stanza(0, "ok", backup("20260301-010000F", "full", 9*24*time.Hour, true)),
			func(p *PgBackRest) { p.MinRetention = kind.Duration(14 * 24 * time.Hour) }},
		{"no backup", stanza(2, "no valid backups"), func(*PgBackRest) {}},
		{"mismatch", stanza(5, "database mismatch", backup("20260310-010000F", "full", time.Hour, false)), func(*PgBackRest) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var info bkInfo
			if err := json.Unmarshal([]byte(tt.info), &info); err != nil {
				t.Fatal(err)
			}
			p := &PgBackRest{Stanza: "main"}
			tt.set(p)
			p.validate()
			j := &kind.Judgement{}
			o := p.judgeInfo(&info, now)
			for _, l := range o.lines {
				j.Add(l)
			}
			if o.note != "" {
				j.Note("%s", o.note)
			}
			golden.Check(t, "backups_pgbackrest_"+strings.ReplaceAll(tt.name, " ", "_")+".golden", []byte(renderResult(j.Result())))
		})
	}
}

// TestJudgeArchiver pins the wording for pg_stat_archiver readings.
func TestJudgeArchiver(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) *time.Time { v := now.Add(-ago); return &v }
	wal := func(s string) *string { return &s }
	reading := func(archived, failed int64, last, failedAt *time.Time) bkArchiver {
		a := bkArchiver{mode: "on", timeout: "0", archived: archived, failed: failed, lastAt: last, failedAt: failedAt, now: now, statsReset: at(72 * time.Hour)}
		if last != nil {
			a.lastWAL = wal("00000001000000A20000003F")
		}
		if failedAt != nil {
			a.failedWAL = wal("00000001000000A200000040")
		}
		return a
	}
	tests := []struct {
		name        string
		first, last bkArchiver
	}{
		{"healthy", reading(120, 0, at(4*time.Minute), nil), reading(120, 0, at(4*time.Minute), nil)},
		{"failing", reading(120, 30, at(2*time.Hour), at(time.Minute)), reading(120, 33, at(2*time.Hour), at(time.Second))},
		{"recovered", reading(120, 3, at(time.Minute), at(time.Hour)), reading(121, 3, at(time.Second), at(time.Hour))},
		{"never archived", reading(0, 0, nil, nil), reading(0, 0, nil, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newBackups("postgres://db/app", func(*Backups) {})
			j := &kind.Judgement{}
			for _, l := range c.judgeArchiver(tt.first, tt.last, 5*time.Second) {
				j.Add(l)
			}
			golden.Check(t, "backups_archiver_"+strings.ReplaceAll(tt.name, " ", "_")+".golden", []byte(renderResult(j.Result())))
		})
	}
}

// renderResult writes a result the way a person reads it, for golden files.
func renderResult(r kind.Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\nremedy: %s\n", r.Status, r.Summary, r.Remedy)
	for _, e := range r.Evidence {
		fmt.Fprintf(&b, "  [%s] %s: %s", e.Status, e.Label, e.Observed)
		if e.Expected != "" {
			fmt.Fprintf(&b, " (expected %s)", e.Expected)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestBackupsValidate(t *testing.T) {
	tests := []struct {
		set  func(*Backups)
		want string
	}{
		{func(c *Backups) { c.DSN = "" }, "dsn: is needed to judge WAL archiving"},
		{func(c *Backups) { c.Archiving = false }, "archiving: is false and neither pgbackrest nor dumps is given"},
		{func(c *Backups) { c.Archiving, c.RequireArchiving, c.Dumps = false, true, &DumpFiles{Path: "x"} }, "require_archiving: cannot be true with archiving: false"},
		{func(c *Backups) { c.MaxArchiveAge = 0 }, "max_archive_age: must be positive"},
		{func(c *Backups) { c.Sample = -1 }, "sample: must be positive"},
		{func(c *Backups) { c.PgBackRest = &PgBackRest{Stanza: "a b"} }, `pgbackrest: stanza "a b" is not a stanza name`},
		{func(c *Backups) { c.Dumps = &DumpFiles{Path: "x", Pattern: "[x"} }, `dumps: pattern "[x"`},
		{func(c *Backups) { c.Dumps = &DumpFiles{} }, "dumps: path is empty"},
	}
	for _, tt := range tests {
		c := newBackups("postgres://u:secretpw@db:5432/app", tt.set)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate = %v, want %q", err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "secretpw") {
			t.Errorf("the password shows: %v", err)
		}
	}
	c := newBackups("", func(c *Backups) { c.Archiving, c.PgBackRest = false, &PgBackRest{Stanza: "main"} })
	if err := c.Validate(); err != nil || c.PgBackRest.Bin != "pgbackrest" || c.PgBackRest.MaxFullAge.D() != 8*24*time.Hour || c.PgBackRest.MaxAge.D() != 26*time.Hour {
		t.Errorf("defaults: %v %+v", err, c.PgBackRest)
	}
	if r := newBackups("mysql://u@db/app", func(*Backups) {}).Run(context.Background(), kind.DefaultEnv("test")); r.Status != kind.Skip {
		t.Errorf("a mysql:// DSN: %s, want skip", r.Status)
	}
}

// TestBackupsUnreachable: a server that refuses the connection is an error, never a pass.
func TestBackupsUnreachable(t *testing.T) {
	addr := testsvc.ClosedAddr(t)
	r := run(t, newBackups("postgres://u@"+addr+"/db?sslmode=disable&connect_timeout=2", func(*Backups) {}), 10*time.Second)
	want(t, r, kind.Error, "refused")
}
