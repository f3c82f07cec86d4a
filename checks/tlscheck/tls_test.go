package tlscheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"

	"golang.org/x/crypto/ocsp"

	"github.com/launchgate/launchgate/internal/kind"
)

// want is what one evidence line must say.
type want struct {
	status   kind.Status
	contains string
}

func runCheck(t *testing.T, c *Certificate, env *kind.Env) kind.Result {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("validate: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Run(ctx, env)
}

func evidence(r kind.Result, label string) (kind.Evidence, bool) {
	for _, e := range r.Evidence {
		if e.Label == label {
			return e, true
		}
	}
	return kind.Evidence{}, false
}

func assertResult(t *testing.T, r kind.Result, status kind.Status, summary string, lines map[string]want) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status = %s, want %s", r.Status, status)
	}
	if !strings.Contains(r.Summary, summary) {
		t.Errorf("summary %q does not contain %q", r.Summary, summary)
	}
	if status != kind.Pass && r.Remedy == "" {
		t.Errorf("a %s result needs a remedy", status)
	}
	for label, w := range lines {
		e, ok := evidence(r, label)
		if !ok {
			t.Errorf("no evidence %q", label)
			continue
		}
		if e.Status != w.status || !strings.Contains(e.Observed, w.contains) {
			t.Errorf("evidence %q = [%s] %q, want [%s] containing %q", label, e.Status, e.Observed, w.status, w.contains)
		}
	}
	if t.Failed() {
		t.Log("\n" + golden.Result(r))
	}
}

// TestCertificates runs the check against one loopback server per kind of certificate mistake.
func TestCertificates(t *testing.T) {
	t.Parallel()
	rsaKeys(t)
	ca := newPKI(t, "Test CA")
	other := newPKI(t, "Other CA")
	host := []string{"api.test"}

	// An old root that cross-signed the current one, expired; servers still send it.
	oldRoot := issue(t, spec{cn: "Old Root", ca: true, notBefore: testNow.Add(-4000 * day24), notAfter: testNow.Add(-10 * day24)}, nil)
	crossSigned := issue(t, spec{ca: true, subject: ca.root, notBefore: testNow.Add(-900 * day24), notAfter: testNow.Add(-10 * day24)}, oldRoot)
	// SHA-1 needs an RSA issuer; it is trusted, so that only the signature is wrong.
	rsaCA := issue(t, spec{cn: "RSA Root", ca: true, key: rsa2048}, nil)
	rsaPool := x509.NewCertPool()
	rsaPool.AddCert(rsaCA.x509)

	cases := []struct {
		name    string
		server  func() tls.Certificate
		roots   *x509.CertPool
		tweak   func(c *Certificate)
		srvCfg  func(cfg *tls.Config)
		status  kind.Status
		summary string
		lines   map[string]want
	}{
		{
			name:    "valid",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			status:  kind.Pass,
			summary: "trusted certificate for api.test, valid until 2026-08-30 (90d left)",
			lines: map[string]want{
				"trust":                        {kind.Pass, `"api.test" ← "Test CA Intermediate" ← "Test CA Root" (trusted root)`},
				"hostname":                     {kind.Pass, "covered (SANs: api.test)"},
				"expiry":                       {kind.Pass, `leaf "api.test" on 2026-08-30 12:00 UTC (90d left)`},
				"protocol":                     {kind.Pass, "negotiated TLS 1.3"},
				"key and signatures":           {kind.Pass, "leaf: ECDSA P-256, ECDSA-SHA256"},
				"certificate 0 (leaf)":         {kind.Pass, "subject api.test; SANs api.test; issuer Test CA Intermediate"},
				"certificate 1 (intermediate)": {kind.Pass, "subject Test CA Intermediate; issuer Test CA Root"},
				"certificate 2 (root)":         {kind.Pass, "subject Test CA Root"},
				"addresses":                    {kind.Pass, "127.0.0.1 (api.test resolves to 1)"},
			},
		},
		{
			name: "expiring inside warn_within",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(20 * day24)}, ca.inter), ca.inter)
			},
			status:  kind.Warn,
			summary: `leaf "api.test" expires in 20d (2026-06-21), inside warn_within 30d`,
			lines:   map[string]want{"expiry": {kind.Warn, "(20d left)"}, "certificate 0 (leaf)": {kind.Warn, "20d left"}},
		},
		{
			name: "expiring inside fail_within",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(3 * day24)}, ca.inter), ca.inter)
			},
			status:  kind.Fail,
			summary: "inside fail_within 7d",
			lines:   map[string]want{"expiry": {kind.Fail, "expires on 2026-06-04 12:00 UTC (3d left)"}},
		},
		{
			name: "expired",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(-2 * day24)}, ca.inter), ca.inter)
			},
			status:  kind.Fail,
			summary: `leaf "api.test" expired 2d ago (2026-05-30)`,
			lines: map[string]want{
				"trust":  {kind.Pass, "the chain is sound; its dates are judged below"},
				"expiry": {kind.Fail, "expired on 2026-05-30 12:00 UTC (2d ago)"},
			},
		},
		{
			name: "not yet valid",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, notBefore: testNow.Add(day24)}, ca.inter), ca.inter)
			},
			status:  kind.Fail,
			summary: "is not valid yet (from 2026-06-02 12:00 UTC)",
			lines:   map[string]want{"expiry": {kind.Fail, `leaf "api.test" is not valid until 2026-06-02 12:00 UTC (in 24h)`}},
		},
		{
			name: "wrong host",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: []string{"www.other.test", "other.test"}}, ca.inter), ca.inter)
			},
			status:  kind.Fail,
			summary: "certificate does not cover api.test (covers www.other.test, other.test)",
			lines:   map[string]want{"hostname": {kind.Fail, "api.test is not covered; the certificate covers: www.other.test, other.test"}},
		},
		{
			name:    "common name only",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test"}, ca.inter), ca.inter) },
			status:  kind.Fail,
			summary: "does not cover api.test",
			lines:   map[string]want{"hostname": {kind.Fail, `common name "api.test" is ignored`}},
		},
		{
			name:    "self-signed",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, nil)) },
			status:  kind.Fail,
			summary: "self-signed certificate",
			lines:   map[string]want{"trust": {kind.Fail, `self-signed certificate "api.test"`}},
		},
		{
			name: "untrusted root",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host}, other.inter), other.inter)
			},
			status:  kind.Fail,
			summary: `certificate chains to "Other CA Root", which is not a trusted root`,
			lines:   map[string]want{"trust": {kind.Fail, `untrusted root: the chain ends at "Other CA Intermediate"`}},
		},
		{
			name: "untrusted root sent by the server",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host}, other.inter), other.inter, other.root)
			},
			status:  kind.Fail,
			summary: `untrusted root "Other CA Root"`,
			lines:   map[string]want{"trust": {kind.Fail, `untrusted root: the chain ends at the self-signed "Other CA Root"`}},
		},
		{
			name:    "missing intermediate",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter)) },
			status:  kind.Fail,
			summary: "incomplete chain: intermediate certificate missing",
			lines: map[string]want{
				"trust":  {kind.Fail, `incomplete chain: the server sent only the leaf, and its issuer "Test CA Intermediate" is not a trusted root`},
				"expiry": {kind.Pass, "(of the presented chain: it did not verify)"},
			},
		},
		{
			name: "intermediate expires before the leaf",
			server: func() tls.Certificate {
				inter := issue(t, spec{cn: "Short Intermediate", ca: true, notAfter: testNow.Add(5 * day24)}, ca.root)
				return chain(issue(t, spec{cn: "api.test", dns: host, notAfter: testNow.Add(80 * day24)}, inter), inter)
			},
			status:  kind.Fail,
			summary: `intermediate "Short Intermediate" expires in 5d (2026-06-06), inside fail_within 7d`,
			lines: map[string]want{
				"expiry":                       {kind.Fail, `intermediate "Short Intermediate" expires on 2026-06-06`},
				"certificate 0 (leaf)":         {kind.Pass, "80d left"},
				"certificate 1 (intermediate)": {kind.Fail, "5d left"},
			},
		},
		{
			name: "intermediate already expired",
			server: func() tls.Certificate {
				inter := issue(t, spec{cn: "Old Intermediate", ca: true, notBefore: testNow.Add(-400 * day24), notAfter: testNow.Add(-5 * day24)}, ca.root)
				return chain(issue(t, spec{cn: "api.test", dns: host}, inter), inter)
			},
			status:  kind.Fail,
			summary: `intermediate "Old Intermediate" expired 5d ago (2026-05-27)`,
			lines: map[string]want{
				"trust":  {kind.Pass, `"api.test" ← "Old Intermediate" ← "Test CA Root" (trusted root) (the chain is sound; its dates are judged below)`},
				"expiry": {kind.Fail, `intermediate "Old Intermediate" expired on 2026-05-27 12:00 UTC (5d ago)`},
			},
		},
		{
			name: "expired cross-signed root sent but not used",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter, crossSigned)
			},
			status:  kind.Pass,
			summary: "valid until 2026-08-30",
			lines: map[string]want{
				"expiry":            {kind.Pass, `leaf "api.test"`},
				"also sent, unused": {kind.Pass, "issuer Old Root; valid to 2026-05-22 12:00 UTC (expired 10d ago): not part of the verified chain"},
			},
		},
		{
			name: "1024-bit RSA key",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, key: rsa1024}, ca.inter), ca.inter)
			},
			status:  kind.Fail,
			summary: `leaf "api.test" has a weak RSA 1024 key`,
			lines:   map[string]want{"key and signatures": {kind.Fail, `leaf "api.test" has a weak RSA 1024 key`}},
		},
		{
			name: "SHA-1 signature",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, sigAlg: x509.SHA1WithRSA}, rsaCA))
			},
			roots:   rsaPool,
			status:  kind.Fail,
			summary: "signed with SHA1-RSA",
			lines: map[string]want{
				"trust":              {kind.Fail, `"api.test" is signed with SHA1-RSA, which browsers and modern clients reject`},
				"key and signatures": {kind.Fail, `leaf "api.test" is signed with SHA1-RSA`},
			},
		},
		{
			name:    "server accepts TLS 1.0",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			srvCfg:  func(cfg *tls.Config) { cfg.MinVersion = tls.VersionTLS10 },
			status:  kind.Fail,
			summary: "server accepts TLS 1.0 and TLS 1.1",
			lines:   map[string]want{"protocol": {kind.Fail, "negotiated TLS 1.3, TLS_AES_128_GCM_SHA256; ACCEPTS TLS 1.0, TLS 1.1"}},
		},
		{
			name:    "server only speaks TLS 1.0",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			srvCfg:  func(cfg *tls.Config) { cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS10 },
			status:  kind.Fail,
			summary: "server negotiates only TLS 1.0 (minimum TLS 1.2)",
			lines:   map[string]want{"protocol": {kind.Fail, "negotiated TLS 1.0"}},
		},
		{
			name:    "TLS 1.3 floor probes TLS 1.2",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			tweak:   func(c *Certificate) { c.MinVersion = "TLS 1.3" },
			status:  kind.Fail,
			summary: "server accepts TLS 1.2",
			lines:   map[string]want{"protocol": {kind.Fail, "refuses TLS 1.0, TLS 1.1; ACCEPTS TLS 1.2"}},
		},
		{
			name: "server offers only 3DES",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "api.test", dns: host, key: rsa2048}, ca.inter), ca.inter)
			},
			srvCfg: func(cfg *tls.Config) {
				cfg.MaxVersion = tls.VersionTLS12
				cfg.CipherSuites = []uint16{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA}
			},
			status:  kind.Fail,
			summary: "server only offers the insecure cipher TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
			lines:   map[string]want{"protocol": {kind.Fail, "negotiated TLS 1.2, TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"}},
		},
		{
			name:   "mutual TLS over TLS 1.2: the certificate is still judged",
			server: func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			srvCfg: func(cfg *tls.Config) {
				cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS10, tls.VersionTLS12
				cfg.ClientAuth = tls.RequireAnyClientCert
			},
			status:  kind.Fail,
			summary: "server accepts TLS 1.0 and TLS 1.1",
			lines: map[string]want{
				"expiry":   {kind.Pass, "90d left"},
				"protocol": {kind.Fail, `negotiated TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256; ACCEPTS TLS 1.0, TLS 1.1; after sending its certificate the server refused the TLS handshake with the alert "handshake failure"`},
			},
		},
		{
			name:    "OCSP staple required but absent",
			server:  func() tls.Certificate { return chain(issue(t, spec{cn: "api.test", dns: host}, ca.inter), ca.inter) },
			tweak:   func(c *Certificate) { c.RequireOCSPStaple = true },
			status:  kind.Fail,
			summary: "no OCSP staple",
			lines:   map[string]want{"ocsp staple": {kind.Fail, "no OCSP response stapled"}},
		},
		{
			name: "OCSP staple good",
			server: func() tls.Certificate {
				leaf := issue(t, spec{cn: "api.test", dns: host}, ca.inter)
				tc := chain(leaf, ca.inter)
				tc.OCSPStaple = ocspResponse(t, leaf, ca.inter, ocsp.Good)
				return tc
			},
			tweak:   func(c *Certificate) { c.RequireOCSPStaple = true },
			status:  kind.Pass,
			summary: "valid until",
			lines:   map[string]want{"ocsp staple": {kind.Pass, "good (updated 2026-06-01 11:00 UTC, next update 2026-06-08 11:00 UTC)"}},
		},
		{
			name: "OCSP staple says revoked",
			server: func() tls.Certificate {
				leaf := issue(t, spec{cn: "api.test", dns: host}, ca.inter)
				tc := chain(leaf, ca.inter)
				tc.OCSPStaple = ocspResponse(t, leaf, ca.inter, ocsp.Revoked)
				return tc
			},
			status:  kind.Fail,
			summary: "the certificate is revoked (OCSP)",
			lines:   map[string]want{"ocsp staple": {kind.Fail, "REVOKED on"}},
		},
		{
			name: "server_name overrides the host",
			server: func() tls.Certificate {
				return chain(issue(t, spec{cn: "www.test", dns: []string{"www.test"}}, ca.inter), ca.inter)
			},
			tweak:   func(c *Certificate) { c.ServerName = "www.test" },
			status:  kind.Pass,
			summary: "trusted certificate for www.test",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.server()
			roots := tc.roots
			if roots == nil {
				roots = ca.pool()
			}
			cfg := &tls.Config{Certificates: []tls.Certificate{srv}}
			if tc.srvCfg != nil {
				tc.srvCfg(cfg)
			}
			addr := serveTLS(t, "127.0.0.1:0", cfg)
			_, port, _ := net.SplitHostPort(addr)
			c := New()
			c.Host = "api.test:" + port
			if tc.tweak != nil {
				tc.tweak(c)
			}
			r := runCheck(t, c, testEnv(roots, resolver{"api.test": {"127.0.0.1"}}))
			assertResult(t, r, tc.status, tc.summary, tc.lines)
		})
	}
}

// ocspResponse is a response from the issuer itself (allowed by RFC 6960 4.2.2.2), produced an
// hour before testNow and valid for a week.
func ocspResponse(t *testing.T, leaf, issuer *cert, status int) []byte {
	t.Helper()
	tpl := ocsp.Response{
		Status:       status,
		SerialNumber: leaf.x509.SerialNumber,
		ProducedAt:   testNow.Add(-time.Hour),
		ThisUpdate:   testNow.Add(-time.Hour),
		NextUpdate:   testNow.Add(7*day24 - time.Hour),
	}
	if status == ocsp.Revoked {
		tpl.RevokedAt = testNow.Add(-2 * day24)
		tpl.RevocationReason = ocsp.KeyCompromise
	}
	der, err := ocsp.CreateResponse(issuer.x509, issuer.x509, tpl, issuer.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestProtocolRemedy: the server configuration a remedy suggests allows exactly the versions
// from min_version up, never one below it (a TLS 1.3 floor must not be told "TLSv1.2 TLSv1.3").
func TestProtocolRemedy(t *testing.T) {
	t.Parallel()
	ca := newPKI(t, "Test CA")
	leaf := issue(t, spec{cn: "api.test", dns: []string{"api.test"}}, ca.inter)
	tests := []struct {
		name       string
		floor      string
		min, max   uint16 // the server's versions
		summary    string
		remedy     []string
		notInFixes []string
	}{
		{"floor 1.2, server accepts 1.0", "1.2", tls.VersionTLS10, tls.VersionTLS13, "server accepts TLS 1.0 and TLS 1.1",
			[]string{"disable TLS versions below TLS 1.2", "nginx: ssl_protocols TLSv1.2 TLSv1.3;", "Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3"},
			[]string{"TLSv1.1", "TLSv1 "}},
		{"floor 1.3, server accepts 1.2", "1.3", tls.VersionTLS12, tls.VersionTLS13, "server accepts TLS 1.2",
			[]string{"disable TLS versions below TLS 1.3", "nginx: ssl_protocols TLSv1.3;", "Apache: SSLProtocol -all +TLSv1.3"},
			[]string{"TLSv1.2"}},
		{"floor 1.2, server stops at 1.1", "1.2", tls.VersionTLS10, tls.VersionTLS11, "server negotiates only TLS 1.1 (minimum TLS 1.2)",
			[]string{"enable TLS 1.2 and TLS 1.3 on the server", "nginx: ssl_protocols TLSv1.2 TLSv1.3;", "Apache: SSLProtocol -all +TLSv1.2 +TLSv1.3"},
			[]string{"TLSv1.1"}},
		{"floor 1.3, server stops at 1.2", "1.3", tls.VersionTLS12, tls.VersionTLS12, "server negotiates only TLS 1.2 (minimum TLS 1.3)",
			[]string{"enable TLS 1.3 on the server", "nginx: ssl_protocols TLSv1.3;", "Apache: SSLProtocol -all +TLSv1.3"},
			[]string{"TLSv1.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := serveTLS(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{chain(leaf, ca.inter)}, MinVersion: tt.min, MaxVersion: tt.max})
			_, port, _ := net.SplitHostPort(addr)
			c := New()
			c.Host = "api.test:" + port
			c.MinVersion = tt.floor
			r := runCheck(t, c, testEnv(ca.pool(), resolver{"api.test": {"127.0.0.1"}}))
			assertResult(t, r, kind.Fail, tt.summary, map[string]want{"protocol": {kind.Fail, "negotiated"}})
			for _, s := range tt.remedy {
				if !strings.Contains(r.Remedy, s) {
					t.Errorf("remedy %q does not contain %q", r.Remedy, s)
				}
			}
			for _, s := range tt.notInFixes {
				if strings.Contains(r.Remedy, s) {
					t.Errorf("remedy %q still allows %q, below the floor %s", r.Remedy, s, tt.floor)
				}
			}
		})
	}
}
