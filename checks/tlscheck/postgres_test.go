package tlscheck

import (
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
)

// startPostgres starts a throwaway PostgreSQL cluster with ssl = on and the given certificate
// chain, and returns its port. The shared server on 5432 is left alone: its TLS settings are not
// ours to change.
func startPostgres(t *testing.T, leaf *cert, chainPEM []byte) string {
	t.Helper()
	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.key)
	if err != nil {
		t.Fatal(err)
	}
	c := pgtest.Start(t, pgtest.Options{
		Files: map[string][]byte{
			"server.crt": chainPEM,
			"server.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		},
		Conf: []string{"ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'", "max_connections = 10"},
	})
	return strconv.Itoa(c.Port)
}

// TestPostgres checks the certificate a real PostgreSQL server presents after the SSLRequest.
func TestPostgres(t *testing.T) {
	t.Parallel()
	ca := newPKI(t, "DB CA")
	leaf := issue(t, spec{cn: "db.test", dns: []string{"db.test"}, notAfter: testNow.Add(20 * day24)}, ca.inter)
	chainPEM := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.x509.Raw}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.inter.x509.Raw})...)
	port := startPostgres(t, leaf, chainPEM)

	c := New()
	c.Host = "postgres://app:s3cret@db.test:" + port + "/app?sslmode=verify-full"
	r := runCheck(t, c, testEnv(ca.pool(), resolver{"db.test": {"127.0.0.1"}}))
	assertResult(t, r, kind.Warn, `postgres://db.test:`+port+`: leaf "db.test" expires in 20d`, map[string]want{
		"certificate 0 (leaf)": {kind.Warn, "subject db.test; SANs db.test; issuer DB CA Intermediate"},
		"trust":                {kind.Pass, `"db.test" ← "DB CA Intermediate" ← "DB CA Root"`},
		"hostname":             {kind.Pass, "covered"},
		// PostgreSQL 15 defaults to ssl_min_protocol_version = TLSv1.2.
		"protocol": {kind.Pass, "negotiated TLS 1.3, TLS_AES_256_GCM_SHA384; refuses TLS 1.0, TLS 1.1"},
	})
	if strings.Contains(golden.Result(r), "s3cret") || strings.Contains(c.Title(), "s3cret") {
		t.Errorf("the password leaked:\n%s", golden.Result(r))
	}

	// A TLS 1.3 floor: PostgreSQL 15 still accepts TLS 1.2, and the fix is its own setting.
	c = New()
	c.Host = "postgres://db.test:" + port + "/app?sslmode=verify-full"
	c.MinVersion = "1.3"
	r = runCheck(t, c, testEnv(ca.pool(), resolver{"db.test": {"127.0.0.1"}}))
	assertResult(t, r, kind.Fail, "server accepts TLS 1.2", map[string]want{"protocol": {kind.Fail, "ACCEPTS TLS 1.2"}})
	if want := "PostgreSQL: ssl_min_protocol_version = 'TLSv1.3' in postgresql.conf, then SELECT pg_reload_conf();"; !strings.Contains(r.Remedy, want) {
		t.Errorf("remedy %q does not contain %q", r.Remedy, want)
	}

	// sslmode=verify-ca: libpq does not check the name, so neither does the check.
	c = New()
	c.Host = "postgres://127.0.0.1:" + port + "/app?sslmode=verify-ca"
	r = runCheck(t, c, testEnv(ca.pool(), nil))
	assertResult(t, r, kind.Warn, "expires in 20d", map[string]want{
		"hostname": {kind.Pass, "not checked: the URL says sslmode=verify-ca"},
	})
}

// TestPostgresWithoutSSL covers a server that answers the SSLRequest with 'N' (ssl = off): that
// is a finding about the target, so it fails rather than errors.
func TestPostgresWithoutSSL(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			var req [8]byte
			if _, err := io.ReadFull(conn, req[:]); err == nil {
				_, _ = conn.Write([]byte{'N'})
			}
			conn.Close()
		}
	}()
	c := New()
	c.Host = "postgres://" + ln.Addr().String() + "/app"
	r := runCheck(t, c, testEnv(x509.NewCertPool(), nil))
	assertResult(t, r, kind.Fail, "does not accept SSL (ssl = off)", map[string]want{
		"connection": {kind.Fail, "does not accept SSL"},
	})
}
