package envcheck

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// fallbackBudget bounds a run whose context has no deadline (a direct call outside the runner).
const fallbackBudget = 30 * time.Second

// Parity compares the datastores of two or more environments, so that staging behaves like
// production: the same major versions, the same behaviour-changing settings, the same
// extensions.
type Parity struct {
	Environments     Environments `yaml:"environments" required:"true" doc:"Two or more environments by name, each with any of postgres, mysql and redis DSNs, e.g. staging: {postgres: ${STAGING_DATABASE_URL}}."`
	Reference        string       `yaml:"reference" doc:"The environment the others must match (the remedy changes the others); default: the one named production, prod, prd or live, else the first listed."`
	Ignore           []string     `yaml:"ignore" doc:"Items not judged, e.g. [postgres.shared_buffers, redis.maxmemory]; postgres.extensions ignores every extension."`
	PostgresSettings []string     `yaml:"postgres_settings" doc:"More PostgreSQL settings (pg_settings names) to compare, beyond the default list."`
	MySQLVariables   []string     `yaml:"mysql_variables" doc:"More MySQL/MariaDB global variables to compare, beyond the default list."`
	RedisConfig      []string     `yaml:"redis_config" doc:"More Redis CONFIG parameters to compare, beyond the default list."`

	conns [][]*conn // per environment, per store (nil when absent)
	ref   int
}

// Environments are the environments in the order the checklist lists them.
type Environments []Environment

// Environment is one environment's datastores, by DSN. Environments.UnmarshalYAML decodes it,
// so its fields are no parameters of their own.
type Environment struct {
	Name     string `yaml:"-"`
	Postgres string `yaml:"-"`
	MySQL    string `yaml:"-"`
	Redis    string `yaml:"-"`
	line     int
}

func (e Environment) dsn(store string) string {
	switch store {
	case "postgres":
		return e.Postgres
	case "mysql":
		return e.MySQL
	}
	return e.Redis
}

func init() {
	kind.Register(kind.Kind{
		Name:    "env.parity",
		Summary: "Staging behaves like production: the same datastore versions, behaviour-changing settings and extensions.",
		Title:   "Environments are alike",
		New:     func() kind.Check { return &Parity{} },
		Example: `environments:
  staging: {postgres: "${STAGING_DATABASE_URL}", redis: "${STAGING_REDIS_URL}"}
  production: {postgres: "${DATABASE_URL}", redis: "${REDIS_URL}"}
ignore: [postgres.shared_buffers, redis.maxmemory]`,
	})
}

// Title names the environments.
func (p *Parity) Title() string {
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	return "Parity of " + joinAnd(names)
}

// ParamType names the syntax in `launchgate explain`.
func (Environments) ParamType() string { return "environments" }

// JSONSchema describes environments for editors: names to datastore DSNs.
func (Environments) JSONSchema() map[string]any {
	dsn := func(doc string) map[string]any { return map[string]any{"type": "string", "description": doc} }
	return map[string]any{
		"type": "object", "minProperties": 2,
		"additionalProperties": map[string]any{
			"type": "object", "additionalProperties": false, "minProperties": 1,
			"properties": map[string]any{
				"postgres": dsn("A PostgreSQL DSN: postgres://user:password@host:5432/db or key=value."),
				"mysql":    dsn("A MySQL/MariaDB DSN: mysql://user:password@host:3306/db or user:password@tcp(host:3306)/db."),
				"redis":    dsn("A Redis URL: redis://[user:password@]host:6379[/db] or rediss:// for TLS."),
			},
		},
	}
}

// UnmarshalYAML reads the mapping by hand, keeping the checklist's order and refusing unknown
// datastores: a typo must not silently drop a datastore from the comparison.
func (e *Environments) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("expected environments by name, e.g. staging: {postgres: ${STAGING_DATABASE_URL}}")
	}
	var out Environments
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		env := Environment{Name: k.Value, line: k.Line}
		if j := slices.IndexFunc(out, func(o Environment) bool { return o.Name == k.Value }); j >= 0 {
			return fmt.Errorf("environment %q on line %d is given twice (first on line %d)", k.Value, k.Line, out[j].line)
		}
		if v.Kind != yaml.MappingNode {
			return fmt.Errorf("environment %q on line %d: expected its datastores, e.g. {postgres: ${DATABASE_URL}, redis: ${REDIS_URL}}", k.Value, k.Line)
		}
		seen := map[string]bool{}
		for j := 0; j+1 < len(v.Content); j += 2 {
			sk, sv := v.Content[j], v.Content[j+1]
			if sv.Kind != yaml.ScalarNode {
				return fmt.Errorf("environment %q, %s on line %d: expected a DSN", k.Value, sk.Value, sk.Line)
			}
			if seen[sk.Value] {
				return fmt.Errorf("environment %q: %s on line %d is given twice", k.Value, sk.Value, sk.Line)
			}
			seen[sk.Value] = true
			switch sk.Value {
			case "postgres":
				env.Postgres = sv.Value
			case "mysql":
				env.MySQL = sv.Value
			case "redis":
				env.Redis = sv.Value
			default:
				hint := ""
				if s := kind.Suggest(sk.Value, []string{"postgres", "mysql", "redis"}); s != "" {
					hint = " (did you mean " + s + "?)"
				}
				return fmt.Errorf("environment %q: unknown datastore %q on line %d%s: use postgres, mysql or redis", k.Value, sk.Value, sk.Line, hint)
			}
		}
		out = append(out, env)
	}
	*e = out
	return nil
}

var (
	pgSettingName    = regexp.MustCompile(`^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$`)
	mysqlVariable    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	redisConfigName  = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	referenceDefault = []string{"production", "prod", "prd", "live"}
)

// Validate checks the environments, their DSNs (when they are not placeholders), the lists and
// the ignore entries.
func (p *Parity) Validate() error {
	var errs []error
	bad := func(param, format string, args ...any) { errs = append(errs, kind.BadParam(param, format, args...)) }
	p.PostgresSettings = lowerNames(p.PostgresSettings, pgSettingName, "postgres_settings", bad)
	p.MySQLVariables = lowerNames(p.MySQLVariables, mysqlVariable, "mysql_variables", bad)
	p.RedisConfig = lowerNames(p.RedisConfig, redisConfigName, "redis_config", bad)
	if len(p.Environments) < 2 {
		bad("environments", "give at least two environments to compare, e.g. staging and production")
	}
	p.conns = make([][]*conn, len(p.Environments))
	shared := map[string]int{}
	for i, e := range p.Environments {
		p.conns[i] = make([]*conn, len(stores))
		if strings.TrimSpace(e.Name) == "" {
			bad("environments", "an environment on line %d has no name", e.line)
		}
		for si, s := range stores {
			dsn := e.dsn(s.name)
			if dsn == "" {
				continue
			}
			shared[s.name]++
			c, err := parseConn(s.name, dsn)
			if err != nil {
				bad("environments", "%s %s: %v", e.Name, s.name, err)
				continue
			}
			p.conns[i][si] = c
		}
	}
	if len(p.Environments) >= 2 && !slices.ContainsFunc(stores, func(s store) bool { return shared[s.name] >= 2 }) {
		bad("environments", "no datastore appears in two environments: there is nothing to compare")
	}
	p.ref = p.reference(bad)
	for _, item := range p.Ignore {
		if err := p.knownItem(item); err != nil {
			bad("ignore", "%v", err)
		}
	}
	return errors.Join(errs...)
}

// lowerNames lower-cases setting names (all three servers ignore their case) and checks them.
func lowerNames(names []string, valid *regexp.Regexp, param string, bad func(string, string, ...any)) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if !valid.MatchString(n) {
			bad(param, "%q is not a setting name", n)
			continue
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func (p *Parity) reference(bad func(string, string, ...any)) int {
	names := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		names[i] = e.Name
	}
	if p.Reference != "" {
		if i := slices.Index(names, p.Reference); i >= 0 {
			return i
		}
		hint := ""
		if s := kind.Suggest(p.Reference, names); s != "" {
			hint = " (did you mean " + s + "?)"
		}
		bad("reference", "%q is not one of the environments (%s)%s", p.Reference, strings.Join(names, ", "), hint)
		return 0
	}
	for i, n := range names {
		if slices.Contains(referenceDefault, strings.ToLower(n)) {
			return i
		}
	}
	return 0
}

// items lists what is compared for a store, in report order: the version, the fixed items, the
// default settings and the checklist's own.
func (p *Parity) items(s *store) []string {
	out := append(append([]string{}, s.fixed...), s.defaults...)
	extra := map[string][]string{"postgres": p.PostgresSettings, "mysql": p.MySQLVariables, "redis": p.RedisConfig}[s.name]
	for _, e := range extra {
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out
}

// knownItem accepts what ignore: may name: store.item for a compared item, or a PostgreSQL
// extension (postgres.extension.NAME, or postgres.extensions for all of them).
func (p *Parity) knownItem(full string) error {
	name, item, _ := strings.Cut(strings.TrimSpace(full), ".")
	s := storeNamed(name)
	if s == nil {
		return fmt.Errorf("unknown item %q: an item is postgres.NAME, mysql.NAME or redis.NAME", full)
	}
	if s.name == "postgres" && (item == "extensions" || (strings.HasPrefix(item, extensionPrefix) && len(item) > len(extensionPrefix))) {
		return nil
	}
	items := p.items(s)
	if slices.Contains(items, strings.ToLower(item)) {
		return nil
	}
	all := make([]string, len(items))
	for i, it := range items {
		all[i] = s.name + "." + it
	}
	hint := ""
	if sug := kind.Suggest(full, all); sug != "" {
		hint = " (did you mean " + sug + "?)"
	}
	return fmt.Errorf("unknown item %q%s: list a setting in %s first to ignore it", full, hint,
		map[string]string{"postgres": "postgres_settings", "mysql": "mysql_variables", "redis": "redis_config"}[s.name])
}

// ignored reports whether ignore: silences an item.
func (p *Parity) ignored(s *store, item string) bool {
	for _, ig := range p.Ignore {
		ig = strings.ToLower(strings.TrimSpace(ig))
		if ig == s.name+"."+item || (s.name == "postgres" && ig == "postgres.extensions" && strings.HasPrefix(item, extensionPrefix)) {
			return true
		}
	}
	return false
}

// Run reads every environment's datastores at once and compares them.
func (p *Parity) Run(ctx context.Context, env *kind.Env) kind.Result {
	if p.conns == nil {
		if err := p.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	ctx, cancel := probe.StopEarly(ctx, fallbackBudget)
	defer cancel()

	readings := make([][]*reading, len(p.Environments))
	var wg sync.WaitGroup
	for i := range p.Environments {
		readings[i] = make([]*reading, len(stores))
		for si := range stores {
			c := p.conns[i][si]
			if c == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				readings[i][si] = c.read(ctx, env, p.items(&stores[si]))
			}()
		}
	}
	wg.Wait()
	return p.judge(readings)
}

// side is one environment's reading of one store.
type side struct {
	env string
	r   *reading
}

// judge compares store by store. An environment that could not be read is an error line of its
// own; the others are still compared, and a difference found among them (a decided problem)
// makes the result fail rather than error.
func (p *Parity) judge(readings [][]*reading) kind.Result {
	var j kind.Judgement
	var compared []string
	for si := range stores {
		s := &stores[si]
		var sides []side
		for i, e := range p.Environments {
			if r := readings[i][si]; r != nil {
				sides = append(sides, side{e.Name, r})
			}
		}
		if readable := p.ruleReadable(&j, s, sides); readable != nil {
			same := p.compareStore(&j, s, readable)
			j.Observe(s.name, fmt.Sprintf("%d items the same in %s", same, joinAnd(envNames(readable))), "")
			compared = append(compared, s.product)
		}
	}
	if len(compared) > 0 {
		j.Note("%s alike in %s", joinAnd(compared), joinAnd(envNames(p.allSides())))
	}
	r := j.Result()
	if r.Status == kind.Error && slices.ContainsFunc(r.Evidence, func(e kind.Evidence) bool { return e.Status == kind.Fail }) {
		r.Status = kind.Fail
	}
	return r
}

func (p *Parity) allSides() []side {
	out := make([]side, len(p.Environments))
	for i, e := range p.Environments {
		out[i] = side{env: e.Name}
	}
	return out
}

// ruleReadable records each side that could not be read, and returns the readable sides in
// comparison order (the reference first), or nil when fewer than two are left.
func (p *Parity) ruleReadable(j *kind.Judgement, s *store, sides []side) []side {
	if len(sides) == 1 {
		j.Add(kind.Line{Label: s.name, Observed: "only " + sides[0].env + " has one", Expected: "two environments or more", Status: kind.Skip})
		return nil
	}
	var readable []side
	for _, sd := range sides {
		if f := sd.r.fail; f != nil {
			j.Add(kind.Line{Label: sd.env + " " + s.name, Observed: f.kind, Expected: "readable", Status: kind.Error,
				Problem: fmt.Sprintf("%s %s (%s): %s", sd.env, s.name, sd.r.target, f.summary), Remedy: f.remedy})
			continue
		}
		readable = append(readable, sd)
	}
	if len(readable) < 2 {
		return nil
	}
	ref := p.Environments[p.ref].Name
	if i := slices.IndexFunc(readable, func(sd side) bool { return sd.env == ref }); i > 0 {
		readable = append(append([]side{readable[i]}, readable[:i]...), readable[i+1:]...)
	}
	return readable
}

func envNames(sides []side) []string {
	out := make([]string, len(sides))
	for i, sd := range sides {
		out[i] = sd.env
	}
	return out
}

// joinAnd lists names the way a sentence does: "a", "a and b", "a, b and c".
func joinAnd(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
