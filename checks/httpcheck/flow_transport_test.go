package httpcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// recorder is a loopback API that records what it was sent; /hang never answers.
type recorder struct {
	mu   sync.Mutex
	seen []string // "METHOD /path"
	hdrs []http.Header
}

func newRecorder(t *testing.T, h http.HandlerFunc) (*recorder, string) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		rec.seen = append(rec.seen, r.Method+" "+r.URL.Path)
		rec.hdrs = append(rec.hdrs, r.Header.Clone())
		rec.mu.Unlock()
		if r.URL.Path == "/hang" {
			<-r.Context().Done()
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.seen...)
}

func okJSON(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"id": "42", "path": r.URL.Path})
}

func TestFlowTransportProblems(t *testing.T) {
	closed := "http://" + testsvc.ClosedAddr(t)
	_, up := newRecorder(t, okJSON)
	for _, c := range []struct {
		name, with string
		status     kind.Status
		want       string
	}{
		{"nothing answers the first step: error", "base_url: " + closed + "\nsteps:\n  - {name: signup, request: {path: /signup, method: POST}}",
			kind.Error, `step "signup": connection refused by 127.0.0.1:`},
		{"another origin that never answered: error", "base_url: " + up + "\nsteps:\n  - {name: a, request: {path: /a}}\n  - {name: b, request: {url: \"" + closed + "/b\"}}",
			kind.Error, `step "b": connection refused by 127.0.0.1:`},
		{"the API answered, then hangs: fail", "base_url: " + up + "\nsteps:\n  - {name: a, request: {path: /a}}\n  - {name: b, request: {path: /hang}}",
			kind.Fail, `step "b": 127.0.0.1:`},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Room for the answering step on a busy machine; only the hang waits it out.
			r := runFlow(t, loadFlow(t, c.with, nil), 5*time.Second)
			if r.Status != c.status || !strings.HasPrefix(r.Summary, c.want) {
				t.Errorf("%s, want %s starting %q:\n%s", r.Status, c.status, c.want, everything(r))
			}
		})
	}
}

// finally runs after the steps ran out of time, inside the reserve the steps could not use,
// and the check still returns by its deadline.
func TestFinallyRunsAtTheDeadline(t *testing.T) {
	rec, url := newRecorder(t, okJSON)
	f := loadFlow(t, `base_url: `+url+`
steps:
  - {name: create, request: {method: POST, path: /things}, capture: {id: $.id}}
  - {name: stuck, request: {path: /hang}}
finally:
  - {name: delete, request: {method: DELETE, path: "/things/{{id}}"}, expect: {status: 200}}
`, nil)
	start := time.Now()
	r := runFlow(t, f, 3*time.Second)
	testsvc.NotHung(t, start, 3*time.Second)
	// The steps get half of what is left when the flow starts (1.5s on an idle machine; less
	// when a busy one delays the start), and finally keeps as much.
	split := regexp.MustCompile(`the steps have ([0-9.]+m?s) of the check's timeout; ([0-9.]+m?s) is kept for finally`).FindStringSubmatch(r.Remedy)
	if r.Status != kind.Fail || !strings.Contains(r.Summary, `step "stuck"`) || split == nil ||
		!strings.Contains(r.Summary, "within "+split[1]+" (the server hangs) (it answered the earlier steps)") {
		t.Errorf("%s\n%s", r.Status, everything(r))
	}
	if got := rec.requests(); len(got) != 3 || got[2] != "DELETE /things/42" {
		t.Errorf("requests %v: the cleanup must run", got)
	}
	if !strings.Contains(everything(r), "finally delete | DELETE /things/42 → 200 OK") {
		t.Errorf("the cleanup is not reported:\n%s", everything(r))
	}
}

// A gate that is cancelled (--fail-fast, Ctrl-C) still cleans up before the deadline.
func TestFinallyRunsWhenTheGateIsCancelled(t *testing.T) {
	rec, url := newRecorder(t, okJSON)
	f := loadFlow(t, `base_url: `+url+`
steps:
  - {name: create, request: {method: POST, path: /things}, capture: {id: $.id}}
  - {name: stuck, request: {path: /hang}}
finally:
  - {name: delete, request: {method: DELETE, path: "/things/{{id}}"}}
`, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		for len(rec.requests()) < 2 {
			time.Sleep(5 * time.Millisecond) // polls for the hanging request to arrive
		}
		cancel()
	}()
	f.Run(ctx, kind.DefaultEnv("test"))
	if got := rec.requests(); len(got) != 3 || got[2] != "DELETE /things/42" {
		t.Errorf("requests %v: the cleanup must run", got)
	}
}

func TestFinallyOutcomes(t *testing.T) {
	_, url := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodDelete:
			writeJSON(w, 500, map[string]any{"error": "boom"})
		case r.URL.Path == "/broken":
			writeJSON(w, 500, map[string]any{"error": "broken"})
		default:
			okJSON(w, r)
		}
	})
	closed := "http://" + testsvc.ClosedAddr(t)
	for _, c := range []struct {
		name, with string
		status     kind.Status
		want       []string
	}{
		{"a failed cleanup fails a passing journey", "steps:\n  - {name: a, request: {url: \"" + url + "/a\"}, capture: {id: $.id}}\nfinally:\n  - {name: clean, request: {method: DELETE, url: \"" + url + "/a/{{id}}\"}}",
			kind.Fail, []string{`finally "clean": status 500 Internal Server Error, want 2xx`, "the journey's test data may be left behind"}},
		{"a failed cleanup does not hide the failure", "steps:\n  - {name: a, request: {url: \"" + url + "/a\"}, capture: {id: $.id}}\n  - {name: b, request: {url: \"" + url + "/broken\"}}\nfinally:\n  - {name: clean, request: {method: DELETE, url: \"" + closed + "/a/{{id}}\"}}",
			kind.Fail, []string{`step "b": status 500 Internal Server Error, want 2xx; cleanup also failed: finally "clean": connection refused`, "→ no response | 2xx | error"}},
		{"cleanup of what was never captured is skipped", "steps:\n  - {name: a, request: {url: \"" + url + "/broken\"}, capture: {id: $.id}}\nfinally:\n  - {name: clean, request: {method: DELETE, url: \"" + url + "/a/{{id}}\"}}",
			kind.Fail, []string{`step "a": status 500`, "finally clean | not run: {{id}} was never captured (the step capturing it did not pass) | 2xx | skip"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runFlow(t, loadFlow(t, c.with, nil), 5*time.Second)
			out := everything(r)
			if r.Status != c.status {
				t.Errorf("%s, want %s:\n%s", r.Status, c.status, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("missing %q in:\n%s", w, out)
				}
			}
		})
	}
}

// Redirects are judged, not followed, unless a step says so; followed, credentials stay at
// their origin.
func TestFlowRedirects(t *testing.T) {
	other, otherURL := newRecorder(t, okJSON)
	_, url := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.Redirect(w, r, "/welcome?code=c0de42&state=x", http.StatusFound)
		case "/away":
			http.Redirect(w, r, otherURL+"/landing", http.StatusFound)
		default:
			okJSON(w, r)
		}
	})
	f := loadFlow(t, `base_url: `+url+`
headers: {X-Api-Key: flow-key-123456}
steps:
  - name: login
    request: {method: POST, path: /login, form: {user: a}}
    expect: {status: 302, headers: {Location: /^\/welcome/}}
    capture: {next: {header: Location}, code: {header: Location, regex: 'code=(\w+)'}}
  - name: welcome
    request: {path: "{{next}}", query: {c: "{{code}}"}}
    expect: {json: {$.path: /welcome}}
  - name: away
    request: {path: /away, headers: {Authorization: Bearer flow-secret-token}, follow_redirects: true}
    expect: {json: {$.path: /landing}}
`, nil)
	r := runFlow(t, f, 5*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("%s\n%s", r.Status, everything(r))
	}
	if !strings.Contains(everything(r), "GET /welcome?c=c0de42") {
		t.Errorf("the captured Location and code were not used:\n%s", everything(r))
	}
	other.mu.Lock()
	defer other.mu.Unlock()
	if len(other.hdrs) != 1 {
		t.Fatalf("the other origin saw %v", other.seen)
	}
	h := other.hdrs[0]
	if h.Get("Authorization") != "" || h.Get("X-Api-Key") != "" || !strings.HasPrefix(h.Get("User-Agent"), "launchgate/") {
		t.Errorf("credentials crossed to another origin: %v", h)
	}
}
