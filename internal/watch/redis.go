package watch

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
)

// redisWatcher reads connected_clients (less its own) and used_memory from INFO.
type redisWatcher struct {
	t      *probe.RedisURL
	c      *redis.Client
	capped *probe.CapWatch
	series []Series
}

func openRedis(ctx context.Context, env *kind.Env, raw string) (*redisWatcher, error) {
	t, err := probe.ParseRedisURL(raw)
	if err != nil {
		return nil, err
	}
	// The connection lives through the whole load test: each reply is capped, not their sum.
	c, capped := t.Client(env, readTimeout, nil, 0)
	w := &redisWatcher{t: t, c: c, capped: capped}
	info, err := w.info(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	limit := info["maxclients"]
	if limit == 0 {
		// Before Redis 7, INFO does not say; CONFIG GET may be refused by an ACL, and then the
		// clients are watched without a limit.
		if v, err := w.c.ConfigGet(ctx, "maxclients").Result(); err == nil {
			limit, _ = strconv.ParseFloat(v["maxclients"], 64)
		}
	}
	conns := Series{Key: KeyConnections, Label: "Redis connected_clients on " + t.Name, Unit: "connections", Limit: limit}
	if limit > 0 {
		conns.LimitWhy = fmt.Sprintf("maxclients %g", limit)
	}
	w.series = []Series{conns, {Key: KeyRedisMemory, Label: "Redis used_memory on " + t.Name, Unit: "bytes", Memory: true}}
	return w, nil
}

// info reads the numeric fields of INFO clients and INFO memory.
func (w *redisWatcher) info(ctx context.Context) (map[string]float64, error) {
	out := map[string]float64{}
	for _, section := range []string{"clients", "memory"} {
		text, err := w.c.Info(ctx, section).Result()
		if err != nil {
			return nil, fmt.Errorf("reading INFO %s on %s: %s", section, w.t.Name, w.t.Red.String(w.capped.Why(err).Error()))
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
			if !ok {
				continue
			}
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = f
			}
		}
	}
	return out, nil
}

func (w *redisWatcher) Series() []Series { return w.series }

func (w *redisWatcher) Read(ctx context.Context) ([]float64, error) {
	info, err := w.info(ctx)
	if err != nil {
		return nil, err
	}
	clients, ok1 := info["connected_clients"]
	mem, ok2 := info["used_memory"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("INFO on %s lacks connected_clients or used_memory", w.t.Name)
	}
	return []float64{max(clients-1, 0), mem}, nil
}

func (w *redisWatcher) Close() { w.c.Close() }
