package envcheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// parity builds a validated check from environments written as name -> store -> DSN.
func parity(t *testing.T, envs []Environment, mod func(*Parity)) *Parity {
	t.Helper()
	p := &Parity{Environments: envs}
	if mod != nil {
		mod(p)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

func runParity(t *testing.T, p *Parity, timeout time.Duration) kind.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return p.Run(ctx, kind.DefaultEnv("test"))
}

// expect asserts the status, that the summary holds every want, and the evidence every line.
func expect(t *testing.T, r kind.Result, status kind.Status, summary []string, evidence []string) {
	t.Helper()
	out := golden.Result(r)
	t.Log(out)
	if r.Status != status {
		t.Errorf("status %s, want %s\n%s", r.Status, status, out)
	}
	for _, s := range summary {
		if !strings.Contains(r.Summary, s) {
			t.Errorf("summary lacks %q\n%s", s, out)
		}
	}
	for _, e := range evidence {
		if !strings.Contains(out, e) {
			t.Errorf("evidence lacks %q\n%s", e, out)
		}
	}
	if r.Status > kind.Pass && r.Remedy == "" {
		t.Errorf("a %s result without a remedy\n%s", r.Status, out)
	}
}

// TestParityPostgres: two PostgreSQL 15 clusters alike pass; a third with another
// statement_timeout and an extension installed fails, naming both and what to change where.
func TestParityPostgres(t *testing.T) {
	prod := pgtest.Start(t, pgtest.Options{})
	alike := pgtest.Start(t, pgtest.Options{})
	drifted := pgtest.Start(t, pgtest.Options{Conf: []string{"statement_timeout = '30s'"}})
	drifted.Exec(t, "CREATE EXTENSION citext")

	t.Run("same settings", func(t *testing.T) {
		p := parity(t, []Environment{{Name: "staging", Postgres: alike.DSN("", "")}, {Name: "production", Postgres: prod.DSN("", "")}}, nil)
		r := runParity(t, p, 20*time.Second)
		expect(t, r, kind.Pass, []string{"PostgreSQL alike in staging and production"}, []string{"[pass] postgres: "})
	})
	t.Run("different settings and extensions", func(t *testing.T) {
		p := parity(t, []Environment{{Name: "staging", Postgres: drifted.DSN("", "")}, {Name: "production", Postgres: prod.DSN("", "")}}, nil)
		r := runParity(t, p, 20*time.Second)
		expect(t, r, kind.Fail,
			[]string{"postgres.statement_timeout differs: production 0, staging 30s (a query that completes in one environment is cancelled in the other)",
				"extension citext is installed in staging (1.6) but not in production"},
			[]string{"[fail] postgres.statement_timeout: staging 30s (expected production 0)",
				"[fail] postgres.extension.citext: staging 1.6 (expected production not installed)"})
		if !strings.Contains(r.Remedy, "set statement_timeout to 0 in staging, as in production") {
			t.Errorf("the remedy does not say which side to change: %s", r.Remedy)
		}
		golden.Check(t, "parity/postgres.txt", []byte(golden.Result(r)))
	})
	t.Run("the reference decides the side to change", func(t *testing.T) {
		p := parity(t, []Environment{{Name: "a", Postgres: prod.DSN("", "")}, {Name: "b", Postgres: drifted.DSN("", "")}},
			func(p *Parity) { p.Reference = "b" })
		r := runParity(t, p, 20*time.Second)
		expect(t, r, kind.Fail, []string{"extension citext is installed in b (1.6) but not in a"}, nil)
		if !strings.Contains(r.Remedy, "set statement_timeout to 30s in a, as in b") || !strings.Contains(r.Remedy, "CREATE EXTENSION citext in a") {
			t.Errorf("remedy %q", r.Remedy)
		}
	})
	t.Run("ignore silences items", func(t *testing.T) {
		p := parity(t, []Environment{{Name: "staging", Postgres: drifted.DSN("", "")}, {Name: "production", Postgres: prod.DSN("", "")}},
			func(p *Parity) { p.Ignore = []string{"postgres.statement_timeout", "postgres.extensions"} })
		r := runParity(t, p, 20*time.Second)
		expect(t, r, kind.Pass, nil, []string{"[skip] postgres.statement_timeout: staging 30s (ignored) (expected production 0)"})
	})
	t.Run("extra settings, sizes warn", func(t *testing.T) {
		p := parity(t, []Environment{{Name: "staging", Postgres: drifted.DSN("", "")}, {Name: "production", Postgres: prod.DSN("", "")}},
			func(p *Parity) {
				p.Ignore = []string{"postgres.statement_timeout", "postgres.extension.citext"}
				p.PostgresSettings = []string{"Effective_Cache_Size", "no_such_setting"}
			})
		r := runParity(t, p, 20*time.Second)
		expect(t, r, kind.Warn, []string{"postgres.no_such_setting is not a setting in any environment"}, nil)
	})
	t.Run("an unreachable environment is an error for that side only", func(t *testing.T) {
		closed := testsvc.ClosedAddr(t)
		envs := []Environment{
			{Name: "production", Postgres: prod.DSN("", "")},
			{Name: "staging", Postgres: alike.DSN("", "")},
			{Name: "qa", Postgres: "postgres://app:s3cret-pw@" + closed + "/app?sslmode=disable"},
		}
		r := runParity(t, parity(t, envs, nil), 20*time.Second)
		expect(t, r, kind.Error, []string{"qa postgres (app@" + closed + "/app): connection refused by " + closed},
			[]string{"[error] qa postgres: refused (expected readable)", "[pass] postgres: ", "items the same in production and staging"})
		if strings.Contains(golden.Result(r), "s3cret-pw") {
			t.Errorf("the password leaked:\n%s", golden.Result(r))
		}
		envs[1].Postgres = drifted.DSN("", "")
		r = runParity(t, parity(t, envs, nil), 20*time.Second)
		expect(t, r, kind.Fail, []string{"postgres.statement_timeout differs", "qa postgres"}, []string{"[error] qa postgres"})
	})
}

// TestParityHangingServer: a server that accepts and never answers is reported in words before
// the deadline, and the other environments are still compared.
func TestParityHangingServer(t *testing.T) {
	hang := testsvc.HangingListener(t)
	a, b := testsvc.StartRedis(t), testsvc.StartRedis(t)
	envs := []Environment{
		{Name: "production", Redis: "redis://" + a.Addr, Postgres: "postgres://app@" + hang + "/app?sslmode=disable"},
		{Name: "staging", Redis: "redis://" + b.Addr, Postgres: "postgres://app@" + hang + "/app?sslmode=disable"},
	}
	start := time.Now()
	r := runParity(t, parity(t, envs, nil), 2*time.Second)
	testsvc.NotHung(t, start, 2*time.Second)
	expect(t, r, kind.Error, []string{"production postgres (app@" + hang + "/app): " + hang + " accepted the connection but did not answer within"},
		[]string{"[error] staging postgres: no answer", "[pass] redis: "})
}

// TestParityRedis: two instances with another maxmemory-policy fail; a size difference warns.
func TestParityRedis(t *testing.T) {
	prod := testsvc.StartRedis(t, "--maxmemory-policy", "noeviction", "--maxmemory", "64mb")
	staging := testsvc.StartRedis(t, "--maxmemory-policy", "allkeys-lru", "--maxmemory", "16mb")
	alike := testsvc.StartRedis(t, "--maxmemory-policy", "noeviction", "--maxmemory", "16mb")
	envs := func(s *testsvc.Redis) []Environment {
		return []Environment{{Name: "production", Redis: "redis://" + prod.Addr}, {Name: "staging", Redis: "redis://" + s.Addr + "/2"}}
	}
	r := runParity(t, parity(t, envs(staging), nil), 10*time.Second)
	expect(t, r, kind.Fail,
		[]string{"redis.maxmemory-policy differs: production noeviction, staging allkeys-lru (a full instance evicts keys in one environment"},
		[]string{"[fail] redis.maxmemory-policy: staging allkeys-lru (expected production noeviction)",
			"[warn] redis.maxmemory: staging 16MiB (expected production 64MiB)"})
	if !strings.Contains(r.Remedy, "set maxmemory-policy to noeviction in staging, as in production (redis.conf, or CONFIG SET then CONFIG REWRITE)") {
		t.Errorf("remedy %q", r.Remedy)
	}
	r = runParity(t, parity(t, envs(alike), nil), 10*time.Second)
	expect(t, r, kind.Warn, []string{"redis.maxmemory differs: production 64MiB, staging 16MiB (a size, which may differ on purpose)"}, nil)
	r = runParity(t, parity(t, envs(alike), func(p *Parity) { p.Ignore = []string{"redis.maxmemory"} }), 10*time.Second)
	expect(t, r, kind.Pass, []string{"Redis alike in production and staging"}, nil)
}

// TestParityRedisWithoutConfig: where CONFIG is disabled (managed Redis), the policy, limits and
// AOF still come from INFO, and what INFO does not show is said to be unreadable, not equal.
func TestParityRedisWithoutConfig(t *testing.T) {
	prod := testsvc.StartRedis(t, "--maxmemory-policy", "noeviction")
	managed := testsvc.StartRedis(t, "--maxmemory-policy", "volatile-lru", "--rename-command", "CONFIG", "")
	envs := []Environment{{Name: "production", Redis: "redis://" + prod.Addr}, {Name: "staging", Redis: "redis://" + managed.Addr}}
	r := runParity(t, parity(t, envs, nil), 10*time.Second)
	expect(t, r, kind.Fail, []string{"redis.maxmemory-policy differs: production noeviction, staging volatile-lru"},
		[]string{"[skip] redis.save: cannot be read in staging (CONFIG is disabled or renamed)", "[pass] redis: 4 items the same"})
}

// TestParityRedisSecrets: a wrong password is an error that names the side, never the password.
func TestParityRedisSecrets(t *testing.T) {
	a := testsvc.StartRedis(t, "--requirepass", "right-s3cret")
	envs := []Environment{
		{Name: "production", Redis: "redis://:right-s3cret@" + a.Addr},
		{Name: "staging", Redis: "redis://:wrong-s3cret@" + a.Addr},
	}
	r := runParity(t, parity(t, envs, nil), 10*time.Second)
	expect(t, r, kind.Error, []string{"staging redis (redis://" + a.Addr + "): " + a.Addr + ": WRONGPASS"}, []string{"[error] staging redis: authentication failed"})
	for _, secret := range []string{"right-s3cret", "wrong-s3cret"} {
		if strings.Contains(golden.Result(r), secret) {
			t.Errorf("a password leaked:\n%s", golden.Result(r))
		}
	}
}

// TestParityMariaDB: two throwaway servers with another sql_mode fail, saying what the flag
// changes on each side.
func TestParityMariaDB(t *testing.T) {
	servers := testsvc.StartMariaDBs(t,
		[]string{"--sql-mode=STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"},
		[]string{"--sql-mode=ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"},
		[]string{"--sql-mode=STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"})
	prod, staging, alike := servers[0], servers[1], servers[2]
	url := func(m *testsvc.MariaDB) string { return fmt.Sprintf("mysql://root@127.0.0.1:%d/", m.Port) }
	r := runParity(t, parity(t, []Environment{{Name: "production", MySQL: prod.DSN("root", "")}, {Name: "staging", MySQL: url(staging)}}, nil), 20*time.Second)
	expect(t, r, kind.Fail,
		[]string{"sql_mode differs: STRICT_TRANS_TABLES only in production: there a value too long or out of range fails the INSERT, while in staging it is silently truncated or clipped"},
		[]string{"[fail] mysql.sql_mode: staging ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION (expected production STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION)"})
	if !strings.Contains(r.Remedy, "set sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION' in staging, as in production") {
		t.Errorf("remedy %q", r.Remedy)
	}
	r = runParity(t, parity(t, []Environment{{Name: "production", MySQL: url(prod)}, {Name: "staging", MySQL: url(alike)}}, nil), 20*time.Second)
	expect(t, r, kind.Pass, []string{"MySQL/MariaDB alike in production and staging"}, nil)
}

// TestParityStoresPerEnvironment: each environment may have any subset of datastores; a
// datastore only one of them has is shown as not compared.
func TestParityStoresPerEnvironment(t *testing.T) {
	a, b := testsvc.StartRedis(t), testsvc.StartRedis(t)
	envs := []Environment{
		{Name: "production", Redis: "redis://" + a.Addr, MySQL: "root@tcp(" + testsvc.ClosedAddr(t) + ")/"},
		{Name: "staging", Redis: "redis://" + b.Addr},
	}
	r := runParity(t, parity(t, envs, nil), 10*time.Second)
	expect(t, r, kind.Pass, []string{"Redis alike in production and staging"}, []string{"[skip] mysql: only production has one"})
}

func TestParityValidate(t *testing.T) {
	pg := "postgres://app@db:5432/app"
	tests := []struct {
		name string
		p    Parity
		want string
	}{
		{"one environment", Parity{Environments: Environments{{Name: "production", Postgres: pg}}}, "environments: give at least two environments"},
		{"nothing shared", Parity{Environments: Environments{{Name: "a", Postgres: pg}, {Name: "b", Redis: "redis://r:6379"}}}, "no datastore appears in two environments"},
		{"foreign DSN", Parity{Environments: Environments{{Name: "a", Postgres: "mysql://app@db/app"}, {Name: "b", Postgres: pg}}}, "environments: a postgres: a mysql:// URL, not PostgreSQL"},
		{"session variable in a MySQL DSN", Parity{Environments: Environments{{Name: "a", MySQL: "app:pw@tcp(db:3306)/app?sql_mode=ANSI"}, {Name: "b", MySQL: "mysql://app@db/app"}}},
			`a mysql: DSN parameter "sql_mode" is not one env.parity passes on`},
		{"local files in a MySQL URL", Parity{Environments: Environments{{Name: "a", MySQL: "mysql://app:pw@db/app?allowAllFiles=true"}, {Name: "b", MySQL: "mysql://app@db/app"}}},
			`DSN parameter "allowAllFiles" is not one`},
		{"cleartext password", Parity{Environments: Environments{{Name: "a", MySQL: "mysql://app:pw@db/app?allowCleartextPasswords=true"}, {Name: "b", MySQL: "mysql://app@db/app"}}},
			"would send the password in the clear"},
		{"bad Redis scheme", Parity{Environments: Environments{{Name: "a", Redis: "http://r:6379"}, {Name: "b", Redis: "redis://r:6379"}}}, `unsupported scheme "http"`},
		{"unknown reference", Parity{Reference: "producton", Environments: Environments{{Name: "staging", Postgres: pg}, {Name: "production", Postgres: pg}}},
			`reference: "producton" is not one of the environments (staging, production) (did you mean production?)`},
		{"unknown ignore item", Parity{Ignore: []string{"postgres.shared_bufers"}, Environments: Environments{{Name: "a", Postgres: pg}, {Name: "b", Postgres: pg}}},
			`ignore: unknown item "postgres.shared_bufers" (did you mean postgres.shared_buffers?)`},
		{"ignore without a store", Parity{Ignore: []string{"shared_buffers"}, Environments: Environments{{Name: "a", Postgres: pg}, {Name: "b", Postgres: pg}}},
			"an item is postgres.NAME, mysql.NAME or redis.NAME"},
		{"bad setting name", Parity{PostgresSettings: []string{"work mem"}, Environments: Environments{{Name: "a", Postgres: pg}, {Name: "b", Postgres: pg}}},
			`postgres_settings: "work mem" is not a setting name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), ":pw@") {
				t.Errorf("a password leaked: %v", err)
			}
		})
	}
	ok := Parity{Ignore: []string{"postgres.extension.pg_trgm", "redis.maxmemory", "mysql.Innodb_Buffer_Pool_Size"}, MySQLVariables: []string{"Innodb_Buffer_Pool_Size"},
		Environments: Environments{{Name: "a", Postgres: pg, Redis: "redis://r:6379", MySQL: "mysql://app@db/app"}, {Name: "b", Postgres: pg, Redis: "rediss://r:6380", MySQL: "app@tcp(db:3306)/app?tls=true&parseTime=true"}}}
	if err := ok.Validate(); err != nil {
		t.Errorf("a valid check: %v", err)
	}
	if got := ok.Environments[ok.ref].Name; got != "a" {
		t.Errorf("reference %q, want the first listed", got)
	}
}

// TestParityChecklist: environments load from YAML in order and strictly (a misspelt datastore
// is caught, with its line), and the kind's example is valid.
func TestParityChecklist(t *testing.T) {
	load := func(with string) (*config.Checklist, error) {
		return config.Parse("c.yaml", []byte("version: 1\nchecks:\n  - id: p\n    type: env.parity\n    with:\n"+with),
			config.Options{Getenv: func(string) string { return "" }})
	}
	cl, err := load("      environments:\n        production: {postgres: postgres://db/app}\n        staging: {postgres: postgres://st/app}\n")
	if err != nil {
		t.Fatal(err)
	}
	p := cl.Checks[0].Check.(*Parity)
	if p.Environments[0].Name != "production" || p.Environments[1].Name != "staging" || p.Title() != "Parity of production and staging" {
		t.Errorf("environments %+v, title %q", p.Environments, p.Title())
	}
	_, err = load("      environments:\n        production: {postgres: postgres://db/app}\n        staging:\n          postgress: postgres://st/app\n")
	if err == nil || !strings.Contains(err.Error(), `environment "staging": unknown datastore "postgress" on line 9 (did you mean postgres?)`) {
		t.Errorf("a misspelt datastore was not caught: %v", err)
	}
	k, _ := kind.Lookup("env.parity")
	var with strings.Builder
	for _, l := range strings.Split(k.Example, "\n") {
		with.WriteString("      " + l + "\n")
	}
	vars := map[string]string{"STAGING_DATABASE_URL": "postgres://st/app", "DATABASE_URL": "postgres://db/app", "STAGING_REDIS_URL": "redis://st:6379", "REDIS_URL": "redis://r:6379"}
	if _, err := config.Parse("c.yaml", []byte("version: 1\nchecks:\n  - id: p\n    type: env.parity\n    with:\n"+with.String()),
		config.Options{Getenv: func(k string) string { return vars[k] }}); err != nil {
		t.Errorf("the kind's example does not load: %v", err)
	}
}

// TestParityNeedsEnv: while the DSNs' variable is unset the check loads as skipped, and a
// mistake in a literal parameter is still reported at its own line.
func TestParityNeedsEnv(t *testing.T) {
	build := func(ignore string) string {
		return "version: 1\nchecks:\n  - id: p\n    type: env.parity\n    needs_env: [LG_TEST_URL]\n    with:\n" +
			"      environments:\n        production: {postgres: \"${LG_TEST_URL}\"}\n        staging: {postgres: \"${LG_TEST_URL}\"}\n" +
			"      ignore: [" + ignore + "]\n"
	}
	unset := config.Options{Getenv: func(string) string { return "" }}
	_, err := config.Parse("c.yaml", []byte(build("postgres.shared_bufers")), unset)
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 10 || !strings.Contains(errs[0].Msg, `unknown item "postgres.shared_bufers"`) {
		t.Errorf("want one error at line 10 about the ignore entry, got %v", err)
	}
	cl, err := config.Parse("c.yaml", []byte(build("postgres.shared_buffers")), unset)
	if err != nil || len(cl.Checks[0].Missing) != 1 {
		t.Errorf("only the placeholder is empty, yet: %v", err)
	}
}

// TestVersionComparison pins how versions are judged: another major (PostgreSQL) or minor
// (MySQL, Redis) release fails, another patch warns.
func TestVersionComparison(t *testing.T) {
	tests := []struct {
		store      string
		ref, other string
		status     kind.Status
		problem    string
	}{
		{"postgres", "PostgreSQL 15.6", "PostgreSQL 16.2", kind.Fail, "production runs PostgreSQL 15, staging 16"},
		{"postgres", "PostgreSQL 15.6", "PostgreSQL 15.4", kind.Warn, "production runs PostgreSQL 15.6, staging 15.4 (the same PostgreSQL release, other patch levels)"},
		{"postgres", "PostgreSQL 9.6.24", "PostgreSQL 9.5.25", kind.Fail, "production runs PostgreSQL 9.6, staging 9.5"},
		{"mysql", "MySQL 8.0.36", "MariaDB 10.11.6", kind.Fail, "production runs MySQL 8.0, staging MariaDB 10.11"},
		{"redis", "Redis 7.2.4", "Redis 7.0.15", kind.Fail, "production runs Redis 7.2, staging 7.0"},
	}
	for _, tt := range tests {
		known := []side{{env: "production"}, {env: "staging"}}
		l := difference(storeNamed(tt.store), "version", known, []string{tt.ref, tt.other})
		if l.Status != tt.status || l.Problem != tt.problem || !strings.Contains(l.Remedy, "staging") {
			t.Errorf("%s vs %s: got %s %q (%s), want %s %q", tt.ref, tt.other, l.Status, l.Problem, l.Remedy, tt.status, tt.problem)
		}
	}
}
