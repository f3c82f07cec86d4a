package testsvc

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Deploying is the health endpoint of a service still being deployed: it answers 503 until its
// readyAt-th request and 200 from then on (never, when readyAt is 0), in application/health+json.
// Each 503 names the request it answers ("pods starting (request 3)"), so that a test can tell
// which attempt's evidence a result kept.
type Deploying struct {
	URL string
	// Requests counts the requests answered so far.
	Requests atomic.Int32
}

// NewDeploying starts a Deploying endpoint for the test.
func NewDeploying(t testing.TB, readyAt int32) *Deploying {
	t.Helper()
	d := &Deploying{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := d.Requests.Add(1)
		w.Header().Set("Content-Type", "application/health+json")
		if readyAt > 0 && n >= readyAt {
			fmt.Fprint(w, `{"status":"pass"}`)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"status":"fail","checks":{"deploy:pods":[{"status":"fail","output":"pods starting (request %d)"}]}}`, n)
	}))
	t.Cleanup(srv.Close)
	d.URL = srv.URL
	return d
}
