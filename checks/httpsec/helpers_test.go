package httpsec

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/check"
)

func testEnv(now time.Time) *check.Env {
	return &check.Env{
		Now:     func() time.Time { return now },
		Getenv:  os.Getenv,
		Dialer:  &net.Dialer{},
		BaseDir: ".",
		Version: "test",
	}
}

// tlsEnv trusts srv's certificate.
func tlsEnv(srv *httptest.Server) *check.Env {
	env := testEnv(time.Now())
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	env.RootCAs = pool
	return env
}

func run(t *testing.T, c check.Check, env *check.Env) check.Result {
	t.Helper()
	if v, ok := c.(check.Validator); ok {
		if err := v.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Run(ctx, env)
}

// rendered is everything a result could print, to assert that secrets never appear in it.
func rendered(r check.Result) string {
	b, _ := json.Marshal(r)
	return string(b) + r.Summary + r.Remedy
}

func evidence(r check.Result, label string) (check.Evidence, bool) {
	for _, e := range r.Evidence {
		if e.Label == label {
			return e, true
		}
	}
	return check.Evidence{}, false
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
