package httpcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/kindtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// headerLog is a loopback server that remembers the headers of every request it gets.
type headerLog struct {
	*httptest.Server
	mu  sync.Mutex
	got []http.Header
}

// listenOn starts h on ip (127.0.0.2 is another host on the same machine) and a free port.
func listenOn(t *testing.T, ip string, h http.HandlerFunc) *headerLog {
	t.Helper()
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	s := &headerLog{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got = append(s.got, r.Header.Clone())
		s.mu.Unlock()
		h(w, r)
	}))
	s.Listener = l
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *headerLog) requests() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.got...)
}

// TestHealthKeepsCredentialsAtTheirOrigin: the health endpoint redirects elsewhere (another
// port, another host); what the checklist sent it must not follow.
func TestHealthKeepsCredentialsAtTheirOrigin(t *testing.T) {
	creds := map[string]string{"X-Api-Key": "key-LeakMe12345", "Authorization": "Bearer tok-LeakMe12345", "Cookie": "sid=LeakMe12345"}
	for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
		t.Run("to "+ip, func(t *testing.T) {
			dest := listenOn(t, ip, reply(200, "application/json", `{"status":"pass"}`))
			start := listenOn(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, dest.URL+"/healthz", http.StatusFound)
			})
			r := kindtest.Run(t, newHealth(t, start.URL+"/healthz", func(h *Health) { h.Headers = creds }), nil, 10*time.Second)
			if r.Status != kind.Pass {
				t.Fatalf("got %s %q", r.Status, r.Summary)
			}
			if got := start.requests(); len(got) != 1 || got[0].Get("X-Api-Key") == "" {
				t.Fatalf("the url itself must get the headers: %v", got)
			}
			for _, h := range dest.requests() {
				for k := range creds {
					if h.Get(k) != "" {
						t.Errorf("%s followed the redirect to %s", k, dest.URL)
					}
				}
			}

			// The opt-in forwards them.
			r = kindtest.Run(t, newHealth(t, start.URL+"/healthz", func(h *Health) {
				h.Headers, h.ForwardCredentials = creds, true
			}), nil, 10*time.Second)
			if got := dest.requests(); r.Status != kind.Pass || got[len(got)-1].Get("X-Api-Key") == "" {
				t.Errorf("forward_credentials_on_redirect: true did not forward X-Api-Key: %s %q", r.Status, r.Summary)
			}
		})
	}
	if k, _ := kind.Lookup("http.health"); k.New().(*Health).ForwardCredentials {
		t.Error("forward_credentials_on_redirect must default to false")
	}
}

// TestHealthTimeoutNamedAsConfigured: the message names the check's timeout as the checklist
// wrote it, not the time left when the request started.
func TestHealthTimeoutNamedAsConfigured(t *testing.T) {
	addr := testsvc.HangingListener(t)
	c := newHealth(t, "http://"+addr+"/healthz", nil)
	ctx, cancel := kind.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	r := c.Run(ctx, kind.DefaultEnv("test"))
	if r.Status != kind.Error || !strings.HasSuffix(r.Summary, "accepted the connection but sent no response within 300ms (the server hangs)") {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
}

// TestHealthCutsWhatTheServerSays: values, component names and outputs come from the server,
// which decides how long and how many they are; the result stays readable.
func TestHealthCutsWhatTheServerSays(t *testing.T) {
	long := strings.Repeat("ü", 600)
	checks := map[string]any{}
	for i := 0; i < 200; i++ {
		checks[fmt.Sprintf("dep-%03d-%s", i, long)] = []any{map[string]any{"status": "fail", "output": long, "observedValue": long}}
	}
	body, _ := json.Marshal(map[string]any{"status": "fail", "detail": long, "checks": checks})
	url := serveURL(t, reply(200, "application/health+json", string(body)))
	r := kindtest.Run(t, newHealth(t, url, func(h *Health) {
		h.JSON = map[string]string{"detail": "ok"}
		h.ExpectBody = "healthy"
	}), nil, 10*time.Second)
	if r.Status != kind.Fail {
		t.Fatalf("got %s %q", r.Status, r.Summary)
	}
	if len(r.Summary) > 1000 {
		t.Errorf("the summary is %d bytes: %.200q", len(r.Summary), r.Summary)
	}
	if len(r.Evidence) > maxComponents+10 {
		t.Errorf("%d evidence lines for a body listing 200 components", len(r.Evidence))
	}
	last := r.Evidence[len(r.Evidence)-1]
	if last.Label != "components" || last.Observed != "170 more not shown (fail at worst)" || last.Status != kind.Fail {
		t.Errorf("last line %+v, want the count of the components not shown", last)
	}
	for _, e := range r.Evidence {
		if len(e.Label)+len(e.Observed) > 800 {
			t.Errorf("evidence %.60q is %d bytes", e.Label, len(e.Label)+len(e.Observed))
		}
	}
}
