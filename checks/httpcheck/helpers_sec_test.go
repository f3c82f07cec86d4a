package httpcheck

import (
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

func envAt(now time.Time) *kind.Env {
	return &kind.Env{
		Now:     func() time.Time { return now },
		Getenv:  os.Getenv,
		Dialer:  &net.Dialer{},
		BaseDir: ".",
		Version: "test",
	}
}

// tlsEnv trusts srv's certificate.
func tlsEnv(srv *httptest.Server) *kind.Env {
	env := envAt(time.Now())
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	env.RootCAs = pool
	return env
}

// rendered is everything a result could print, to assert that secrets never appear in it.
func rendered(r kind.Result) string {
	b, _ := json.Marshal(r)
	return string(b) + r.Summary + r.Remedy
}
