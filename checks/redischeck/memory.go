package redischeck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/redis/go-redis/v9"
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
	explain := func(err error, what string) kind.Result { return t.explain(watch.Why(err), what, given) }

	raw, err := c.Info(ctx).Result()
	switch {
	case err != nil && watch.Err() == nil && t.fullOfClients(ctx, env, err):
		r := kind.Failf("find the clients that hold too many connections (CLIENT LIST as an admin), cap their pools, or raise maxclients",
			"%s refused the connection: max number of clients reached (maxclients)", t.Name)
		r.Evidence = []kind.Evidence{{Label: "connect", Observed: "ERR max number of clients reached", Expected: "a connection", Status: kind.Fail}}
		return r
	case err != nil:
		return explain(err, "read INFO")
	}
	f := parseInfo(raw)
	if err := readLimits(ctx, c, watch, &f); err != nil {
		return explain(err, "run CONFIG GET")
	}
	return m.judge(f)
}

// readLimits reads maxmemory, the policy, maxclients and the save schedule with CONFIG GET. CONFIG
// is often disabled or renamed on managed Redis; INFO carries maxmemory and the policy too, which
// is enough, and the evidence says where they came from. The error is one that ends the check: a
// deadline, or a reply over the cap.
func readLimits(ctx context.Context, c *redis.Client, watch *probe.CapWatch, f *facts) error {
	f.fromConfig = true
	for _, p := range []string{"maxmemory", "maxmemory-policy", "maxclients", "save"} {
		v, err := c.ConfigGet(ctx, p).Result()
		if err != nil || len(v) == 0 {
			if ctx.Err() != nil || watch.Err() != nil {
				return cmp.Or(err, ctx.Err(), watch.Err())
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
	return nil
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
