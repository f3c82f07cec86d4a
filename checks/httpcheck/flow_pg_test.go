package httpcheck

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/pgtest"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// usersApp is a signup/profile API on PostgreSQL: signups are written to the primary; profiles
// are read from the pool reads go to, the primary (fixed) or a streaming standby (the bug).
func usersApp(t *testing.T, primary, reads *db) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /signup", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Email string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(w, 400, map[string]any{"error": "bad json"})
			return
		}
		var id int64
		if err := primary.scan(r.Context(), "INSERT INTO users (email) VALUES ($1) RETURNING id", []any{in.Email}, &id); err != nil {
			writeJSON(w, 500, map[string]any{"error": err.Error()})
			return
		}
		writeJSON(w, 201, map[string]any{"id": id, "email": in.Email})
	})
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var email string
		err := reads.scan(r.Context(), "SELECT email FROM users WHERE id = $1::bigint", []any{r.PathValue("id")}, &email)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			writeJSON(w, 404, map[string]any{"error": "no such user"})
		case err != nil:
			writeJSON(w, 500, map[string]any{"error": err.Error()})
		default:
			writeJSON(w, 200, map[string]any{"id": r.PathValue("id"), "email": email})
		}
	})
	mux.HandleFunc("DELETE /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		var n int64
		if err := primary.scan(r.Context(), "WITH d AS (DELETE FROM users WHERE id = $1::bigint RETURNING 1) SELECT count(*) FROM d", []any{r.PathValue("id")}, &n); err != nil {
			writeJSON(w, 500, map[string]any{"error": err.Error()})
			return
		}
		w.WriteHeader(204)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// db is one connection the app's handlers take turns on.
type db struct {
	mu sync.Mutex
	c  *pgx.Conn
}

func (d *db) scan(ctx context.Context, sql string, args []any, dest ...any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c.QueryRow(ctx, sql, args...).Scan(dest...)
}

const pgJourney = `base_url: ${APP_URL}
let: {email: "lg-{{uuid}}@example.invalid"}
steps:
  - name: signup
    request: {method: POST, path: /signup, json: {email: "{{email}}"}}
    expect: {status: 201}
    capture: {user_id: $.id}
  - name: profile-right-after-signup
    request: {path: "/users/{{user_id}}"}
    expect: {status: 200, json: {$.email: "{{email}}"}}
    repeat: 20
    interval: 100ms
finally:
  - {name: delete-user, request: {method: DELETE, path: "/users/{{user_id}}"}, expect: {status: 204}}
`

// TestReplicaLagOnRealPostgres runs the signup journey against an app on a real primary and a
// streaming standby whose recovery_min_apply_delay makes it lag by 500ms.
func TestReplicaLagOnRealPostgres(t *testing.T) {
	primary := pgtest.Start(t, pgtest.Options{})
	conn := primary.Connect(t, "", "")
	if _, err := conn.Exec(context.Background(), "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	standby := primary.Standby(t, pgtest.StandbyOptions{ApplyDelay: 500 * time.Millisecond})
	writes, replica := &db{c: conn}, &db{c: standby.Connect(t, "", "")}
	waitForTable(t, replica)

	t.Run("fixed: profiles read the primary", func(t *testing.T) {
		url := usersApp(t, writes, writes)
		r := runFlow(t, loadFlow(t, pgJourney, map[string]string{"APP_URL": url}), 20*time.Second)
		if r.Status != kind.Pass {
			t.Fatalf("%s\n%s", r.Status, everything(r))
		}
	})
	t.Run("bug: profiles read the lagging standby", func(t *testing.T) {
		url := usersApp(t, writes, replica)
		r := runFlow(t, loadFlow(t, pgJourney, map[string]string{"APP_URL": url}), 20*time.Second)
		out := everything(r)
		if r.Status != kind.Fail || !strings.Contains(r.Summary, " of 20 right after signup: the read may hit a replica that lags the primary") ||
			!strings.Contains(r.Remedy, "postgres.replica_lag") || !strings.Contains(out, "read-after-write lag") {
			t.Fatalf("%s\n%s", r.Status, out)
		}
		var n int
		if err := writes.scan(context.Background(), "SELECT count(*) FROM users", nil, &n); err != nil || n != 0 {
			t.Errorf("finally must delete the journey's user: %d left (%v)", n, err)
		}
	})
}

// waitForTable polls until the standby has replayed the table's creation.
func waitForTable(t *testing.T, replica *db) {
	t.Helper()
	deadline := time.Now().Add(testsvc.WaitLimit)
	for {
		var ok bool
		err := replica.scan(context.Background(), "SELECT to_regclass('public.users') IS NOT NULL", nil, &ok)
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the standby never replayed CREATE TABLE: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // polls the standby's replay
	}
}
