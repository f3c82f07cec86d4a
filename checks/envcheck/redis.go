package envcheck

import (
	"bufio"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

func parseRedis(raw string) (*conn, error) {
	u, err := probe.ParseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	return &conn{store: "redis", rd: u, red: u.Red, addr: u.Options.Addr, name: u.Name}, nil
}

// redisInfoFallback is where INFO shows a setting when CONFIG is disabled (managed Redis).
var redisInfoFallback = map[string]string{
	"maxmemory-policy": "maxmemory_policy", "maxmemory": "maxmemory", "maxclients": "maxclients", "appendonly": "aof_enabled",
}

// readRedis reads INFO for the version and CONFIG GET for each item, falling back to INFO's
// fields where CONFIG is not allowed.
func (c *conn) readRedis(ctx context.Context, env *kind.Env, items []string, r *reading, connected *atomic.Bool, budget time.Duration) error {
	cl, watch := c.rd.Client(env, budget, dialer(env, connected), probe.MaxReply)
	defer cl.Close()
	info, err := cl.Info(ctx).Result()
	if err != nil {
		return watch.Why(err)
	}
	fields := infoFields(info)
	r.values["version"] = "Redis " + fields["redis_version"]
	var configErr error
	for _, it := range items {
		if it == "version" || configErr != nil {
			continue
		}
		vals, err := cl.ConfigGet(ctx, it).Result()
		if err != nil {
			if !refused(err) {
				return fmt.Errorf("CONFIG GET %s: %w", it, watch.Why(err))
			}
			configErr = err
			continue
		}
		if v, ok := vals[it]; ok {
			r.values[it] = redisValue(it, v)
		}
	}
	if configErr == nil {
		return nil
	}
	why := "CONFIG is disabled or renamed"
	if strings.Contains(configErr.Error(), "NOPERM") {
		why = "the ACL user may not run CONFIG GET"
	}
	for _, it := range items {
		f, ok := redisInfoFallback[it]
		switch v, found := fields[f]; {
		case it == "version":
		case ok && found && it == "appendonly":
			r.values[it] = map[string]string{"1": "yes", "0": "no"}[v]
		case ok && found:
			r.values[it] = redisValue(it, v)
		default:
			r.unknown[it] = why
		}
	}
	return nil
}

// redisValue prints sizes the way a person writes them.
func redisValue(item, v string) string {
	if item != "maxmemory" {
		return v
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	if n == 0 {
		return "0 (no limit)"
	}
	return kind.ByteSize(n).String()
}

func infoFields(info string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for n := 0; sc.Scan() && n < maxRows; n++ {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			out[k] = v
		}
	}
	return out
}

// refused reports a server that will not run CONFIG for this client (ACL, renamed command).
func refused(err error) bool {
	msg := err.Error()
	return slices.ContainsFunc([]string{"NOPERM", "unknown command", "ERR unknown"}, func(p string) bool { return strings.Contains(msg, p) })
}

// redisFailure explains what the server itself refused.
func redisFailure(err error, c *conn) *failure {
	msg := err.Error()
	switch {
	case probe.RedisAuthFailed(msg):
		return &failure{"authentication failed", c.addr + ": " + msg, "check the user name and password in the URL (redis://user:password@host:6379)"}
	case strings.HasPrefix(msg, "NOPERM"):
		return &failure{"permission denied", c.addr + ": " + msg, "allow the check's ACL user +info and +config|get (it only reads)"}
	}
	return nil
}
