package httpcheck

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestExampleChecklist loads checklists/traffic.yaml through the real loader (strict decoding,
// needs_env, Validate) and runs it against a loopback backend that behaves well: a limited
// signup and password reset, and startup endpoints that cope with the burst. It also checks
// that the probe never sends anything that could create a real account.
func TestExampleChecklist(t *testing.T) {
	t.Parallel()
	signup, reset := newBucket(10), newBucket(10)
	var mu sync.Mutex
	var emails []string
	srv, cnt := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		limited := func(b *tokenBucket) bool {
			if b.take() {
				return false
			}
			w.Header().Set("Retry-After", "60")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		}
		switch r.URL.Path {
		case "/v1/signup":
			if limited(signup) {
				return
			}
			body := make([]byte, 512)
			n, _ := r.Body.Read(body)
			mu.Lock()
			emails = append(emails, string(body[:n]))
			mu.Unlock()
			http.Error(w, `{"error": "password too short"}`, http.StatusUnprocessableEntity)
		case "/v1/password/reset":
			if limited(reset) {
				return
			}
			w.WriteHeader(http.StatusAccepted)
		case "/v1/devices":
			w.WriteHeader(http.StatusCreated)
		default:
			w.Write([]byte(`{}`))
		}
	})
	getenv := func(k string) string {
		if k == "API_URL" {
			return srv.URL
		}
		return ""
	}
	cl, err := config.LoadFile("../../checklists/traffic.yaml", config.Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]kind.Status{"signup-rate-limit": kind.Pass, "password-reset-rate-limit": kind.Pass, "mobile-startup-burst": kind.Pass}
	for _, e := range cl.Checks {
		if len(e.Missing) > 0 {
			t.Fatalf("%s skipped: %v", e.ID, e.Missing)
		}
		ctx, cancel := context.WithTimeout(context.Background(), e.Timeout)
		r := e.Check.Run(ctx, testEnv())
		cancel()
		if r.Status != want[e.ID] {
			t.Errorf("%s: %s, want %s\n%s", e.ID, r.Status, want[e.ID], golden.Result(r))
		}
	}
	// 11 signups (10 + the 429), 11 resets, 7 calls × 3 rounds.
	if got := cnt.total.Load(); got > 11+11+1+21 || got < 11+11+21 {
		t.Errorf("backend saw %d requests", got)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, b := range emails {
		if !strings.Contains(b, "@example.invalid") {
			t.Errorf("signup body without a reserved address: %s", b)
		}
	}
}

// TestExampleChecklistSkipsWithoutEnv: without API_URL nothing is sent.
func TestExampleChecklistSkipsWithoutEnv(t *testing.T) {
	cl, err := config.LoadFile("../../checklists/traffic.yaml", config.Options{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range cl.Checks {
		if len(e.Missing) != 1 || e.Missing[0] != "API_URL" {
			t.Errorf("%s: missing %v, want [API_URL]", e.ID, e.Missing)
		}
	}
}

func TestBodyForms(t *testing.T) {
	t.Parallel()
	t.Run("command line JSON becomes a mapping and is sent as JSON", func(t *testing.T) {
		cl, err := config.Single("http.rate_limit", []string{"https://api.example.com/signup", `body={"password": "x", "email": "a@example.invalid"}`}, 0, config.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := cl.Checks[0].Check.(*RateLimit).Body; got != `{"email":"a@example.invalid","password":"x"}` {
			t.Errorf("body %q", got)
		}
	})
	tests := []struct {
		name, with, want, err string
	}{
		{name: "string", with: "body: 'email=a%40example.invalid&password=x'", want: "email=a%40example.invalid&password=x"},
		{name: "mapping", with: "body:\n        email: a@example.invalid\n        tags: [x, y]", want: `{"email":"a@example.invalid","tags":["x","y"]}`},
		{name: "list", with: "body: [{event: app_open}]", want: `[{"event":"app_open"}]`},
		{name: "non-string keys", with: "body: {1: a}", err: "cannot send this body as JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := "version: 1\nchecks:\n  - id: b\n    type: http.burst\n    with:\n      requests:\n        - url: https://api.example.com/x\n      rounds: 1\n  - id: r\n    type: http.rate_limit\n    with:\n      url: https://api.example.com/signup\n      " + tt.with + "\n"
			cl, err := config.Parse("t.yaml", []byte(doc), config.Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(cl.Checks[1].Check.(*RateLimit).Body); got != tt.want {
				t.Errorf("body %q, want %q", got, tt.want)
			}
		})
	}
}
