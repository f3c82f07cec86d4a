package tlscheck

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/check"
	"github.com/launchgate/launchgate/internal/testsvc"
)

const pgBin = "/usr/lib/postgresql/15/bin"

// startPostgres starts a throwaway PostgreSQL 15 cluster with ssl = on and the given
// certificate chain, on a free loopback port, and returns the port. The shared server on 5432
// is left alone: its TLS settings are not ours to change.
func startPostgres(t *testing.T, leaf *cert, chainPEM []byte) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		testsvc.Unavailable(t, "PostgreSQL 15", "apt-get install postgresql-15", err)
	}
	// PostgreSQL refuses to run as root: as root, run it as the postgres OS user.
	var uid, gid = -1, -1
	wrap := func(args ...string) *exec.Cmd { return exec.Command(args[0], args[1:]...) }
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			testsvc.Unavailable(t, "the postgres OS user", "apt-get install postgresql-15", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		wrap = func(args ...string) *exec.Cmd {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
		}
	}
	dir, err := os.MkdirTemp("", "launchgate-tlscheck-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	run := func(args ...string) {
		t.Helper()
		if out, err := wrap(args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run(filepath.Join(pgBin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "--no-instructions")

	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"server.crt": chainPEM,
		"server.key": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
	for name, b := range files {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if uid >= 0 {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	port := strings.TrimPrefix(testsvc.ClosedAddr(t), "127.0.0.1:")
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %s\nunix_socket_directories = '%s'\n"+
		"ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\nfsync = off\nmax_connections = 10\nshared_buffers = 16MB\n", port, dir)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(conf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	logFile := filepath.Join(dir, "postgres.log")
	if out, err := wrap(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-l", logFile, "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(logFile)
		t.Fatalf("pg_ctl start: %v\n%s\n%s", err, out, log)
	}
	t.Cleanup(func() {
		_ = wrap(filepath.Join(pgBin, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop").Run()
	})
	return port
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
	assertResult(t, r, check.Warn, `postgres://db.test:`+port+`: leaf "db.test" expires in 20d`, map[string]want{
		"certificate 0 (leaf)": {check.Warn, "subject db.test; SANs db.test; issuer DB CA Intermediate"},
		"trust":                {check.Pass, `"db.test" ← "DB CA Intermediate" ← "DB CA Root"`},
		"hostname":             {check.Pass, "covered"},
		// PostgreSQL 15 defaults to ssl_min_protocol_version = TLSv1.2.
		"protocol": {check.Pass, "negotiated TLS 1.3, TLS_AES_256_GCM_SHA384; refuses TLS 1.0, TLS 1.1"},
	})
	if strings.Contains(dump(r), "s3cret") || strings.Contains(c.Title(), "s3cret") {
		t.Errorf("the password leaked:\n%s", dump(r))
	}

	// sslmode=verify-ca: libpq does not check the name, so neither does the check.
	c = New()
	c.Host = "postgres://127.0.0.1:" + port + "/app?sslmode=verify-ca"
	r = runCheck(t, c, testEnv(ca.pool(), nil))
	assertResult(t, r, check.Warn, "expires in 20d", map[string]want{
		"hostname": {check.Pass, "not checked: the URL says sslmode=verify-ca"},
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
	assertResult(t, r, check.Fail, "does not accept SSL (ssl = off)", map[string]want{
		"connection": {check.Fail, "does not accept SSL"},
	})
}
