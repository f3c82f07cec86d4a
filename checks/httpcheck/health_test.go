package httpcheck

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/kindtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

func newHealth(t *testing.T, url string, mod func(*Health)) *Health {
	t.Helper()
	k, _ := kind.Lookup("http.health")
	c := k.New().(*Health)
	c.URL = url
	if mod != nil {
		mod(c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func serveURL(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

func reply(status int, contentType, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}
}

func TestHealthAgainstRealServers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		mod     func(*Health)
		status  kind.Status
		summary string
	}{
		{"plain 200", reply(200, "text/plain", "ok"), nil, kind.Pass, "200 OK in "},
		{"wrong status", reply(503, "text/plain", "down"), nil, kind.Fail, "status 503 Service Unavailable"},
		{"accepted status list", reply(204, "", ""), func(h *Health) { h.ExpectStatus, _ = ParseStatusRanges("200,204") }, kind.Pass, "204 No Content"},
		{"body substring", reply(200, "text/plain", "all good"), func(h *Health) { h.ExpectBody = "good" }, kind.Pass, "200 OK"},
		{"body mismatch", reply(200, "text/plain", "degraded"), func(h *Health) { h.ExpectBody = "good" }, kind.Fail, "body does not match good"},
		{"body regex", reply(200, "text/plain", "v1.2.3 healthy"), func(h *Health) { h.ExpectBody = `/v\d+\.\d+.*healthy/` }, kind.Pass, "200 OK"},
		{"health+json pass", reply(200, "application/health+json", `{"status":"pass"}`), nil, kind.Pass, "200 OK"},
		{"health+json fail on 200", reply(200, "application/health+json", `{"status":"fail","checks":{"db:connections":[{"status":"fail","output":"pool exhausted"}]}}`), nil, kind.Fail, "body reports fail"},
		{"health+json warn", reply(200, "application/health+json", `{"status":"warn"}`), nil, kind.Warn, "but the body reports warn"},
		{"actuator DOWN", reply(200, "application/vnd.spring-boot.actuator.v3+json", `{"status":"DOWN","components":{"db":{"status":"DOWN"},"disk":{"status":"UP"}}}`), nil, kind.Fail, "body reports DOWN"},
		{"actuator UP", reply(200, "application/json", `{"status":"UP"}`), nil, kind.Pass, "200 OK"},
		{"ASP.NET Core Unhealthy", reply(200, "application/json", `{"status":"Unhealthy"}`), nil, kind.Fail, "body reports Unhealthy"},
		{"ASP.NET Core Degraded", reply(200, "text/plain", `{"status":"Degraded"}`), nil, kind.Warn, "but the body reports Degraded"},
		{"capitalised FAIL", reply(200, "application/json", `{"status":"FAIL"}`), nil, kind.Fail, "body reports FAIL"},
		{"Down", reply(200, "application/json", `{"status":"Down"}`), nil, kind.Fail, "body reports Down"},
		{"json path", reply(200, "application/json", `{"app":{"db":"ok","queues":[{"name":"mail","state":"stuck"}]}}`), func(h *Health) {
			h.JSON = map[string]string{"app.db": "ok", "app.queues.0.state": "running"}
		}, kind.Fail, "json app.queues.0.state is stuck, want running"},
		{"json on non-json", reply(200, "text/html", "<html>"), func(h *Health) { h.JSON = map[string]string{"status": "ok"} }, kind.Fail, "body is not JSON"},
		{"slow over budget", func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(150 * time.Millisecond)
			w.WriteHeader(200)
		}, func(h *Health) { h.MaxLatency = kind.Duration(50 * time.Millisecond) }, kind.Fail, "over the 50ms budget"},
		{"redirect followed", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/final" {
				http.Redirect(w, r, "/final", http.StatusFound)
				return
			}
			w.WriteHeader(200)
		}, nil, kind.Pass, "200 OK"},
		{"redirect not followed", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/final", http.StatusFound)
		}, func(h *Health) { h.FollowRedirects = false }, kind.Fail, "status 302 Found"},
		{"headers sent", func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer t0k" || !strings.HasPrefix(r.UserAgent(), "launchgate/") {
				w.WriteHeader(401)
				return
			}
			w.WriteHeader(200)
		}, func(h *Health) { h.Headers = map[string]string{"Authorization": "Bearer t0k"} }, kind.Pass, "200 OK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newHealth(t, serveURL(t, tt.handler)+"/healthz", tt.mod)
			r := kindtest.Run(t, c, nil, 5*time.Second)
			if r.Status != tt.status || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("got %s %q, want %s containing %q\nevidence: %+v", r.Status, r.Summary, tt.status, tt.summary, r.Evidence)
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("a %s result without a remedy", r.Status)
			}
		})
	}
}

func TestHealthComponentsAsEvidence(t *testing.T) {
	url := serveURL(t, reply(200, "application/health+json",
		`{"status":"fail","checks":{"db:responseTime":[{"status":"fail","observedValue":950,"observedUnit":"ms"}],"cache":[{"status":"pass"}]}}`))
	r := kindtest.Run(t, newHealth(t, url, nil), nil, 5*time.Second)
	var lines []string
	for _, e := range r.Evidence {
		lines = append(lines, fmt.Sprintf("%s|%s|%s", e.Label, e.Observed, e.Status))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"component cache|pass|pass", "component db:responseTime|fail (observed 950 ms)|fail", "health+json status|fail|fail"} {
		if !strings.Contains(got, want) {
			t.Errorf("evidence lacks %q:\n%s", want, got)
		}
	}
}

func TestHealthTransportFailures(t *testing.T) {
	t.Run("server accepts and never answers", func(t *testing.T) {
		addr := testsvc.HangingListener(t)
		start := time.Now()
		r := kindtest.Run(t, newHealth(t, "http://"+addr+"/healthz", nil), nil, 300*time.Millisecond)
		testsvc.NotHung(t, start, 300*time.Millisecond)
		if r.Status != kind.Error || !strings.Contains(r.Summary, "accepted the connection but sent no response within") ||
			!strings.Contains(r.Summary, "(the server hangs)") {
			t.Errorf("got %s %q", r.Status, r.Summary)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		addr := testsvc.ClosedAddr(t)
		r := kindtest.Run(t, newHealth(t, "http://"+addr+"/healthz", nil), nil, 2*time.Second)
		if r.Status != kind.Error || r.Summary != "connection refused by "+addr {
			t.Errorf("got %s %q", r.Status, r.Summary)
		}
	})
	t.Run("DNS failure", func(t *testing.T) {
		env := kind.DefaultEnv("test")
		env.Resolver = noSuchHost{}
		r := kindtest.Run(t, newHealth(t, "http://api.launchgate.invalid/healthz", nil), env, 2*time.Second)
		if r.Status != kind.Error || !strings.Contains(r.Summary, "DNS lookup failed for api.launchgate.invalid") {
			t.Errorf("got %s %q", r.Status, r.Summary)
		}
	})
	t.Run("untrusted TLS certificate", func(t *testing.T) {
		s := httptest.NewTLSServer(reply(200, "", "ok"))
		defer s.Close()
		// Generous timeouts: loading the system roots and a handshake under -race on a busy
		// machine can take seconds, and this test is about trust, not time.
		r := kindtest.Run(t, newHealth(t, s.URL+"/healthz", nil), nil, 10*time.Second)
		if r.Status != kind.Error || !strings.Contains(r.Summary, "TLS handshake failed: ") ||
			!strings.Contains(r.Summary, "certificate signed by unknown authority") {
			t.Errorf("got %s %q", r.Status, r.Summary)
		}
		// Trusting the server's CA, or skipping verification, makes the same server pass.
		env := kind.DefaultEnv("test")
		env.RootCAs = x509.NewCertPool()
		env.RootCAs.AddCert(s.Certificate())
		if r := kindtest.Run(t, newHealth(t, s.URL+"/healthz", nil), env, 10*time.Second); r.Status != kind.Pass {
			t.Errorf("trusted: %s %q", r.Status, r.Summary)
		}
		if r := kindtest.Run(t, newHealth(t, s.URL+"/healthz", func(h *Health) { h.InsecureSkipVerify = true }), nil, 10*time.Second); r.Status != kind.Pass {
			t.Errorf("insecure_skip_verify: %s %q", r.Status, r.Summary)
		}
	})
	t.Run("body larger than the limit is cut", func(t *testing.T) {
		url := serveURL(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			chunk := strings.Repeat("x", 64<<10)
			for i := 0; i < 64; i++ { // 4 MiB
				if _, err := fmt.Fprint(w, chunk); err != nil {
					return
				}
			}
		})
		r := kindtest.Run(t, newHealth(t, url, func(h *Health) { h.JSON = map[string]string{"status": "ok"} }), nil, 5*time.Second)
		if r.Status != kind.Fail || !strings.Contains(r.Summary, "body larger than 1048576 bytes") {
			t.Errorf("got %s %q", r.Status, r.Summary)
		}
	})
}

type noSuchHost struct{}

func (noSuchHost) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestHealthValidate(t *testing.T) {
	for _, tt := range []struct{ url, body, method, want string }{
		{"ftp://x.example", "", "", `url: "ftp://x.example" must be an absolute http:// or https:// URL`},
		{"/healthz", "", "", `url: "/healthz" must be an absolute http:// or https:// URL`},
		{"http://x.example", "/([/", "", "expect_body: invalid regular expression"},
		{"http://x.example", "", "FETCH", `method: "FETCH" is not an HTTP method, did you mean PATCH?`},
	} {
		k, _ := kind.Lookup("http.health")
		h := k.New().(*Health)
		h.URL, h.ExpectBody, h.Method = tt.url, tt.body, tt.method
		if err := h.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%q, %q, %q) = %v, want %q", tt.url, tt.body, tt.method, err, tt.want)
		}
	}
	// The loader points at the method's line, so the error must blame that parameter.
	h := newHealthRaw()
	h.URL, h.Method = "http://x.example", "fetch"
	var pe *kind.ParamError
	if err := h.Validate(); !errors.As(err, &pe) || pe.Param != "method" {
		t.Errorf("Validate blames %v, want the method parameter", err)
	}
	h.Method = "post"
	if err := h.Validate(); err != nil || h.Method != "POST" {
		t.Errorf("method post: %v, %q", err, h.Method)
	}
}

func newHealthRaw() *Health {
	k, _ := kind.Lookup("http.health")
	return k.New().(*Health)
}

func TestStatusRanges(t *testing.T) {
	for _, tt := range []struct {
		in   string
		yes  []int
		no   []int
		text string
	}{
		{"200", []int{200}, []int{201}, "200"},
		{"2xx", []int{200, 299}, []int{300}, "2xx"},
		{"200-204, 301", []int{204, 301}, []int{205, 302}, "200-204, 301"},
	} {
		r, err := ParseStatusRanges(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range tt.yes {
			if !r.Contains(c) {
				t.Errorf("%s should contain %d", tt.in, c)
			}
		}
		for _, c := range tt.no {
			if r.Contains(c) {
				t.Errorf("%s should not contain %d", tt.in, c)
			}
		}
		if r.String() != tt.text {
			t.Errorf("%s prints as %q", tt.in, r.String())
		}
	}
	for _, bad := range []string{"", "abc", "600", "299-200", "7xx"} {
		if _, err := ParseStatusRanges(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzLookupPath(f *testing.F) {
	f.Add([]byte(`{"a":{"b":[1,{"c":"d"}]}}`), "a.b.1.c")
	f.Add([]byte(`[]`), "0")
	f.Fuzz(func(t *testing.T, body []byte, path string) {
		doc, err := parseJSON("application/json", body)
		if err != nil || doc == nil {
			return
		}
		lookupPath(doc, path)
		interpretHealthBody(doc)
	})
}

func BenchmarkHealthCheck(b *testing.B) {
	s := httptest.NewServer(reply(200, "application/health+json", `{"status":"pass"}`))
	defer s.Close()
	k, _ := kind.Lookup("http.health")
	c := k.New().(*Health)
	c.URL = s.URL
	_ = c.Validate()
	env := kind.DefaultEnv("bench")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if r := c.Run(ctx, env); r.Status != kind.Pass {
			b.Fatal(r.Summary)
		}
		cancel()
	}
}
