package tlscheck

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// testNow is the fixed "now" every certificate in these tests is dated against.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const day24 = 24 * time.Hour

var serialSeq atomic.Int64

// cert is a test certificate with its key.
type cert struct {
	x509 *x509.Certificate
	key  crypto.Signer
}

// spec describes a certificate to issue; zero values mean "a normal, valid one".
type spec struct {
	cn        string
	dns       []string
	ips       []net.IP
	notBefore time.Time     // default testNow - 30d
	notAfter  time.Time     // default testNow + 90d
	ca        bool          //
	key       crypto.Signer // default ECDSA P-256
	sigAlg    x509.SignatureAlgorithm
	subject   *cert // a cert whose subject and key to reuse (cross-signing)
	serial    int64 // default: the next of a sequence
}

var (
	keyOnce sync.Once
	// Generating RSA keys is slow; the tests share a few.
	rsa2048, rsa1024 *rsa.PrivateKey
)

func rsaKeys(t testing.TB) {
	keyOnce.Do(func() {
		var err error
		if rsa2048, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if rsa1024, err = rsa.GenerateKey(rand.Reader, 1024); err != nil {
			panic(err)
		}
	})
}

func ecKey(t testing.TB) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue creates a certificate signed by parent (self-signed when parent is nil).
func issue(t testing.TB, s spec, parent *cert) *cert {
	t.Helper()
	if s.notBefore.IsZero() {
		s.notBefore = testNow.Add(-30 * day24)
	}
	if s.notAfter.IsZero() {
		s.notAfter = testNow.Add(90 * day24)
	}
	key := s.key
	subj := pkix.Name{CommonName: s.cn, Organization: []string{"launchgate tests"}}
	if s.subject != nil {
		key, subj = s.subject.key, s.subject.x509.Subject
	}
	if key == nil {
		key = ecKey(t)
	}
	sn := s.serial
	if sn == 0 {
		sn = 1000 + serialSeq.Add(1)
	}
	tpl := &x509.Certificate{
		SerialNumber:          big.NewInt(sn),
		Subject:               subj,
		DNSNames:              s.dns,
		IPAddresses:           s.ips,
		NotBefore:             s.notBefore,
		NotAfter:              s.notAfter,
		SignatureAlgorithm:    s.sigAlg,
		BasicConstraintsValid: true,
		IsCA:                  s.ca,
	}
	if s.ca {
		tpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	issuerTpl, signer := tpl, key
	if parent != nil {
		issuerTpl, signer = parent.x509, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, issuerTpl, key.Public(), signer)
	if err != nil {
		t.Fatalf("issue %s: %v", s.cn, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &cert{x509: c, key: key}
}

// pki is a root and an intermediate, the usual shape of a public CA.
type pki struct {
	root, inter *cert
}

func newPKI(t testing.TB, name string) pki {
	root := issue(t, spec{cn: name + " Root", ca: true, notAfter: testNow.Add(3650 * day24)}, nil)
	inter := issue(t, spec{cn: name + " Intermediate", ca: true, notAfter: testNow.Add(1000 * day24)}, root)
	return pki{root: root, inter: inter}
}

func (p pki) pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.root.x509)
	return pool
}

// chain builds what a server sends: the leaf's certificate and then the others.
func chain(leaf *cert, rest ...*cert) tls.Certificate {
	tc := tls.Certificate{PrivateKey: leaf.key, Leaf: leaf.x509}
	tc.Certificate = append(tc.Certificate, leaf.x509.Raw)
	for _, c := range rest {
		tc.Certificate = append(tc.Certificate, c.x509.Raw)
	}
	return tc
}

// serveTLS runs a TLS server on addr ("127.0.0.1:0") that completes handshakes and hangs up.
// It returns the address it listens on.
func serveTLS(t testing.TB, addr string, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, ln, cfg)
}

func serveOn(t testing.TB, ln net.Listener, cfg *tls.Config) string {
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				tc := tls.Server(c, cfg)
				if tc.Handshake() == nil {
					// Wait for the client's close_notify so the handshake is complete on
					// both sides before hanging up.
					var b [1]byte
					_, _ = tc.Read(b[:])
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// servePair listens on the same free port on 127.0.0.1 and 127.0.0.2, so that one name
// resolving to both addresses reaches a different server on each.
func servePair(t testing.TB, cfg1, cfg2 *tls.Config) string {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		ln1, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(ln1.Addr().(*net.TCPAddr).Port)
		ln2, err := net.Listen("tcp", net.JoinHostPort("127.0.0.2", port))
		if err != nil {
			ln1.Close()
			continue
		}
		serveOn(t, ln1, cfg1)
		serveOn(t, ln2, cfg2)
		return port
	}
	t.Fatal("no port free on both 127.0.0.1 and 127.0.0.2")
	return ""
}

// resolver maps test names to addresses, as DNS would.
type resolver map[string][]string

func (r resolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ips, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []net.IPAddr
	for _, s := range ips {
		out = append(out, net.IPAddr{IP: net.ParseIP(s)})
	}
	return out, nil
}

// testEnv is an environment with the fixed clock, the test resolver and the given roots.
func testEnv(roots *x509.CertPool, r resolver) *kind.Env {
	return &kind.Env{
		Now:      func() time.Time { return testNow },
		Getenv:   func(string) string { return "" },
		Resolver: r,
		Dialer:   &net.Dialer{},
		RootCAs:  roots,
		BaseDir:  ".",
		Version:  "test",
	}
}

func newPoolOf(certs ...*cert) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c.x509)
	}
	return pool
}
