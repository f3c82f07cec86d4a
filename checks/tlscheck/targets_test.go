package tlscheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// TestAddresses covers one name behind several addresses: the incident this check exists for is
// a renewed certificate on one server and last year's on the other.
func TestAddresses(t *testing.T) {
	t.Parallel()
	ca := newPKI(t, "Test CA")
	host := []string{"api.test"}
	good := chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter)
	renewed := chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(200 * day24)}, ca.inter), ca.inter)
	stale := chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(3 * day24)}, ca.inter), ca.inter)
	cfg := func(c tls.Certificate) *tls.Config { return &tls.Config{Certificates: []tls.Certificate{c}} }
	both := resolver{"api.test": {"127.0.0.1", "127.0.0.2"}}

	t.Run("different certificates, one expiring", func(t *testing.T) {
		t.Parallel()
		port := servePair(t, cfg(good), cfg(stale))
		c := New()
		c.Host = "api.test:" + port
		r := runCheck(t, c, testEnv(ca.pool(), both))
		assertResult(t, r, kind.Fail, `127.0.0.2: leaf "api.test" expires in 3d (2026-06-04), inside fail_within 7d`, map[string]want{
			"addresses":                         {kind.Pass, "127.0.0.1, 127.0.0.2 (api.test resolves to 2)"},
			"127.0.0.1 expiry":                  {kind.Pass, "(90d left)"},
			"127.0.0.2 expiry":                  {kind.Fail, "(3d left)"},
			"127.0.0.1 trust":                   {kind.Pass, "verified"},
			"127.0.0.2 certificate 0 (leaf)":    {kind.Fail, "(3d left); serial " + serial(stale.Leaf)},
			"127.0.0.1 certificate 0 (leaf)":    {kind.Pass, "(90d left); serial " + serial(good.Leaf)},
			"same certificate on every address": {kind.Fail, fmt.Sprintf("127.0.0.1 serves serial %s, expires 2026-08-30; 127.0.0.2 serves serial %s, expires 2026-06-04", serial(good.Leaf), serial(stale.Leaf))},
		})
		if !strings.Contains(r.Summary, "addresses serve different certificates") {
			t.Errorf("summary %q does not name the mismatch", r.Summary)
		}
	})

	t.Run("different certificates allowed, both valid", func(t *testing.T) {
		t.Parallel()
		port := servePair(t, cfg(good), cfg(renewed))
		c := New()
		c.Host = "api.test:" + port
		c.ExpectSameCert = false
		r := runCheck(t, c, testEnv(ca.pool(), both))
		assertResult(t, r, kind.Pass, "valid until 2026-08-30 (90d left) on all 2 addresses", map[string]want{
			"same certificate on every address": {kind.Pass, "127.0.0.2 serves serial " + serial(renewed.Leaf)},
		})
	})

	t.Run("same certificate everywhere", func(t *testing.T) {
		t.Parallel()
		port := servePair(t, cfg(good), cfg(good))
		c := New()
		c.Host = "api.test:" + port
		r := runCheck(t, c, testEnv(ca.pool(), both))
		assertResult(t, r, kind.Pass, "on all 2 addresses", map[string]want{
			"certificate 0 (leaf)":              {kind.Pass, "subject api.test"},
			"same certificate on every address": {kind.Pass, "all reachable addresses serve serial " + serial(good.Leaf)},
		})
	})

	t.Run("all_ips off checks the first address only", func(t *testing.T) {
		t.Parallel()
		port := servePair(t, cfg(good), cfg(stale))
		c := New()
		c.Host = "api.test:" + port
		c.AllIPs = false
		r := runCheck(t, c, testEnv(ca.pool(), both))
		assertResult(t, r, kind.Pass, "valid until 2026-08-30", map[string]want{
			"addresses": {kind.Pass, "127.0.0.1 (1 of 2 addresses: all_ips is off)"},
		})
	})

	t.Run("IPv4 and IPv6 addresses", func(t *testing.T) {
		t.Parallel()
		addr := serveTLS(t, "127.0.0.1:0", cfg(good))
		_, port, _ := net.SplitHostPort(addr)
		ln, err := net.Listen("tcp", net.JoinHostPort("::1", port))
		if err != nil {
			t.Skipf("no IPv6 loopback here: %v", err)
		}
		serveOn(t, ln, cfg(good))
		c := New()
		c.Host = "api.test:" + port
		r := runCheck(t, c, testEnv(ca.pool(), resolver{"api.test": {"127.0.0.1", "::1"}}))
		assertResult(t, r, kind.Pass, "on all 2 addresses", map[string]want{
			"addresses": {kind.Pass, "127.0.0.1, ::1 (api.test resolves to 2)"},
		})
	})

	t.Run("one address unreachable", func(t *testing.T) {
		t.Parallel()
		addr := serveTLS(t, "127.0.0.1:0", cfg(good))
		_, port, _ := net.SplitHostPort(addr)
		c := New()
		c.Host = "api.test:" + port
		// Nothing listens on 127.0.0.3: the second server behind the name is down.
		r := runCheck(t, c, testEnv(ca.pool(), resolver{"api.test": {"127.0.0.1", "127.0.0.3"}}))
		assertResult(t, r, kind.Error, "127.0.0.3: connection refused", map[string]want{
			"127.0.0.1 expiry":     {kind.Pass, "90d left"},
			"127.0.0.3 connection": {kind.Error, "refused"},
		})
	})
}

// TestConnectionFailures covers targets the check cannot judge: each is an error that says why.
func TestConnectionFailures(t *testing.T) {
	t.Parallel()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	t.Cleanup(plain.Close)
	cases := []struct {
		name, host string
		res        resolver
		summary    string
	}{
		{"dns failure", "nope.test", resolver{}, "DNS lookup of nope.test failed"},
		{"refused", testsvc.ClosedAddr(t), nil, "refused"},
		{"hangs after accepting", testsvc.HangingListener(t), nil, "accepted the connection but did not complete the TLS handshake within"},
		{"plain HTTP on the port", strings.TrimPrefix(plain.URL, "http://"), nil, "answered with something that is not TLS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := New()
			c.Host = tc.host
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			const timeout = 2 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			start := time.Now()
			r := c.Run(ctx, testEnv(x509.NewCertPool(), tc.res))
			testsvc.NotHung(t, start, timeout)
			assertResult(t, r, kind.Error, tc.summary, nil)
		})
	}
}

// TestTargets covers the forms of host and ca_file.
func TestTargets(t *testing.T) {
	t.Parallel()
	ca := newPKI(t, "Private CA")
	leaf := issue(t, spec{cn: "api.test", dns: []string{"api.test"}, ips: []net.IP{net.ParseIP("127.0.0.1")}}, ca.inter)
	addr := serveTLS(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{chain(leaf, ca.inter)}})
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.root.x509.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	res := resolver{"api.test": {"127.0.0.1"}}

	cases := []struct {
		name    string
		host    string
		caFile  string
		roots   *x509.CertPool
		status  kind.Status
		summary string
	}{
		{"https URL", "https://api.test:" + port + "/healthz", "", ca.pool(), kind.Pass, "trusted certificate for api.test"},
		{"address literal", addr, "", ca.pool(), kind.Pass, "trusted certificate for 127.0.0.1"},
		{"private CA through ca_file", "api.test:" + port, "ca.pem", x509.NewCertPool(), kind.Pass, "trusted certificate"},
		{"private CA without ca_file", "api.test:" + port, "", x509.NewCertPool(), kind.Fail, `chains to "Private CA Root", which is not a trusted root`},
		{"unreadable ca_file", "api.test:" + port, "missing.pem", x509.NewCertPool(), kind.Error, "cannot read ca_file"},
		{"plain http URL", "http://api.test:" + port, "", ca.pool(), kind.Skip, "plain http://"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := New()
			c.Host, c.CAFile = tc.host, tc.caFile
			env := testEnv(tc.roots, res)
			env.BaseDir = dir
			r := runCheck(t, c, env)
			if r.Status != tc.status || !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("got %s %q, want %s containing %q\n%s", r.Status, r.Summary, tc.status, tc.summary, golden.Result(r))
			}
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		host, min, warn, fail string
		want                  target
		err                   string
	}{
		{host: "api.example.com", want: target{proto: "tls", host: "api.example.com", port: "443"}},
		{host: "api.example.com:8443", want: target{proto: "tls", host: "api.example.com", port: "8443"}},
		{host: "https://api.example.com/x?y=1", want: target{proto: "tls", host: "api.example.com", port: "443"}},
		{host: "[::1]:8443", want: target{proto: "tls", host: "::1", port: "8443"}},
		{host: "::1", want: target{proto: "tls", host: "::1", port: "443"}},
		{host: "postgres://app:s3cret@db.internal/app?sslmode=verify-ca", want: target{proto: "postgres", host: "db.internal", port: "5432", sslmode: "verify-ca"}},
		{host: "http://localhost:8080", want: target{proto: "http", host: "localhost", port: "8080"}},
		{host: "postgres://app:s3cret@db/app?sslmode=disable", err: "sslmode=disable"},
		{host: "ftp://x", err: `unsupported scheme "ftp"`},
		{host: "", err: "host: is empty"},
		{host: "api.example.com:99999", err: "port \"99999\" is not a number"},
		{host: "api.example.com/path", err: "is not a host name"},
		{host: "x", min: "1.4", err: `min_version: "1.4" is not a TLS version`},
		{host: "x", warn: "7d", fail: "30d", err: "fail_within: 30d must not be longer than warn_within (7d)"},
	}
	for _, tc := range cases {
		c := New()
		c.Host = tc.host
		if tc.min != "" {
			c.MinVersion = tc.min
		}
		if tc.warn != "" {
			w, _ := kind.ParseDuration(tc.warn)
			f, _ := kind.ParseDuration(tc.fail)
			c.WarnWithin, c.FailWithin = kind.Duration(w), kind.Duration(f)
		}
		err := c.Validate()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.host, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("%q: error leaks the password: %v", tc.host, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.host, err)
		} else if c.target != tc.want {
			t.Errorf("%q: target %+v, want %+v", tc.host, c.target, tc.want)
		}
	}
	for _, v := range []string{"1.2", "TLS 1.2", "tls1.2", "TLSv1.2"} {
		if got, err := parseVersion(v); err != nil || got != tls.VersionTLS12 {
			t.Errorf("parseVersion(%q) = %x, %v", v, got, err)
		}
	}
	if got := New().Title(); got != "TLS certificate of " {
		t.Errorf("title %q", got)
	}
	c := New()
	c.Host = "postgres://app:s3cret@db/app"
	if strings.Contains(c.Title(), "s3cret") {
		t.Errorf("title leaks the password: %s", c.Title())
	}
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"api.example.com", "a:1", "https://a/b", "postgres://u:p@h:5/d?sslmode=require", "[::1]:443", "::1", "http://x", "a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := parseTarget(s)
		if err != nil {
			return
		}
		if tg.host == "" || tg.port == "" || tg.proto == "" {
			t.Fatalf("parseTarget(%q) = %+v without error", s, tg)
		}
		if _, _, err := net.SplitHostPort(tg.addr()); err != nil {
			t.Fatalf("parseTarget(%q) gives an unusable address %q: %v", s, tg.addr(), err)
		}
	})
}

// BenchmarkRun measures one full check (main handshake plus the TLS 1.0 and 1.1 probes)
// against a loopback server.
func BenchmarkRun(b *testing.B) {
	ca := newPKI(b, "Bench CA")
	leaf := issue(b, spec{cn: "api.test", dns: []string{"api.test"}}, ca.inter)
	addr := serveTLS(b, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{chain(leaf, ca.inter)}})
	_, port, _ := net.SplitHostPort(addr)
	c := New()
	c.Host = "api.test:" + port
	if err := c.Validate(); err != nil {
		b.Fatal(err)
	}
	env := testEnv(ca.pool(), resolver{"api.test": {"127.0.0.1"}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if r := c.Run(ctx, env); r.Status != kind.Pass {
			b.Fatalf("%s: %s", r.Status, r.Summary)
		}
	}
}
