package redischeck

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// Roles say what an instance holds, which decides the eviction policy and persistence it needs.
const (
	RoleSessions = "sessions"
	RoleCache    = "cache"
	RoleQueue    = "queue"
)

var policies = []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

// Memory checks that a Redis instance is bounded, has room, evicts (or refuses) the way what it
// holds needs, and keeps sessions and jobs across a restart. The outage it answers: one Redis
// held sessions, cache and queue, hit its memory limit, and a restart logged every user out.
type Memory struct {
	URL              string   `yaml:"url" required:"true" doc:"The instance: redis://[user:password@]host:6379[/db], or rediss:// for TLS, e.g. ${REDIS_URL}."`
	Role             string   `yaml:"role" doc:"What the instance holds: sessions, cache or queue. It decides which eviction policy fits and whether persistence is required; empty judges only memory and allowed_policies."`
	MaxUsedPercent   int      `yaml:"max_used_percent" doc:"Fail when used_memory reaches this percentage of maxmemory (and connected_clients this percentage of maxclients)."`
	WarnUsedPercent  int      `yaml:"warn_used_percent" doc:"Warn when used_memory (or connected_clients) reaches this percentage."`
	RequireMaxmemory bool     `yaml:"require_maxmemory" doc:"Fail when maxmemory is 0 (unbounded: the host's OOM killer decides when Redis dies)."`
	AllowedPolicies  []string `yaml:"allowed_policies" doc:"maxmemory-policy values accepted, e.g. [allkeys-lru]; empty accepts what the role allows."`
	RequirePersist   *bool    `yaml:"require_persistence" doc:"Fail when neither RDB snapshots nor AOF are on (a failing save or AOF write fails in any case). Defaults to true for sessions and queue, false otherwise."`

	target *target
}

func init() {
	kind.Register(kind.Kind{
		Name:       "redis.memory",
		Summary:    "A Redis instance is bounded, has memory and clients to spare, and its eviction policy and persistence fit what it holds.",
		Title:      "Redis memory, eviction and persistence fit its role",
		Positional: "url",
		New: func() kind.Check {
			return &Memory{MaxUsedPercent: 80, WarnUsedPercent: 70, RequireMaxmemory: true}
		},
		Example: `url: ${REDIS_URL}
role: cache          # sessions, cache or queue
max_used_percent: 80
allowed_policies: [allkeys-lru, allkeys-lfu]`,
	})
}

// Title names the instance, without its password.
func (m *Memory) Title() string {
	name := "Redis"
	if t, err := parseURL(m.URL); err == nil {
		name = t.Name
	}
	if m.Role != "" {
		return fmt.Sprintf("%s fits its role (%s)", name, m.Role)
	}
	return "Memory and eviction of " + name
}

// Validate parses the URL and checks the role and policies.
func (m *Memory) Validate() error {
	var errs []error
	t, err := parseURL(m.URL)
	if err != nil {
		errs = append(errs, kind.BadParam("url", "%w", err))
	}
	m.target = t
	m.Role = strings.ToLower(strings.TrimSpace(m.Role))
	switch m.Role {
	case "", RoleSessions, RoleCache, RoleQueue:
	default:
		errs = append(errs, kind.BadParam("role", "%q: use sessions, cache or queue", m.Role))
	}
	for _, p := range m.AllowedPolicies {
		if !slices.Contains(policies, p) {
			errs = append(errs, kind.BadParam("allowed_policies", "unknown policy %q (one of %s)", p, strings.Join(policies, ", ")))
		}
	}
	maxOK := m.MaxUsedPercent >= 1 && m.MaxUsedPercent <= 100
	if !maxOK {
		errs = append(errs, kind.BadParam("max_used_percent", "must be between 1 and 100, not %d", m.MaxUsedPercent))
	}
	// A bad max_used_percent is reported once, not again as warn_used_percent's bound.
	if m.WarnUsedPercent < 1 || (maxOK && m.WarnUsedPercent > m.MaxUsedPercent) {
		errs = append(errs, kind.BadParam("warn_used_percent", "must be between 1 and max_used_percent (%d), not %d", m.MaxUsedPercent, m.WarnUsedPercent))
	}
	return errors.Join(errs...)
}

func (m *Memory) persistenceRequired() bool {
	if m.RequirePersist != nil {
		return *m.RequirePersist
	}
	return m.Role == RoleSessions || m.Role == RoleQueue
}

// facts is what the check reads from the server.
type facts struct {
	info       map[string]string
	keys       int64 // across all databases
	expires    int64 // keys with a TTL, across all databases
	maxmemory  int64
	policy     string
	maxclients int64
	save       string // the RDB save schedule; "?" when CONFIG GET is unavailable
	fromConfig bool   // the limits came from CONFIG GET (else from INFO)
}

// Run reads INFO and, where allowed, CONFIG GET. Both are read-only.
func (m *Memory) Run(ctx context.Context, env *kind.Env) kind.Result {
	if m.target == nil {
		if err := m.Validate(); err != nil {
			return kind.Errorf("fix the url parameter", "%v", err)
		}
	}
	t := m.target
	timeout, given := probe.Budget(ctx, defaultBudget), probe.GivenTimeout(ctx, defaultBudget)
	c, watch := t.Client(env, timeout, nil, probe.MaxReply)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// go-redis passes on why a read failed, but the watch knows for sure when it was the cap.
	explain := func(err error, what string) kind.Result {
		if over := watch.Err(); over != nil {
			err = over
		}
		return t.explain(err, what, given)
	}

	raw, err := c.Info(ctx).Result()
	if err != nil {
		if watch.Err() == nil && (strings.Contains(err.Error(), "max number of clients reached") ||
			(!probe.IsTimeout(err) && ctx.Err() == nil && t.refusedForMaxclients(ctx, env))) {
			r := kind.Failf("find the clients that hold too many connections (CLIENT LIST as an admin), cap their pools, or raise maxclients",
				"%s refused the connection: max number of clients reached (maxclients)", t.Name)
			r.Evidence = []kind.Evidence{{Label: "connect", Observed: "ERR max number of clients reached", Expected: "a connection", Status: kind.Fail}}
			return r
		}
		return explain(err, "read INFO")
	}
	f := parseInfo(raw)
	// CONFIG is often disabled or renamed on managed Redis; INFO carries maxmemory and the
	// policy too, which is enough, and says so in the evidence.
	f.fromConfig = true
	for _, p := range []string{"maxmemory", "maxmemory-policy", "maxclients", "save"} {
		v, err := c.ConfigGet(ctx, p).Result()
		if err != nil || len(v) == 0 {
			if ctx.Err() != nil || watch.Err() != nil {
				return explain(err, "run CONFIG GET")
			}
			f.fromConfig = false
			break
		}
		switch p {
		case "maxmemory":
			f.maxmemory, _ = strconv.ParseInt(v[p], 10, 64)
		case "maxmemory-policy":
			f.policy = v[p]
		case "maxclients":
			f.maxclients, _ = strconv.ParseInt(v[p], 10, 64)
		case "save":
			f.save = v[p]
		}
	}
	if !f.fromConfig {
		f.maxmemory = f.int("maxmemory")
		f.policy = f.info["maxmemory_policy"]
		f.maxclients = f.int("maxclients")
		f.save = "?"
	}
	return m.judge(f)
}

func parseInfo(raw string) facts {
	f := facts{info: map[string]string{}}
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f.info[k] = v
		// db0:keys=12,expires=3,avg_ttl=0
		if strings.HasPrefix(k, "db") {
			for _, kv := range strings.Split(v, ",") {
				name, n, _ := strings.Cut(kv, "=")
				c, _ := strconv.ParseInt(n, 10, 64)
				switch name {
				case "keys":
					f.keys += c
				case "expires":
					f.expires += c
				}
			}
		}
	}
	return f
}

func (f facts) int(k string) int64 {
	n, _ := strconv.ParseInt(f.info[k], 10, 64)
	return n
}

func (m *Memory) level(pct int64) kind.Status {
	switch {
	case pct >= int64(m.MaxUsedPercent):
		return kind.Fail
	case pct >= int64(m.WarnUsedPercent):
		return kind.Warn
	}
	return kind.Pass
}

type verdict struct {
	r                      kind.Result
	fails, warns, remedies []string
}

func (v *verdict) add(e kind.Evidence, problem, remedy string) {
	v.r.Add(e)
	switch e.Status {
	case kind.Fail:
		v.fails = append(v.fails, problem)
	case kind.Warn:
		v.warns = append(v.warns, problem)
	}
	if e.Status >= kind.Warn && remedy != "" && !slices.Contains(v.remedies, remedy) {
		v.remedies = append(v.remedies, remedy)
	}
}

func (m *Memory) judge(f facts) kind.Result {
	v := &verdict{r: kind.Result{Status: kind.Pass}}
	used := f.int("used_memory")
	limits := "CONFIG GET"
	if !f.fromConfig {
		limits = "INFO (CONFIG GET is not available)"
	}

	// maxmemory and used_memory.
	usage := ""
	if f.maxmemory == 0 {
		st := kind.Pass
		if m.RequireMaxmemory {
			st = kind.Fail
		}
		v.add(kind.Evidence{Label: "maxmemory", Observed: "0 (unbounded), from " + limits, Expected: "set", Status: st},
			"maxmemory is 0: Redis grows until the host's OOM killer ends it",
			"set maxmemory (CONFIG SET maxmemory, and in redis.conf or the provider's parameter group) below the host's memory, leaving room for forks and buffers")
		usage = "used " + bytes(used) + ", unbounded"
		v.r.Evidence = append(v.r.Evidence, kind.Evidence{Label: "used_memory", Observed: bytes(used), Status: kind.Pass})
	} else {
		v.r.Evidence = append(v.r.Evidence, kind.Evidence{Label: "maxmemory", Observed: bytes(f.maxmemory) + ", from " + limits, Expected: "set", Status: kind.Pass})
		pct := used * 100 / f.maxmemory
		usage = fmt.Sprintf("used %s of %s (%d%%)", bytes(used), bytes(f.maxmemory), pct)
		st := m.level(pct)
		expected := fmt.Sprintf("< %d%% (warn from %d%%)", m.MaxUsedPercent, m.WarnUsedPercent)
		if m.Role == RoleCache && evicts(f) {
			// A cache that evicts is meant to run full: being at maxmemory is its steady state.
			st, expected = kind.Pass, "any: a cache that evicts may run full"
		}
		problem := usage + fmt.Sprintf(", over the %d%% limit", m.MaxUsedPercent)
		if st == kind.Warn {
			problem = usage + fmt.Sprintf(", over the %d%% warning level", m.WarnUsedPercent)
		}
		v.add(kind.Evidence{Label: "used_memory", Observed: fmt.Sprintf("%s of %s (%d%%)", bytes(used), bytes(f.maxmemory), pct),
			Expected: expected, Status: st},
			problem, "give the instance more memory (raise maxmemory with the host's room), or find what fills it (redis-cli --bigkeys, keys without TTL)")
	}

	m.judgePolicy(v, f)

	evicted := f.int("evicted_keys")
	st := kind.Pass
	if evicted > 0 && (m.Role == RoleSessions || m.Role == RoleQueue) {
		st = kind.Warn
	}
	what := map[string]string{RoleSessions: "sessions (users were logged out)", RoleQueue: "jobs (lost without a trace)"}[m.Role]
	v.add(kind.Evidence{Label: "evicted_keys since start", Observed: strconv.FormatInt(evicted, 10), Status: st},
		fmt.Sprintf("%d keys were evicted since start: %s", evicted, what),
		"memory ran full before: give the instance room and check the eviction policy")

	rejected := f.int("rejected_connections")
	st = kind.Pass
	if rejected > 0 {
		st = kind.Warn
	}
	v.add(kind.Evidence{Label: "rejected_connections since start", Observed: strconv.FormatInt(rejected, 10), Expected: "0", Status: st},
		fmt.Sprintf("%d connections were rejected since start (maxclients reached)", rejected),
		"find the clients that open too many connections (CLIENT LIST as an admin), cap their pools, or raise maxclients")

	if f.maxclients > 0 {
		clients := f.int("connected_clients")
		pct := clients * 100 / f.maxclients
		st = m.level(pct)
		v.add(kind.Evidence{Label: "connected_clients", Observed: fmt.Sprintf("%d of maxclients %d (%d%%)", clients, f.maxclients, pct),
			Expected: fmt.Sprintf("< %d%%", m.MaxUsedPercent), Status: st},
			fmt.Sprintf("%d of %d clients connected (%d%%)", clients, f.maxclients, pct),
			"find the clients that open too many connections (CLIENT LIST as an admin), cap their pools, or raise maxclients")
	}

	m.judgePersistence(v, f)

	r := v.r
	switch {
	case len(v.fails) > 0:
		r.Summary = strings.Join(append(v.fails, v.warns...), "; ")
	case len(v.warns) > 0:
		r.Summary = strings.Join(v.warns, "; ")
	default:
		r.Summary = fmt.Sprintf("%s; policy %s", usage, f.policy)
		if m.Role != "" {
			r.Summary += " fits a " + strings.TrimSuffix(m.Role, "s") + " store"
		}
	}
	r.Remedy = strings.Join(v.remedies, "; ")
	return r
}

// evicts reports whether the policy can free memory with the keys the instance holds.
func evicts(f facts) bool {
	return strings.HasPrefix(f.policy, "allkeys-") || (strings.HasPrefix(f.policy, "volatile-") && f.expires > 0)
}

// judgePolicy decides whether maxmemory-policy fits the role.
func (m *Memory) judgePolicy(v *verdict, f facts) {
	p := f.policy
	volatile := strings.HasPrefix(p, "volatile-")
	allkeys := strings.HasPrefix(p, "allkeys-")
	noTTL := volatile && f.expires == 0
	observed := p
	if volatile {
		observed = fmt.Sprintf("%s (%d of %d keys have a TTL)", p, f.expires, f.keys)
	}
	st, problem, remedy, expected := kind.Pass, "", "", ""
	switch m.Role {
	case RoleCache:
		expected = "allkeys-lru or allkeys-lfu"
		switch {
		case p == "noeviction":
			st, problem = kind.Fail, "policy noeviction on a cache: writes fail with OOM errors when it is full instead of evicting"
		case noTTL:
			st, problem = kind.Fail, p+" on a cache whose keys have no TTL: it evicts nothing and acts as noeviction"
		}
		remedy = "set maxmemory-policy allkeys-lru (or allkeys-lfu) so that a full cache evicts"
	case RoleSessions:
		expected = "volatile-lru, volatile-ttl or noeviction (never allkeys-*)"
		switch {
		case allkeys:
			st, problem = kind.Fail, "policy "+p+" on a session store: a full instance evicts live sessions and logs users out"
			remedy = "set maxmemory-policy volatile-lru (sessions carry a TTL) or noeviction, and give the instance room"
		case noTTL && f.keys > 0:
			st, problem = kind.Warn, p+" but no key has a TTL: it acts as noeviction, so logins fail when the instance is full"
			remedy = "give sessions a TTL, or set noeviction explicitly and size the instance"
		}
	case RoleQueue:
		expected = "noeviction"
		switch {
		case p == "noeviction":
		case noTTL:
			st, problem = kind.Warn, p+" on a queue: no key has a TTL so it acts as noeviction today, but a job with a TTL could be evicted"
		default:
			st, problem = kind.Fail, "policy "+p+" on a queue: a full instance evicts jobs, which are lost without an error"
		}
		remedy = "set maxmemory-policy noeviction so that a full queue refuses new jobs instead of dropping old ones"
	default:
		if noTTL && f.keys > 0 {
			st, problem = kind.Warn, p+" but no key has a TTL: it evicts nothing and acts as noeviction"
			remedy = "give evictable keys a TTL, or choose the policy deliberately (set role to say what the instance holds)"
		}
	}
	if len(m.AllowedPolicies) > 0 {
		expected = strings.Join(m.AllowedPolicies, ", ")
		if !slices.Contains(m.AllowedPolicies, p) {
			msg := fmt.Sprintf("policy %s is not one of the allowed %s", p, expected)
			if st == kind.Fail {
				problem += " (and not one of the allowed " + expected + ")"
			} else {
				problem = msg
			}
			st = kind.Fail
			remedy = "set maxmemory-policy to one of " + expected
		}
	}
	v.add(kind.Evidence{Label: "maxmemory-policy", Observed: observed, Expected: expected, Status: st}, problem, remedy)
}

// judgePersistence decides whether a restart keeps the data, and whether the last save or AOF
// write failed (which, with stop-writes-on-bgsave-error, makes Redis refuse every write).
func (m *Memory) judgePersistence(v *verdict, f facts) {
	required := m.persistenceRequired()
	need := kind.Pass
	if required {
		need = kind.Fail
	}
	aof := f.info["aof_enabled"] == "1"
	rdb := f.save != "" && f.save != "?"
	if aof {
		w, rw := f.info["aof_last_write_status"], f.info["aof_last_bgrewrite_status"]
		st := kind.Pass
		if w != "ok" || rw != "ok" {
			st = kind.Fail
		}
		v.add(kind.Evidence{Label: "AOF", Observed: fmt.Sprintf("enabled, last write %s, last rewrite %s", w, rw), Expected: "ok", Status: st},
			fmt.Sprintf("the AOF is failing (last write %s, last rewrite %s)", w, rw),
			"check the Redis log and the disk (full, read-only) where the AOF lives")
	}
	bg := f.info["rdb_last_bgsave_status"]
	if rdb || f.save == "?" {
		st := kind.Pass
		obs := fmt.Sprintf("save %q, last bgsave %s", f.save, bg)
		if f.save == "?" {
			obs = "schedule unknown (CONFIG GET is not available), last bgsave " + bg
		}
		switch {
		case bg != "" && bg != "ok":
			st = kind.Fail
		case f.save == "?" && !aof && required:
			st = kind.Warn
		}
		problem := "the last RDB snapshot failed (bgsave " + bg + "): with stop-writes-on-bgsave-error Redis refuses writes"
		remedy := "check the Redis log and the disk (full, read-only, fork failing for lack of memory) where the RDB is written"
		if st == kind.Warn {
			problem = "cannot tell whether RDB snapshots are scheduled (CONFIG GET is not available)"
			remedy = "confirm persistence in the provider's settings (snapshots or AOF)"
		}
		v.add(kind.Evidence{Label: "RDB snapshots", Observed: obs, Expected: "ok", Status: st}, problem, remedy)
	}
	if !aof && !rdb {
		st := need
		if f.save == "?" {
			st = kind.Pass // already warned above
		}
		if bg != "" && bg != "ok" {
			return
		}
		obs := "none (save \"\" and appendonly no)"
		if f.save == "?" {
			obs = "AOF off, RDB unknown"
		}
		v.add(kind.Evidence{Label: "persistence", Observed: obs, Expected: map[bool]string{true: "RDB or AOF", false: ""}[required], Status: st},
			"no persistence (no RDB snapshots, no AOF): a restart loses every key",
			"enable AOF (appendonly yes, appendfsync everysec) or RDB snapshots (save 3600 1 300 100 60 10000), or use a managed tier with persistence")
	}
}

// bytes formats a size the way INFO's *_human fields do, in binary units.
func bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f%ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
