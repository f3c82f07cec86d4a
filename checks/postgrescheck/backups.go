package postgrescheck

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// Backups checks that the database can be restored from something recent: WAL archiving that
// works, pgBackRest backups within their ages, or dump files that are fresh and readable.
// Everything it does only reads.
type Backups struct {
	DSN              string        `yaml:"dsn" doc:"The primary whose WAL archiving is judged (pg_stat_archiver), as a URL (postgres://user:pass@host:5432/db) or key=value DSN. Needed unless archiving is false."`
	Archiving        bool          `yaml:"archiving" doc:"Judge WAL archiving from pg_stat_archiver when archive_mode is on; false relies on pgbackrest or dumps alone."`
	RequireArchiving bool          `yaml:"require_archiving" doc:"Fail when archive_mode is off: without archived WAL there is no point-in-time recovery."`
	MaxArchiveAge    kind.Duration `yaml:"max_archive_age" doc:"Fail when the last WAL segment was archived longer ago than this; on a quiet server archive_timeout decides how often one is."`
	Sample           kind.Duration `yaml:"sample" doc:"Watch pg_stat_archiver this long and fail when failed_count grows meanwhile; 0s does not watch."`
	PgBackRest       *PgBackRest   `yaml:"pgbackrest" doc:"Judge pgBackRest's backups of a stanza: {stanza, bin, config, max_full_age, max_age, min_retention}."`
	Dumps            *DumpFiles    `yaml:"dumps" doc:"Judge the newest dump file in a directory: {path, pattern, max_age, min_size, verify, pg_restore}."`

	mainDSN
	validated bool
}

// PgBackRest is where pgBackRest keeps a stanza's backups and how fresh they must be.
type PgBackRest struct {
	Stanza       string        `yaml:"stanza" required:"true" doc:"The stanza to inspect."`
	Bin          string        `yaml:"bin" doc:"The pgbackrest program; default pgbackrest on PATH."`
	Config       string        `yaml:"config" doc:"pgBackRest's configuration file (--config); default pgBackRest's own, /etc/pgbackrest/pgbackrest.conf."`
	MaxFullAge   kind.Duration `yaml:"max_full_age" doc:"Fail when the newest full backup finished longer ago than this; default 8d."`
	MaxAge       kind.Duration `yaml:"max_age" doc:"Fail when the newest backup of any type finished longer ago than this; default 26h."`
	MinRetention kind.Duration `yaml:"min_retention" doc:"Fail when the oldest backup finished less than this long ago: the window point-in-time recovery can reach back over; unset does not judge it."`
}

// DumpFiles is where logical dumps land and how fresh and big the newest must be.
type DumpFiles struct {
	Path      string        `yaml:"path" required:"true" doc:"The directory holding the dumps; relative to the checklist."`
	Pattern   string        `yaml:"pattern" doc:"Which entries are dumps, as a shell pattern (*.dump); default every entry."`
	MaxAge    kind.Duration `yaml:"max_age" doc:"Fail when the newest dump was written longer ago than this; default 26h."`
	MinSize   kind.ByteSize `yaml:"min_size" doc:"Fail when the newest dump is smaller than this (e.g. 1MiB); unset fails only an empty one."`
	Verify    bool          `yaml:"verify" doc:"Read the newest dump: pg_restore --list for custom, directory and tar format; for plain SQL (optionally gzip), decompress it to the end and find pg_dump's completion line."`
	PgRestore string        `yaml:"pg_restore" doc:"The pg_restore program verify runs; default pg_restore on PATH."`
}

// Defaults of the nested sources, applied by Validate (the loader decodes a nested object into
// a zero value).
const (
	bkDefaultFullAge = 8 * 24 * time.Hour
	bkDefaultAge     = 26 * time.Hour
)

func init() {
	kind.Register(kind.Kind{
		Name:       "postgres.backups",
		Summary:    "PostgreSQL can be restored from something recent: WAL archiving works, pgBackRest backups and dump files are fresh and readable.",
		Title:      "PostgreSQL backups are recent and restorable",
		Positional: "dsn",
		New: func() kind.Check {
			return &Backups{Archiving: true, MaxArchiveAge: kind.Duration(time.Hour), Sample: kind.Duration(5 * time.Second)}
		},
		Example: `dsn: ${DATABASE_URL}
require_archiving: true
max_archive_age: 1h
pgbackrest:
  stanza: main
  max_full_age: 8d
  max_age: 26h
  min_retention: 7d
dumps:
  path: /backups/db
  pattern: "*.dump"
  max_age: 26h
  min_size: 1MiB
  verify: true`,
	})
}

// Title names the server, without its password.
func (c *Backups) Title() string {
	if t, err := parseTarget(c.DSN); err == nil && c.DSN != "" {
		return "Backups of " + t.address() + " are recent and restorable"
	}
	return "PostgreSQL backups are recent and restorable"
}

// Validate parses the DSN, fills in the nested sources' defaults and checks that there is
// something to judge.
func (c *Backups) Validate() error {
	var errs []error
	c.mainDSN = mainDSN{}
	if strings.TrimSpace(c.DSN) != "" {
		if err := c.parse("dsn", c.DSN); err != nil {
			errs = append(errs, err)
		}
	} else if c.Archiving {
		errs = append(errs, kind.BadParam("dsn", "is needed to judge WAL archiving; set archiving: false to rely on pgbackrest or dumps alone"))
	}
	switch {
	case !c.Archiving && c.RequireArchiving:
		errs = append(errs, kind.BadParam("require_archiving", "cannot be true with archiving: false"))
	case !c.Archiving && c.PgBackRest == nil && c.Dumps == nil:
		errs = append(errs, kind.BadParam("archiving", "is false and neither pgbackrest nor dumps is given: nothing would show a backup; configure at least one"))
	}
	if c.MaxArchiveAge <= 0 {
		errs = append(errs, kind.BadParam("max_archive_age", "must be positive, e.g. 1h"))
	}
	if c.Sample < 0 {
		errs = append(errs, kind.BadParam("sample", "must be positive, or 0s not to watch"))
	}
	if c.PgBackRest != nil {
		errs = append(errs, c.PgBackRest.validate()...)
	}
	if c.Dumps != nil {
		errs = append(errs, c.Dumps.validate()...)
	}
	c.validated = len(errs) == 0
	return errors.Join(errs...)
}

func (p *PgBackRest) validate() []error {
	var errs []error
	if p.Bin == "" {
		p.Bin = "pgbackrest"
	}
	if p.MaxFullAge == 0 {
		p.MaxFullAge = kind.Duration(bkDefaultFullAge)
	}
	if p.MaxAge == 0 {
		p.MaxAge = kind.Duration(bkDefaultAge)
	}
	if strings.TrimSpace(p.Stanza) == "" || strings.ContainsAny(p.Stanza, " \t\n=") {
		errs = append(errs, kind.BadParam("pgbackrest", "stanza %q is not a stanza name", p.Stanza))
	}
	if p.MaxFullAge < 0 || p.MaxAge < 0 || p.MinRetention < 0 {
		errs = append(errs, kind.BadParam("pgbackrest", "max_full_age, max_age and min_retention must be positive"))
	}
	return errs
}

func (d *DumpFiles) validate() []error {
	var errs []error
	if d.Pattern == "" {
		d.Pattern = "*"
	}
	if d.MaxAge == 0 {
		d.MaxAge = kind.Duration(bkDefaultAge)
	}
	if d.PgRestore == "" {
		d.PgRestore = "pg_restore"
	}
	if strings.TrimSpace(d.Path) == "" {
		errs = append(errs, kind.BadParam("dumps", "path is empty"))
	}
	if _, err := filepath.Match(d.Pattern, ""); err != nil {
		errs = append(errs, kind.BadParam("dumps", "pattern %q: %v", d.Pattern, err))
	}
	if d.MaxAge < 0 || d.MinSize < 0 {
		errs = append(errs, kind.BadParam("dumps", "max_age and min_size must be positive"))
	}
	return errs
}

// bkOutcome is what one evidence source found: its lines, what a passing summary says, and
// whether it showed anything restorable at all (a source that was not looked at does not).
type bkOutcome struct {
	lines    []kind.Line
	note     string
	evidence bool
}

func (o *bkOutcome) add(l kind.Line) { o.lines = append(o.lines, l) }

// Run asks every configured source at once (the archiver sample takes seconds) and reports
// them in a fixed order.
func (c *Backups) Run(ctx context.Context, env *kind.Env) kind.Result {
	if r := c.begin("dsn", c.validated, c.Validate); r != nil {
		return *r
	}
	if env == nil {
		env = kind.DefaultEnv("")
	}
	var sources []func() bkOutcome
	if c.Archiving && c.target != nil {
		sources = append(sources, func() bkOutcome { return c.archiving(ctx, env) })
	}
	if c.PgBackRest != nil {
		sources = append(sources, func() bkOutcome { return c.PgBackRest.judge(ctx, env) })
	}
	if c.Dumps != nil {
		sources = append(sources, func() bkOutcome { return c.Dumps.judge(ctx, env) })
	}
	outcomes := make([]bkOutcome, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcomes[i] = src()
		}()
	}
	wg.Wait()

	j := &kind.Judgement{}
	evidence := false
	for _, o := range outcomes {
		for _, l := range o.lines {
			j.Add(l)
		}
		if o.note != "" {
			j.Note("%s", o.note)
		}
		evidence = evidence || o.evidence
	}
	if !evidence && !j.Failed() {
		j.Add(kind.Line{Label: "backups", Observed: "nothing shows a backup: WAL archiving is off and neither pgbackrest nor dumps is configured", Expected: "at least one source of backups",
			Status:  kind.Fail,
			Problem: "no evidence of any backup: archive_mode is off and the check has no pgbackrest or dumps to look at",
			Remedy:  "turn on WAL archiving (archive_mode = on with an archive_command or pgBackRest's archive-push), and point this check at your backups with pgbackrest: or dumps:"})
	}
	r := j.Result()
	decidedWins(&r)
	return r
}

// bkWhen prints a moment for a result: to the minute, in UTC, with how long ago it was.
func bkWhen(at, now time.Time) string {
	return at.UTC().Format("2006-01-02 15:04 UTC") + " (" + bkAge(now.Sub(at)) + " ago)"
}

// bkAge prints an age to a useful precision: seconds under an hour, minutes under a day, then
// hours.
func bkAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Hour:
		return kind.FormatDuration(d.Round(time.Second))
	case d < 24*time.Hour:
		return kind.FormatDuration(d.Round(time.Minute))
	}
	return kind.FormatDuration(d.Round(time.Hour))
}
