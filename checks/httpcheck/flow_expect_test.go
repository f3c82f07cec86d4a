package httpcheck

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

func TestFlowExpectations(t *testing.T) {
	_, url := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req-123")
		if r.URL.Path == "/text" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("hello lg-user, welcome"))
			return
		}
		writeJSON(w, 200, map[string]any{"user": map[string]any{"id": 7, "email": "A@Example.invalid", "roles": []any{"admin"}}, "next": nil})
	})
	base := "base_url: " + url + "\nlet: {who: lg-user}\nsteps:\n  - name: s\n    request: {path: "
	for _, c := range []struct {
		name, step string
		want       string // "" for a pass
	}{
		{"json values, case aside", `/json}
    expect: {json: {$.user.id: 7, user.email: a@example.invalid, "$.user.roles[0]": admin, $.next: null}}`, ""},
		{"json regex and exists", `/json}
    expect: {json: {$.user.email: '/(?i)@example\.invalid$/', $.user.name: {exists: false}, $.user: {exists: true}}}`, ""},
		{"json value differs", `/json}
    expect: {json: {$.user.id: 8}}`, `json $.user.id is "7", want "8"`},
		{"json regex differs", `/json}
    expect: {json: {$.user.email: /^b/}}`, `json $.user.email is "A@Example.invalid", want a match of /^b/`},
		{"json present, want absent", `/json}
    expect: {json: {$.user.id: {exists: false}}}`, `json $.user.id is present, want it absent`},
		{"not JSON", `/text}
    expect: {json: {$.a: 1}}`, `body is not JSON: "hello lg-user, welcome"`},
		{"body substring with a let value", `/text}
    expect: {body: "hello {{who}}"}`, ""},
		{"body regex", `/text}
    expect: {body: /welcome$/}`, ""},
		{"body differs", `/text}
    expect: {body: goodbye}`, `body does not contain "goodbye": "hello lg-user, welcome"`},
		{"headers", `/json}
    expect: {headers: {X-Request-Id: /^req-/, X-Missing: {exists: false}}}`, ""},
		{"header missing", `/json}
    expect: {headers: {X-Trace: {exists: true}}}`, `header X-Trace is missing`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runFlow(t, loadFlow(t, base+c.step, nil), 5*time.Second)
			switch {
			case c.want == "" && r.Status != kind.Pass:
				t.Errorf("%s:\n%s", r.Status, everything(r))
			case c.want != "" && (r.Status != kind.Fail || !strings.Contains(r.Summary, c.want)):
				t.Errorf("%s, want fail with %q:\n%s", r.Status, c.want, everything(r))
			}
		})
	}
}

// steppingClock advances a second at each reading, so a latency is never zero and needs no
// slow server.
type steppingClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *steppingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func TestFlowMaxLatency(t *testing.T) {
	_, url := newRecorder(t, okJSON)
	env := kind.DefaultEnv("test")
	env.Now = (&steppingClock{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}).Now
	for _, c := range []struct {
		max  string
		want kind.Status
	}{{"500ms", kind.Fail}, {"2s", kind.Pass}} {
		f := loadFlow(t, "base_url: "+url+"\nsteps:\n  - {name: s, request: {path: /}, expect: {max_latency: "+c.max+"}}", nil)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		r := f.Run(ctx, env)
		cancel()
		if r.Status != c.want || (c.want == kind.Fail && !strings.Contains(r.Summary, `step "s": took 1s, over the max_latency of 500ms`)) {
			t.Errorf("max_latency %s: %s\n%s", c.max, r.Status, everything(r))
		}
	}
}
