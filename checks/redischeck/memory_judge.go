package redischeck

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
)

// judge reads the facts as a list of rules: memory against maxmemory, the eviction policy
// against the role, what was evicted or refused since start, clients against maxclients, and
// persistence. Failures lead the summary, then warnings.
func (m *Memory) judge(f facts) kind.Result {
	var j kind.Judgement
	usage := m.judgeMemory(&j, f)
	m.judgePolicy(&j, f)
	m.judgeEvictions(&j, f)
	m.judgeClients(&j, f)
	m.judgePersistence(&j, f)
	r := j.Result()
	if r.Summary = j.WorstFirst(); r.Summary == "" {
		r.Summary = fmt.Sprintf("%s; policy %s", usage, f.policy)
		if m.Role != "" {
			r.Summary += " fits a " + strings.TrimSuffix(m.Role, "s") + " store"
		}
	}
	return r
}

func (m *Memory) level(pct int64) kind.Status {
	return kind.UsageLevel(pct, m.WarnUsedPercent, m.MaxUsedPercent)
}

// judgeMemory holds used_memory against maxmemory, and maxmemory against require_maxmemory. It
// returns the usage as a passing summary says it.
func (m *Memory) judgeMemory(j *kind.Judgement, f facts) string {
	used := f.int("used_memory")
	limits := "CONFIG GET"
	if !f.fromConfig {
		limits = "INFO (CONFIG GET is not available)"
	}
	if f.maxmemory == 0 {
		st := kind.Pass
		if m.RequireMaxmemory {
			st = kind.Fail
		}
		j.Add(kind.Line{Label: "maxmemory", Observed: "0 (unbounded), from " + limits, Expected: "set", Status: st,
			Problem: "maxmemory is 0: Redis grows until the host's OOM killer ends it",
			Remedy:  "set maxmemory (CONFIG SET maxmemory, and in redis.conf or the provider's parameter group) below the host's memory, leaving room for forks and buffers"})
		j.Observe("used_memory", bytes(used), "")
		return "used " + bytes(used) + ", unbounded"
	}
	j.Observe("maxmemory", bytes(f.maxmemory)+", from "+limits, "set")
	pct := used * 100 / f.maxmemory
	usage := fmt.Sprintf("used %s of %s (%d%%)", bytes(used), bytes(f.maxmemory), pct)
	l := kind.Line{Label: "used_memory", Observed: fmt.Sprintf("%s of %s (%d%%)", bytes(used), bytes(f.maxmemory), pct),
		Expected: fmt.Sprintf("< %d%% (warn from %d%%)", m.MaxUsedPercent, m.WarnUsedPercent), Status: m.level(pct),
		Problem: usage + fmt.Sprintf(", over the %d%% limit", m.MaxUsedPercent),
		Remedy:  "give the instance more memory (raise maxmemory with the host's room), or find what fills it (redis-cli --bigkeys, keys without TTL)"}
	if m.Role == RoleCache && evicts(f) {
		// A cache that evicts is meant to run full: being at maxmemory is its steady state.
		l.Status, l.Expected = kind.Pass, "any: a cache that evicts may run full"
	}
	if l.Status == kind.Warn {
		l.Problem = usage + fmt.Sprintf(", over the %d%% warning level", m.WarnUsedPercent)
	}
	j.Add(l)
	return usage
}

// evicts reports whether the policy can free memory with the keys the instance holds.
func evicts(f facts) bool {
	return strings.HasPrefix(f.policy, "allkeys-") || (strings.HasPrefix(f.policy, "volatile-") && f.expires > 0)
}

// judgePolicy decides whether maxmemory-policy fits the role and allowed_policies.
func (m *Memory) judgePolicy(j *kind.Judgement, f facts) {
	l := policyForRole(m.Role, f)
	l.Label, l.Observed = "maxmemory-policy", f.policy
	if strings.HasPrefix(f.policy, "volatile-") {
		l.Observed = fmt.Sprintf("%s (%d of %d keys have a TTL)", f.policy, f.expires, f.keys)
	}
	if len(m.AllowedPolicies) > 0 {
		l.Expected = strings.Join(m.AllowedPolicies, ", ")
		if !slices.Contains(m.AllowedPolicies, f.policy) {
			if l.Status == kind.Fail {
				l.Problem += " (and not one of the allowed " + l.Expected + ")"
			} else {
				l.Problem = fmt.Sprintf("policy %s is not one of the allowed %s", f.policy, l.Expected)
			}
			l.Status, l.Remedy = kind.Fail, "set maxmemory-policy to one of "+l.Expected
		}
	}
	j.Add(l)
}

// policyForRole is the verdict on the policy for what the instance holds: a cache must evict, a
// session store must not evict live sessions, a queue must never drop a job.
func policyForRole(role string, f facts) kind.Line {
	p := f.policy
	noTTL := strings.HasPrefix(p, "volatile-") && f.expires == 0
	l := kind.Line{Status: kind.Pass}
	switch role {
	case RoleCache:
		l.Expected, l.Remedy = "allkeys-lru or allkeys-lfu", "set maxmemory-policy allkeys-lru (or allkeys-lfu) so that a full cache evicts"
		switch {
		case p == "noeviction":
			l.Status, l.Problem = kind.Fail, "policy noeviction on a cache: writes fail with OOM errors when it is full instead of evicting"
		case noTTL:
			l.Status, l.Problem = kind.Fail, p+" on a cache whose keys have no TTL: it evicts nothing and acts as noeviction"
		}
	case RoleSessions:
		l.Expected = "volatile-lru, volatile-ttl or noeviction (never allkeys-*)"
		switch {
		case strings.HasPrefix(p, "allkeys-"):
			l.Status, l.Problem = kind.Fail, "policy "+p+" on a session store: a full instance evicts live sessions and logs users out"
			l.Remedy = "set maxmemory-policy volatile-lru (sessions carry a TTL) or noeviction, and give the instance room"
		case noTTL && f.keys > 0:
			l.Status, l.Problem = kind.Warn, p+" but no key has a TTL: it acts as noeviction, so logins fail when the instance is full"
			l.Remedy = "give sessions a TTL, or set noeviction explicitly and size the instance"
		}
	case RoleQueue:
		l.Expected, l.Remedy = "noeviction", "set maxmemory-policy noeviction so that a full queue refuses new jobs instead of dropping old ones"
		switch {
		case p == "noeviction":
		case noTTL:
			l.Status, l.Problem = kind.Warn, p+" on a queue: no key has a TTL so it acts as noeviction today, but a job with a TTL could be evicted"
		default:
			l.Status, l.Problem = kind.Fail, "policy "+p+" on a queue: a full instance evicts jobs, which are lost without an error"
		}
	default:
		if noTTL && f.keys > 0 {
			l.Status, l.Problem = kind.Warn, p+" but no key has a TTL: it evicts nothing and acts as noeviction"
			l.Remedy = "give evictable keys a TTL, or choose the policy deliberately (set role to say what the instance holds)"
		}
	}
	return l
}

// judgeEvictions warns when a store that must keep its keys lost some since start.
func (m *Memory) judgeEvictions(j *kind.Judgement, f facts) {
	evicted := f.int("evicted_keys")
	st := kind.Pass
	if evicted > 0 && (m.Role == RoleSessions || m.Role == RoleQueue) {
		st = kind.Warn
	}
	what := map[string]string{RoleSessions: "sessions (users were logged out)", RoleQueue: "jobs (lost without a trace)"}[m.Role]
	j.Add(kind.Line{Label: "evicted_keys since start", Observed: strconv.FormatInt(evicted, 10), Status: st,
		Problem: fmt.Sprintf("%d keys were evicted since start: %s", evicted, what),
		Remedy:  "memory ran full before: give the instance room and check the eviction policy"})
}

// judgeClients warns about connections refused since start, and holds connected_clients against
// maxclients.
func (m *Memory) judgeClients(j *kind.Judgement, f facts) {
	const remedy = "find the clients that open too many connections (CLIENT LIST as an admin), cap their pools, or raise maxclients"
	rejected := f.int("rejected_connections")
	st := kind.Pass
	if rejected > 0 {
		st = kind.Warn
	}
	j.Add(kind.Line{Label: "rejected_connections since start", Observed: strconv.FormatInt(rejected, 10), Expected: "0", Status: st,
		Problem: fmt.Sprintf("%d connections were rejected since start (maxclients reached)", rejected), Remedy: remedy})
	if f.maxclients <= 0 {
		return
	}
	clients := f.int("connected_clients")
	pct := clients * 100 / f.maxclients
	j.Add(kind.Line{Label: "connected_clients", Observed: fmt.Sprintf("%d of maxclients %d (%d%%)", clients, f.maxclients, pct),
		Expected: fmt.Sprintf("< %d%%", m.MaxUsedPercent), Status: m.level(pct),
		Problem: fmt.Sprintf("%d of %d clients connected (%d%%)", clients, f.maxclients, pct), Remedy: remedy})
}

// judgePersistence decides whether a restart keeps the data, and whether the last save or AOF
// write failed (which, with stop-writes-on-bgsave-error, makes Redis refuse every write).
func (m *Memory) judgePersistence(j *kind.Judgement, f facts) {
	aof := f.info["aof_enabled"] == "1"
	rdb := f.save != "" && f.save != "?"
	if aof {
		judgeAOF(j, f)
	}
	if rdb || f.save == "?" {
		judgeRDB(j, f, !aof && m.persistenceRequired())
	}
	if bg := f.info["rdb_last_bgsave_status"]; !aof && !rdb && (bg == "" || bg == "ok") {
		m.judgeNoPersistence(j, f)
	}
}

func judgeAOF(j *kind.Judgement, f facts) {
	w, rw := f.info["aof_last_write_status"], f.info["aof_last_bgrewrite_status"]
	st := kind.Pass
	if w != "ok" || rw != "ok" {
		st = kind.Fail
	}
	j.Add(kind.Line{Label: "AOF", Observed: fmt.Sprintf("enabled, last write %s, last rewrite %s", w, rw), Expected: "ok", Status: st,
		Problem: fmt.Sprintf("the AOF is failing (last write %s, last rewrite %s)", w, rw),
		Remedy:  "check the Redis log and the disk (full, read-only) where the AOF lives"})
}

// judgeRDB fails a failed snapshot; unsure says that only snapshots could keep the data, which
// makes an unknown schedule (no CONFIG GET) a warning.
func judgeRDB(j *kind.Judgement, f facts, unsure bool) {
	bg := f.info["rdb_last_bgsave_status"]
	l := kind.Line{Label: "RDB snapshots", Observed: fmt.Sprintf("save %q, last bgsave %s", f.save, bg), Expected: "ok", Status: kind.Pass,
		Problem: "the last RDB snapshot failed (bgsave " + bg + "): with stop-writes-on-bgsave-error Redis refuses writes",
		Remedy:  "check the Redis log and the disk (full, read-only, fork failing for lack of memory) where the RDB is written"}
	if f.save == "?" {
		l.Observed = "schedule unknown (CONFIG GET is not available), last bgsave " + bg
	}
	switch {
	case bg != "" && bg != "ok":
		l.Status = kind.Fail
	case f.save == "?" && unsure:
		l.Status = kind.Warn
		l.Problem = "cannot tell whether RDB snapshots are scheduled (CONFIG GET is not available)"
		l.Remedy = "confirm persistence in the provider's settings (snapshots or AOF)"
	}
	j.Add(l)
}

// judgeNoPersistence fails an instance that keeps nothing across a restart when its role needs
// it to.
func (m *Memory) judgeNoPersistence(j *kind.Judgement, f facts) {
	required := m.persistenceRequired()
	l := kind.Line{Label: "persistence", Observed: "none (save \"\" and appendonly no)", Status: kind.Pass,
		Problem: "no persistence (no RDB snapshots, no AOF): a restart loses every key",
		Remedy:  "enable AOF (appendonly yes, appendfsync everysec) or RDB snapshots (save 3600 1 300 100 60 10000), or use a managed tier with persistence"}
	if required {
		l.Expected, l.Status = "RDB or AOF", kind.Fail
	}
	if f.save == "?" {
		l.Observed, l.Status = "AOF off, RDB unknown", kind.Pass // judgeRDB warned already
	}
	j.Add(l)
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
