package postgrescheck

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/launchgate/launchgate/internal/kind"
)

// Migration traces the pending migrations on a scratch database of a shadow server and judges
// what each statement does (the lock it takes, whether it rewrites or scans a table, builds an
// index) against the live size of that table in production.
type Migration struct {
	Migrations         string           `yaml:"migrations" required:"true" doc:"Glob of the migration files, relative to the checklist, e.g. db/migrations/*.up.sql or sql/V*__*.sql. They run in the order of the version number at the start of their names (golang-migrate, Flyway, dbmate); down (.down.sql), Flyway undo (U…) and repeatable (R__…) files are left out."`
	Pending            MigrationPending `yaml:"pending" doc:"Which migrations to judge: {since: REF}, the files added or changed since this branch left REF (git diff --name-only REF...HEAD), or {files: [...]}. Unset means {since: origin/main}."`
	ShadowDSN          string           `yaml:"shadow_dsn" required:"true" doc:"A PostgreSQL server where launchgate may create (and always drops) a scratch database, launchgate_trace_…, to run the migrations in: never production. Its user needs CREATEDB. Use production's major version: lock and rewrite behaviour differ between versions."`
	ShadowOnSameServer bool             `yaml:"shadow_on_same_server" doc:"Allow shadow_dsn to be the same server as dsn (told by its system identifier, not by host and port), e.g. a staging server that is both."`
	DSN                string           `yaml:"dsn" doc:"Optional, read-only: the production (or staging) database whose table sizes and write activity weigh each statement; only catalog and statistics views are read. Without it the shadow's own (usually empty) tables are weighed."`
	MaxRows            int64            `yaml:"max_rows" doc:"A table with more rows is big: rewriting it, building an index on it or scanning it under a lock that blocks its writes fails the check."`
	MaxLockWait        kind.Duration    `yaml:"max_lock_wait" doc:"The longest lock_timeout a migration may set before a statement that takes a lock blocking reads or writes of an existing table; it must set one."`

	shadow *target
	prod   mainDSN // dsn, optional
}

// MigrationPending says which migrations are pending.
type MigrationPending struct {
	Since string   `yaml:"since" doc:"A git ref: the migrations added or changed since this branch left it are pending (git diff --name-only REF...HEAD)."`
	Files []string `yaml:"files" doc:"The pending migration files, relative to the checklist."`
}

// mgDefaultSince is what pending means when the checklist does not say.
const mgDefaultSince = "origin/main"

func init() {
	kind.Register(kind.Kind{
		Name:       "postgres.migration",
		Summary:    "Pending PostgreSQL migrations, traced on a scratch database, take no long lock on a big table: rewrites, index builds and validation scans are measured and weighed by live table sizes.",
		Title:      "Pending migrations take no long lock on a big table",
		Positional: "migrations",
		New: func() kind.Check {
			return &Migration{MaxRows: 1_000_000, MaxLockWait: kind.Duration(5 * time.Second)}
		},
		Example: `migrations: db/migrations/*.up.sql
pending: {since: origin/main}
shadow_dsn: ${SHADOW_DATABASE_URL}
dsn: ${DATABASE_READONLY_URL}
max_rows: 1000000
max_lock_wait: 5s`,
	})
}

// Title names the migrations.
func (c *Migration) Title() string {
	return "Pending migrations in " + c.Migrations + " take no long lock on a big table"
}

// Effects: the check creates and drops a database on the shadow server. It only reads dsn.
func (c *Migration) Effects() kind.Effects { return kind.Effects{Writes: true} }

// Validate checks every parameter it can without connecting.
func (c *Migration) Validate() error {
	var errs []error
	if strings.TrimSpace(c.Migrations) == "" {
		errs = append(errs, kind.BadParam("migrations", "is empty: give a glob such as db/migrations/*.up.sql"))
	} else if _, err := filepath.Match(c.Migrations, ""); err != nil {
		errs = append(errs, kind.BadParam("migrations", "%q is not a valid glob: %v", c.Migrations, err))
	}
	errs = append(errs, c.Pending.validate()...)
	c.prod = mainDSN{}
	t, err := parseTarget(c.ShadowDSN)
	if err != nil {
		errs = append(errs, kind.BadParam("shadow_dsn", "%v", err))
	}
	c.shadow = t
	if strings.TrimSpace(c.DSN) != "" {
		if err := c.prod.parse("dsn", c.DSN); err != nil {
			errs = append(errs, err)
		}
	}
	if c.shadow != nil && c.prod.target != nil && !c.ShadowOnSameServer && c.shadow.address() == c.prod.target.address() {
		errs = append(errs, kind.BadParam("shadow_dsn", "names the same server as dsn (%s): the scratch database would be created on production; point it at another server, or set shadow_on_same_server: true for a staging server", c.prod.target.address()))
	}
	if c.MaxRows <= 0 {
		errs = append(errs, kind.BadParam("max_rows", "must be positive, got %d", c.MaxRows))
	}
	if c.MaxLockWait <= 0 {
		errs = append(errs, kind.BadParam("max_lock_wait", "must be positive, e.g. 5s"))
	}
	return errors.Join(errs...)
}

func (p MigrationPending) validate() []error {
	var errs []error
	if p.Since != "" && len(p.Files) > 0 {
		errs = append(errs, kind.BadParam("pending", "give since or files, not both"))
	}
	if strings.HasPrefix(p.Since, "-") || strings.ContainsAny(p.Since, " \t\r\n\x00") {
		errs = append(errs, kind.BadParam("pending", "since: %q is not a git ref", p.Since))
	}
	for i, f := range p.Files {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, kind.BadParam("pending", "files: entry %d is empty", i+1))
		}
	}
	return errs
}

// Run traces the pending migrations on a scratch database and judges what they do.
func (c *Migration) Run(ctx context.Context, env *kind.Env) kind.Result {
	if r := c.prod.begin("dsn", c.shadow != nil, c.Validate); r != nil {
		return *r
	}
	plan, res := c.plan(ctx, env)
	if res != nil {
		return *res
	}
	var prod *mgProd
	if c.prod.target != nil {
		if prod, res = c.openProd(ctx, env); res != nil {
			return *res
		}
		defer closeConn(prod.conn)
	}
	sh, res := c.openShadow(ctx, env, prod)
	if res != nil {
		return *res
	}
	// The scratch database is dropped before judging, on a context of its own: also after a
	// timeout, Ctrl-C or a panic.
	var out mgOutcome
	var dropErr error
	func() {
		defer func() { dropErr = sh.close(env) }()
		out = sh.run(ctx, env, plan, prod)
	}()
	return c.judge(ctx, plan, sh, prod, out, dropErr)
}

// plan finds the migrations and which of them are pending. Nothing pending is a skip.
func (c *Migration) plan(ctx context.Context, env *kind.Env) (*mgPlan, *kind.Result) {
	base := "."
	if env != nil && env.BaseDir != "" {
		base = env.BaseDir
	}
	files, err := mgGlob(base, c.Migrations)
	if err != nil {
		r := kind.Errorf("check the migrations glob (it is relative to the checklist) and the file names", "%v", err)
		return nil, &r
	}
	var pending map[string]bool
	from := ""
	if len(c.Pending.Files) > 0 {
		if pending, err = mgNamedFiles(base, c.Pending.Files, files); err != nil {
			r := kind.Errorf("name files the migrations glob matches in pending: files", "%v", err)
			return nil, &r
		}
		from = "as listed in pending: files"
	} else {
		ref := c.Pending.Since
		if ref == "" {
			ref = mgDefaultSince
		}
		changed, problem := mgChangedSince(ctx, filepath.Dir(files[0].Path), ref)
		if problem != nil {
			r := kind.Errorf(problem.remedy, "%s", problem.summary)
			return nil, &r
		}
		pending, from = changed, "changed since "+ref
	}
	plan := &mgPlan{from: from}
	plan.applied, plan.pending = mgPick(files, pending)
	if len(plan.pending) == 0 {
		r := kind.Result{Status: kind.Skip, Summary: fmt.Sprintf("no pending migrations: none of the %d files in %s %s", len(files), c.Migrations, from)}
		return nil, &r
	}
	for _, f := range append(append([]*mgFile(nil), plan.applied...), plan.pending...) {
		if err := mgReadFile(f); err != nil {
			r := kind.Errorf("fix the migration file", "%v", err)
			return nil, &r
		}
	}
	return plan, nil
}

// mgReadFile reads and splits a migration file.
func mgReadFile(f *mgFile) error {
	b, err := kind.ReadSmallFile(f.Path, kind.MaxFileSize)
	if err != nil {
		return fmt.Errorf("migration %s: %w", f.Name, err)
	}
	if f.Stmts, err = mgSplit(string(b)); err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	return nil
}

func (c *Migration) openProd(ctx context.Context, env *kind.Env) (*mgProd, *kind.Result) {
	cfg := c.prod.target.cfg.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	// Belt and braces: the check only reads dsn, and the session could not write if it tried.
	cfg.RuntimeParams["default_transaction_read_only"] = "on"
	conn, _, res := connectTo(ctx, env, &target{cfg: cfg, name: c.prod.target.name, red: c.prod.target.red}, "dsn connection")
	if res != nil {
		return nil, res
	}
	p, err := mgNewProd(ctx, conn, c.prod.target)
	if err != nil {
		closeConn(conn)
		r := queryError(c.prod.target, "reading its version and statistics", err)
		return nil, &r
	}
	return p, nil
}

// openShadow connects to the shadow server, makes sure it is not production, and creates the
// scratch database.
func (c *Migration) openShadow(ctx context.Context, env *kind.Env, prod *mgProd) (*mgShadow, *kind.Result) {
	conn, _, res := connectTo(ctx, env, c.shadow, "shadow connection")
	if res != nil {
		return nil, res
	}
	sh, err := mgNewShadow(ctx, conn, c.shadow)
	if err != nil {
		closeConn(conn)
		r := queryError(c.shadow, "reading its version", err)
		return nil, &r
	}
	if prod != nil && !c.ShadowOnSameServer {
		var r kind.Result
		switch {
		case prod.sysid == "" || sh.sysid == "":
			r = kind.Errorf("let both users read pg_control_system(), or set shadow_on_same_server: true if the shadow may be dsn's server",
				"cannot tell whether shadow_dsn %s is the same server as dsn %s: pg_control_system() is not readable", c.shadow.address(), c.prod.target.address())
		case prod.sysid == sh.sysid:
			r = kind.Errorf("point shadow_dsn at a server that is not production (a staging or CI server of the same major version), or set shadow_on_same_server: true for a staging server",
				"shadow_dsn %s is the same server as dsn %s (system identifier %s): the scratch database would be created on it", c.shadow.address(), c.prod.target.address(), sh.sysid)
		}
		if r.Status == kind.Error {
			closeConn(conn)
			return nil, &r
		}
	}
	now := time.Now
	if env != nil && env.Now != nil {
		now = env.Now
	}
	if err := sh.create(ctx, now()); err != nil {
		dropErr := sh.close(env)
		r := queryError(c.shadow, "creating the scratch database", err)
		if mgIsPrivilege(err) {
			r.Remedy = fmt.Sprintf("ALTER ROLE %s CREATEDB; (the check creates and drops a scratch database on the shadow server)", quoteIdent(c.shadow.cfg.User))
		}
		if dropErr != nil {
			r.Summary += "; " + dropErr.Error()
		}
		return nil, &r
	}
	return sh, nil
}

// mgIsPrivilege: the server said the role may not do this.
func mgIsPrivilege(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == sqlInsufficientPriv
}
