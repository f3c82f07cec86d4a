package tlscheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// TestCAFileMustBeARegularFile covers ca_file pointing at something that is not a CA bundle: a
// FIFO must not hold the check forever (opening one waits for a writer), /dev/zero must not
// fill memory, and an oversized file is refused before it is read.
func TestCAFileMustBeARegularFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ca.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	huge := filepath.Join(dir, "huge.pem")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: 17 MiB on paper, nothing on disk.
	if err := f.Truncate(17 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()

	cases := []struct{ name, caFile, want string }{
		{"a FIFO", fifo, "ca.fifo: is a FIFO, not a regular file"},
		{"a device", "/dev/zero", "/dev/zero: is a character device, not a regular file"},
		{"a directory", dir, "is a directory, not a regular file"},
		{"over 16 MiB", huge, "huge.pem: is 17825792 bytes, more than the 16777216 bytes (16MiB) such a file may hold"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New()
			// Nothing is dialled: ca_file is read first.
			c.Host, c.CAFile = testsvc.ClosedAddr(t), tc.caFile
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			done := make(chan kind.Result, 1)
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				done <- c.Run(ctx, testEnv(x509.NewCertPool(), nil))
			}()
			select {
			case r := <-done:
				if r.Status != kind.Error || !strings.Contains(r.Summary, "cannot read ca_file") || !strings.Contains(r.Summary, tc.want) {
					t.Errorf("got %s %q, want an error naming the file: %q", r.Status, r.Summary, tc.want)
				}
			case <-time.After(20 * time.Second):
				// Release the check (it waits in open for a writer) before failing.
				if w, err := os.OpenFile(tc.caFile, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				<-done
				t.Fatalf("ca_file %s held the check past its 5s timeout", tc.caFile)
			}
		})
	}
}

// slowResolver answers after a delay, as a slow DNS server does.
type slowResolver struct {
	resolver
	delay time.Duration
}

func (r slowResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	select {
	case <-time.After(r.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return r.resolver.LookupIPAddr(ctx, host)
}

// TestTimeoutNamedAsConfigured: the check's timeout is 2s, and it is what the message names,
// not what was left of it once DNS had answered.
func TestTimeoutNamedAsConfigured(t *testing.T) {
	t.Parallel()
	_, port, _ := net.SplitHostPort(testsvc.HangingListener(t))
	c := New()
	c.Host = "slow.test:" + port
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := kind.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// An empty pool, not the system's: loading those under -race takes a good part of a second.
	env := testEnv(x509.NewCertPool(), nil)
	env.Resolver = slowResolver{resolver{"slow.test": {"127.0.0.1"}}, 200 * time.Millisecond}
	r := c.Run(ctx, env)
	if !strings.Contains(r.Summary, "did not complete the TLS handshake within 2s") {
		t.Errorf("summary %q does not name the configured 2s\n%s", r.Summary, golden.Result(r))
	}
}

// TestServerChosenNamesAreCut: a certificate names whatever its owner wants, as many as it
// wants; the summary stays short.
func TestServerChosenNamesAreCut(t *testing.T) {
	t.Parallel()
	ca := newPKI(t, "Test CA")
	var names []string
	for i := 0; i < 300; i++ {
		names = append(names, fmt.Sprintf("host-%03d.%s.test", i, strings.Repeat("x", 40)))
	}
	leaf := issue(t, spec{cn: strings.Repeat("Long Common Name ", 50), dns: names}, ca.inter)
	addr := serveTLS(t, "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{chain(leaf, ca.inter)}})
	_, port, _ := net.SplitHostPort(addr)
	c := New()
	c.Host = "api.test:" + port
	r := runCheck(t, c, testEnv(ca.pool(), resolver{"api.test": {"127.0.0.1"}}))
	if r.Status != kind.Fail || !strings.Contains(r.Summary, "and 290 more") {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
	if len(r.Summary) > 1000 {
		t.Errorf("a certificate with 300 names made a %d-byte summary", len(r.Summary))
	}
	for _, e := range r.Evidence {
		if len(e.Observed) > 1500 {
			t.Errorf("evidence %q is %d bytes", e.Label, len(e.Observed))
		}
	}
}
