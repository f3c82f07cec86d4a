package redischeck

import (
	"context"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

const sampleInfo = "# Server\r\nredis_version:7.0.15\r\n# Memory\r\nused_memory:1048576\r\nmaxmemory:2097152\r\nmaxmemory_policy:volatile-lru\r\n# Clients\r\nconnected_clients:3\r\nmaxclients:10000\r\n# Keyspace\r\ndb0:keys=10,expires=4,avg_ttl=100\r\ndb3:keys=5,expires=0,avg_ttl=0\r\n"

func TestParseInfo(t *testing.T) {
	f := parseInfo(sampleInfo)
	if f.keys != 15 || f.expires != 4 || f.int("used_memory") != 1<<20 || f.info["maxmemory_policy"] != "volatile-lru" {
		t.Errorf("parsed %+v", f)
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add(sampleInfo)
	f.Fuzz(func(t *testing.T, s string) {
		parseInfo(s)
	})
}

func BenchmarkParseInfo(b *testing.B) {
	for b.Loop() {
		parseInfo(sampleInfo)
	}
}

func BenchmarkJudge(b *testing.B) {
	m := newMemory("redis://cache", RoleSessions)
	if err := m.Validate(); err != nil {
		b.Fatal(err)
	}
	f := parseInfo(sampleInfo)
	f.maxmemory, f.policy, f.maxclients, f.fromConfig = 2<<20, "volatile-lru", 10000, true
	for b.Loop() {
		m.judge(f)
	}
}

// BenchmarkMemoryRun is one whole check against the shared Redis on 127.0.0.1:6379: connect,
// INFO, four CONFIG GETs, close. It only reads.
func BenchmarkMemoryRun(b *testing.B) {
	m := newMemory("redis://127.0.0.1:6379", RoleCache)
	if err := m.Validate(); err != nil {
		b.Fatal(err)
	}
	env := kind.DefaultEnv("bench")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if r := m.Run(ctx, env); r.Status == kind.Error {
		testsvc.Unavailable(b, "Redis on 127.0.0.1:6379", "bash .ci/services/00-base.sh", nil)
	}
	for b.Loop() {
		m.Run(ctx, env)
	}
}
