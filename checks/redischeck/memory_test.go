package redischeck

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func newMemory(url, role string) *Memory {
	return &Memory{URL: url, Role: role, MaxUsedPercent: 80, WarnUsedPercent: 70, RequireMaxmemory: true}
}

func expect(t *testing.T, r kind.Result, want kind.Status, parts ...string) {
	t.Helper()
	if r.Status != want {
		t.Errorf("status %s, want %s", r.Status, want)
	}
	all := golden.Result(r)
	for _, p := range parts {
		if !strings.Contains(all, p) {
			t.Errorf("result does not mention %q:\n%s", p, all)
		}
	}
}

// TestMemoryFillAndPolicies fills a 2 MiB instance for real under each policy and judges it
// for each role.
func TestMemoryFillAndPolicies(t *testing.T) {
	srv := startRedis(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	admin := srv.admin(t)
	ctx := context.Background()
	set := func(t *testing.T, kv ...string) {
		t.Helper()
		for i := 0; i < len(kv); i += 2 {
			must(t, admin.ConfigSet(ctx, kv[i], kv[i+1]).Err())
		}
	}

	t.Run("empty instance passes as a cache", func(t *testing.T) {
		set(t, "maxmemory-policy", "allkeys-lru")
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		expect(t, r, kind.Pass, "policy allkeys-lru fits a cache store", "maxmemory: 2.0MiB, from CONFIG GET")
	})

	t.Run("full noeviction cache refuses writes", func(t *testing.T) {
		set(t, "maxmemory-policy", "noeviction")
		must(t, admin.FlushAll(ctx).Err())
		if n := fill(t, admin, "cache", 0); n == 0 {
			t.Fatal("no write succeeded")
		}
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		expect(t, r, kind.Fail, "policy noeviction on a cache: writes fail", "over the 80% limit", "allkeys-lru")
	})

	t.Run("noeviction is right for a queue", func(t *testing.T) {
		m := newMemory(srv.url(), RoleQueue)
		f := false
		m.RequirePersist = &f
		r := run(t, m, nil, 5*time.Second)
		if e := evidence(t, r, "maxmemory-policy"); e.Status != kind.Pass {
			t.Errorf("policy evidence %+v, want pass", e)
		}
		expect(t, r, kind.Fail, "over the 80% limit") // still full
	})

	t.Run("allkeys-lru evicts: fine for a cache, not for sessions", func(t *testing.T) {
		set(t, "maxmemory-policy", "allkeys-lru")
		fill(t, admin, "more", 0)
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		expect(t, r, kind.Pass, "a cache that evicts may run full")
		if e := evidence(t, r, "evicted_keys"); e.Observed == "0" || e.Status != kind.Pass {
			t.Errorf("evicted evidence %+v, want a count, passing for a cache", e)
		}
		r = run(t, newMemory(srv.url(), RoleSessions), nil, 5*time.Second)
		expect(t, r, kind.Fail, "policy allkeys-lru on a session store: a full instance evicts live sessions",
			"keys were evicted since start: sessions", "no persistence")
	})

	t.Run("volatile-lru without TTL keys acts as noeviction", func(t *testing.T) {
		must(t, admin.FlushAll(ctx).Err())
		set(t, "maxmemory-policy", "volatile-lru")
		must(t, admin.Set(ctx, "k", "v", 0).Err())
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		expect(t, r, kind.Fail, "volatile-lru on a cache whose keys have no TTL: it evicts nothing", "0 of 1 keys have a TTL")
		r = run(t, newMemory(srv.url(), ""), nil, 5*time.Second)
		expect(t, r, kind.Warn, "acts as noeviction")

		must(t, admin.Set(ctx, "s", "v", time.Hour).Err())
		r = run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		if e := evidence(t, r, "maxmemory-policy"); e.Status != kind.Pass || !strings.Contains(e.Observed, "1 of 2 keys have a TTL") {
			t.Errorf("policy evidence %+v, want pass with TTL counts", e)
		}
	})

	t.Run("allowed_policies", func(t *testing.T) {
		m := newMemory(srv.url(), "")
		m.AllowedPolicies = []string{"allkeys-lru", "allkeys-lfu"}
		r := run(t, m, nil, 5*time.Second)
		expect(t, r, kind.Fail, "policy volatile-lru is not one of the allowed allkeys-lru, allkeys-lfu")
	})

	t.Run("persistence for sessions: off, then AOF, then RDB", func(t *testing.T) {
		must(t, admin.FlushAll(ctx).Err())
		must(t, admin.ConfigResetStat(ctx).Err()) // forget the evictions above
		r := run(t, newMemory(srv.url(), RoleSessions), nil, 5*time.Second)
		expect(t, r, kind.Fail, "no persistence (no RDB snapshots, no AOF): a restart loses every key", "appendonly yes")

		set(t, "appendonly", "yes")
		waitInfo(t, srv, "aof_rewrite_in_progress:0", "aof_enabled:1")
		r = run(t, newMemory(srv.url(), RoleSessions), nil, 5*time.Second)
		expect(t, r, kind.Pass, "enabled, last write ok, last rewrite ok")

		set(t, "appendonly", "no", "save", "3600 1")
		r = run(t, newMemory(srv.url(), RoleSessions), nil, 5*time.Second)
		expect(t, r, kind.Pass, `save "3600 1", last bgsave ok`)
		set(t, "save", "")
	})

	t.Run("maxmemory 0 is unbounded", func(t *testing.T) {
		set(t, "maxmemory", "0")
		defer set(t, "maxmemory", "2mb")
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		expect(t, r, kind.Fail, "maxmemory is 0: Redis grows until the host's OOM killer ends it")
		m := newMemory(srv.url(), RoleCache)
		m.RequireMaxmemory = false
		r = run(t, m, nil, 5*time.Second)
		if e := evidence(t, r, "maxmemory"); e.Status != kind.Pass {
			t.Errorf("maxmemory evidence %+v, want pass when not required", e)
		}
	})

	t.Run("wrong password is an error without the password", func(t *testing.T) {
		r := run(t, newMemory("redis://:wrong-"+password+"@"+srv.addr, RoleCache), nil, 5*time.Second)
		assertNoSecret(t, r, "wrong-"+password)
		expect(t, r, kind.Error, "authentication failed")
	})
}

// TestMemoryFailingSnapshot makes BGSAVE fail, as a full disk does: its directory disappears
// under the running server (which stops even root from writing there). A failing snapshot
// fails the check in any role, because Redis then refuses writes.
func TestMemoryFailingSnapshot(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	must(t, os.Mkdir(data, 0o700))
	srv := startRedis(t, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru", "--save", "3600 1", "--dir", data)
	admin := srv.admin(t)
	ctx := context.Background()
	must(t, os.RemoveAll(data))
	must(t, admin.Set(ctx, "k", "v", 0).Err())
	must(t, admin.BgSave(ctx).Err())
	waitInfo(t, srv, "rdb_bgsave_in_progress:0", "rdb_last_bgsave_status:err")
	r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
	expect(t, r, kind.Fail, "the last RDB snapshot failed (bgsave err)", "stop-writes-on-bgsave-error")
}

func infoOf(t *testing.T, srv *redisServer) string {
	t.Helper()
	c := srv.admin(t)
	defer c.Close()
	s, err := c.Info(context.Background()).Result()
	must(t, err)
	return s
}

func waitInfo(t *testing.T, srv *redisServer, want ...string) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		info := infoOf(t, srv)
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(info, w+"\r")
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("INFO never showed %v", want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMemoryConfigDisabled is the managed Redis whose CONFIG command is renamed away: the limits
// come from INFO, and the evidence says so.
func TestMemoryConfigDisabled(t *testing.T) {
	srv := startRedis(t, "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru", "--rename-command", "CONFIG", "")
	r := run(t, newMemory(srv.url(), RoleSessions), nil, 5*time.Second)
	expect(t, r, kind.Warn, "64.0MiB, from INFO (CONFIG GET is not available)", "cannot tell whether RDB snapshots are scheduled", "maxmemory-policy: volatile-lru")
}

// TestMemoryMaxclients saturates an instance with maxclients 4: near the limit, at it, refused,
// and the rejected_connections that leaves behind. One admin connection stays open throughout,
// so that waiting for the server's count never adds or drops a client of its own.
func TestMemoryMaxclients(t *testing.T) {
	srv := startRedis(t, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru", "--maxclients", "4")
	admin := srv.admin(t)
	clients := func() string {
		info, err := admin.Info(context.Background(), "clients").Result()
		must(t, err)
		_, rest, _ := strings.Cut(info, "connected_clients:")
		n, _, _ := strings.Cut(rest, "\r")
		return n
	}
	waitClients := func(want int) {
		t.Helper()
		deadline := time.Now().Add(testsvc.WaitLimit)
		for clients() != strconv.Itoa(want) {
			if time.Now().After(deadline) {
				t.Fatalf("connected_clients is %s, want %d", clients(), want)
			}
			time.Sleep(10 * time.Millisecond) // polling INFO clients
		}
	}
	waitClients(1)
	hold := func(n int) func() {
		var conns []net.Conn
		for i := 0; i < n; i++ {
			c, err := net.Dial("tcp", srv.addr)
			must(t, err)
			conns = append(conns, c)
		}
		waitClients(1 + n)
		return func() {
			for _, c := range conns {
				c.Close()
			}
			waitClients(1)
		}
	}
	tests := []struct {
		hold int
		want kind.Status
		sum  string
	}{
		{1, kind.Warn, "3 of 4 clients connected (75%)"}, // the admin's and the check's own included
		{2, kind.Fail, "4 of 4 clients connected (100%)"},
		{3, kind.Fail, "refused the connection: max number of clients reached"},
		{0, kind.Warn, "connections were rejected since start (maxclients reached)"},
	}
	for _, tt := range tests {
		release := hold(tt.hold)
		r := run(t, newMemory(srv.url(), RoleCache), nil, 5*time.Second)
		release()
		expect(t, r, tt.want, tt.sum)
	}
}

func TestMemoryUnreachable(t *testing.T) {
	hang := testsvc.HangingListener(t)
	tests := []struct{ name, url, want string }{
		{"hanging", "redis://:" + password + "@" + hang, "accepted the connection but did not answer within 1.5s (could not read INFO)"},
		{"hanging, TLS", "rediss://:" + password + "@" + hang, "did not answer within 1.5s"},
		{"nothing listening", "redis://:" + password + "@" + testsvc.ClosedAddr(t), "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const timeout = 1500 * time.Millisecond
			start := time.Now()
			r := run(t, newMemory(tt.url, RoleCache), nil, timeout)
			expect(t, r, kind.Error, tt.want)
			testsvc.NotHung(t, start, timeout)
		})
	}
}

// TestMemoryTLS runs the check over rediss:// against a TLS-only instance with a certificate
// made here, trusted through the environment's roots.
func TestMemoryTLS(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir)
	port := portOf(testsvc.ClosedAddr(t))
	srv := startRedis(t, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru",
		"--tls-port", port, "--tls-cert-file", filepath.Join(dir, "cert.pem"), "--tls-key-file", filepath.Join(dir, "key.pem"),
		"--tls-auth-clients", "no")
	url := "rediss://:" + password + "@127.0.0.1:" + port
	env := kind.DefaultEnv("test")
	env.RootCAs = pool
	r := run(t, newMemory(url, RoleCache), env, 5*time.Second)
	expect(t, r, kind.Pass, "policy allkeys-lru fits a cache store")

	// The system roots do not know the test CA. Loading them is CPU work that a loaded machine
	// under -race can stretch past the deadline, so it is done before the clock starts.
	if _, err := x509.SystemCertPool(); err != nil {
		t.Fatal(err)
	}
	r = run(t, newMemory(url, RoleCache), nil, 5*time.Second)
	expect(t, r, kind.Error, "TLS handshake failed")
	if t.Failed() {
		log, _ := os.ReadFile(filepath.Join(srv.dir, "redis.log"))
		t.Logf("redis log:\n%s", log)
	}
}

func writeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "launchgate test redis"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
