package redischeck

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, name, addr, user, pass string
		db                          int
		tls                         bool
		wantErr                     string
	}{
		{url: "redis://:" + password + "@cache.internal:6379/2", name: "redis://cache.internal:6379/2", addr: "cache.internal:6379", pass: password, db: 2},
		{url: "rediss://app:" + password + "@cache.internal", name: "rediss://app@cache.internal:6379", addr: "cache.internal:6379", user: "app", pass: password, tls: true},
		{url: "redis://localhost", name: "redis://localhost:6379", addr: "localhost:6379"},
		{url: "redis://app:hunter2@R3#dis@cache:6379", wantErr: "percent-encode '#', '/', '?' and '@' in the password"},
		{url: "http://cache:6379", wantErr: `unsupported scheme "http"`},
		{url: "redis://:" + password + "@cache/notanumber", wantErr: "invalid Redis URL redis://:***@cache/notanumber"},
		{url: "redis://:" + password + " x@cache:99999999999", wantErr: "invalid Redis URL redis://:***@cache"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseURL(tt.url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := got.opts
			if got.name != tt.name || o.Addr != tt.addr || o.Username != tt.user || o.Password != tt.pass || o.DB != tt.db || (o.TLSConfig != nil) != tt.tls {
				t.Errorf("got name %q addr %q user %q pass %q db %d tls %v", got.name, o.Addr, o.Username, o.Password, o.DB, o.TLSConfig != nil)
			}
		})
	}
}

// FuzzParseURL: whatever surrounds a password, parsing never panics and neither the name used
// in output nor an error carries it.
func FuzzParseURL(f *testing.F) {
	f.Add(false, "", "@cache:6379/0")
	f.Add(true, "app", "@cache")
	f.Add(false, "", " x@cache:99999")
	const secret = "Zq9Secret"
	f.Fuzz(func(t *testing.T, tls bool, user, rest string) {
		if strings.ContainsAny(user, ":@/?#%[] \t\n") || !strings.Contains(rest, "@") {
			return
		}
		scheme := "redis://"
		if tls {
			scheme = "rediss://"
		}
		tg, err := parseURL(scheme + user + ":" + secret + rest)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error carries the password: %v", err)
			}
			return
		}
		if strings.Contains(tg.name, secret) {
			t.Errorf("name %q carries the password", tg.name)
		}
	})
}

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
