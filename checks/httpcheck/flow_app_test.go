package httpcheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// appBugs switches on the launch-day bugs of the test app; the zero value is the fixed twin.
type appBugs struct {
	// replicaLag: the profile read goes to a replica that sees a signup only this long after it.
	replicaLag time.Duration
	// loginAnyUser: a login that finds no user (the email's case differs) answers with the
	// first user instead of 401.
	loginAnyUser bool
	// webhookDuplicates: a replayed webhook creates a second order.
	webhookDuplicates bool
	// webhookConflict: the fixed webhook answers a repeat with 409 and the first order's id
	// (otherwise with the first answer again, created_at aside).
	webhookConflict bool
}

type appUser struct {
	ID, Email, Password, Token string
	written                    time.Time
}

// journeyApp is the API of the founding incidents: signup, profile, login, a startup screen and
// a payment webhook, in memory, with its bugs switchable.
type journeyApp struct {
	bugs appBugs

	mu       sync.Mutex
	users    []*appUser
	orders   int
	byKey    map[string]int
	deleted  []string
	requests []*http.Request
}

func newJourneyApp(t testing.TB, bugs appBugs) (*journeyApp, string) {
	t.Helper()
	a := &journeyApp{bugs: bugs, byKey: map[string]int{}}
	// Someone signed up before the launch: the user a buggy login hands out.
	a.users = append(a.users, &appUser{ID: "u-0", Email: "alice@example.invalid", Password: "alice-pw", Token: "tok-alice-0000000000"})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", a.signup)
	mux.HandleFunc("GET /users/{id}", a.profile)
	mux.HandleFunc("DELETE /users/{id}", a.remove)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("GET /me", a.me)
	mux.HandleFunc("GET /home", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{"ok": true}) })
	mux.HandleFunc("POST /webhooks/payment", a.webhook)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.requests = append(a.requests, r.Clone(context.Background()))
		a.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return a, srv.URL
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *journeyApp) signup(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Email == "" {
		writeJSON(w, 400, map[string]any{"error": "email and password"})
		return
	}
	a.mu.Lock()
	u := &appUser{ID: fmt.Sprintf("u-%d", len(a.users)), Email: strings.ToLower(in.Email), Password: in.Password,
		Token: fmt.Sprintf("tok-%s", newUUID()), written: time.Now()}
	a.users = append(a.users, u)
	a.mu.Unlock()
	writeJSON(w, 201, map[string]any{"id": u.ID, "email": u.Email, "token": u.Token})
}

func (a *journeyApp) find(match func(*appUser) bool) *appUser {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.users {
		if match(u) {
			return u
		}
	}
	return nil
}

func (a *journeyApp) profile(w http.ResponseWriter, r *http.Request) {
	u := a.find(func(u *appUser) bool { return u.ID == r.PathValue("id") })
	// The replica applies the primary's writes replicaLag late.
	if u == nil || (a.bugs.replicaLag > 0 && time.Since(u.written) < a.bugs.replicaLag) {
		writeJSON(w, 404, map[string]any{"error": "no such user"})
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+u.Token {
		writeJSON(w, 401, map[string]any{"error": "unauthorised"})
		return
	}
	writeJSON(w, 200, map[string]any{"id": u.ID, "email": u.Email})
}

func (a *journeyApp) remove(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.deleted = append(a.deleted, r.PathValue("id"))
	a.mu.Unlock()
	w.WriteHeader(204)
}

func (a *journeyApp) login(w http.ResponseWriter, r *http.Request) {
	var in struct{ Email, Password string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	email := strings.ToLower(in.Email)
	if a.bugs.loginAnyUser {
		email = in.Email // the bug: the lookup forgets to normalise
	}
	u := a.find(func(u *appUser) bool { return u.Email == email && u.Password == in.Password })
	if u == nil && a.bugs.loginAnyUser {
		u = a.find(func(*appUser) bool { return true }) // "SELECT … LIMIT 1" without its WHERE
	}
	if u == nil {
		writeJSON(w, 401, map[string]any{"error": "wrong email or password"})
		return
	}
	writeJSON(w, 200, map[string]any{"id": u.ID, "email": u.Email, "token": u.Token})
}

func (a *journeyApp) me(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	u := a.find(func(u *appUser) bool { return u.Token == tok })
	if u == nil {
		writeJSON(w, 401, map[string]any{"error": "unauthorised"})
		return
	}
	writeJSON(w, 200, map[string]any{"id": u.ID, "email": u.Email})
}

func (a *journeyApp) webhook(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	a.mu.Lock()
	id, seen := a.byKey[key]
	repeat := seen && !a.bugs.webhookDuplicates
	if !repeat {
		a.orders++
		id = a.orders
		a.byKey[key] = id
	}
	a.mu.Unlock()
	out := map[string]any{"order_id": fmt.Sprintf("o-%d", id), "created_at": time.Now().Format(time.RFC3339Nano)}
	switch {
	case repeat && a.bugs.webhookConflict:
		out["error"] = "duplicate delivery"
		writeJSON(w, 409, out)
	default:
		writeJSON(w, 201, out)
	}
}

func (a *journeyApp) orderCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.orders
}

func (a *journeyApp) deletedIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.deleted...)
}

// loadFlow loads one http.flow check through the real loader (strict decoding, ${VAR}
// expansion from vars, Validate).
func loadFlow(t testing.TB, with string, vars map[string]string) *Flow {
	t.Helper()
	cl, err := config.Parse("flow.yaml", []byte(flowChecklist(with)), config.Options{Getenv: func(k string) string { return vars[k] }})
	if err != nil {
		t.Fatalf("loading the flow: %v\n%s", err, with)
	}
	return cl.Checks[0].Check.(*Flow)
}

// flowChecklist wraps a with: block (written without indentation) in a checklist.
func flowChecklist(with string) string {
	var b strings.Builder
	b.WriteString("version: 1\nchecks:\n  - id: journey\n    type: http.flow\n    with:\n")
	for _, l := range strings.Split(strings.TrimRight(with, "\n"), "\n") {
		b.WriteString("      " + l + "\n")
	}
	return b.String()
}

// loadErrors loads a flow expected to be refused and returns the loader's errors.
func loadErrors(t *testing.T, with string) config.Errors {
	t.Helper()
	_, err := config.Parse("flow.yaml", []byte(flowChecklist(with)), config.Options{Getenv: func(string) string { return "" }})
	var errs config.Errors
	if !errors.As(err, &errs) {
		t.Fatalf("loaded without an error (err %v):\n%s", err, with)
	}
	return errs
}

func runFlow(t testing.TB, f *Flow, timeout time.Duration) kind.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return f.Run(ctx, kind.DefaultEnv("test"))
}

// everything is all the text of a result, to prove what it does not contain.
func everything(r kind.Result) string {
	var b strings.Builder
	b.WriteString(r.Summary + "\n" + r.Remedy + "\n")
	for _, e := range r.Evidence {
		fmt.Fprintf(&b, "%s | %s | %s | %s\n", e.Label, e.Observed, e.Expected, e.Status)
	}
	return b.String()
}
