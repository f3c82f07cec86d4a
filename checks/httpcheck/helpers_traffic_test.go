package httpcheck

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

const testVersion = "1.2.3-test"

// testNow is the fixed clock of the tests' env.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func testEnv() *kind.Env {
	env := kind.DefaultEnv(testVersion)
	env.Resolver = nil // loopback addresses only; nothing to resolve
	env.Now = func() time.Time { return testNow }
	return env
}

// counter is a loopback server that counts, on its own side, every request it receives and
// how many were in flight at once, and remembers each User-Agent.
type counter struct {
	total    atomic.Int64
	inflight atomic.Int64
	peak     atomic.Int64

	mu     sync.Mutex
	agents map[string]int
	protos map[string]int
}

func (c *counter) wrap(h func(n int64, w http.ResponseWriter, r *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := c.total.Add(1)
		cur := c.inflight.Add(1)
		defer c.inflight.Add(-1)
		for {
			p := c.peak.Load()
			if cur <= p || c.peak.CompareAndSwap(p, cur) {
				break
			}
		}
		c.mu.Lock()
		if c.agents == nil {
			c.agents, c.protos = map[string]int{}, map[string]int{}
		}
		c.agents[r.UserAgent()]++
		c.protos[r.Proto]++
		c.mu.Unlock()
		h(n, w, r)
	})
}

// serve starts a plain HTTP loopback server around h.
func serve(t testing.TB, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *counter) {
	t.Helper()
	c := &counter{}
	srv := httptest.NewServer(c.wrap(h))
	t.Cleanup(srv.Close)
	return srv, c
}

// serveTLS starts an HTTPS loopback server that offers HTTP/2, and an env that trusts it.
func serveTLS(t testing.TB, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *counter, *kind.Env) {
	t.Helper()
	c := &counter{}
	srv := httptest.NewUnstartedServer(c.wrap(h))
	srv.EnableHTTP2 = true
	// Clients that abandon a duplicate connection mid-handshake are normal here; keep the log quiet.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	env := testEnv()
	env.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	return srv, c, env
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
