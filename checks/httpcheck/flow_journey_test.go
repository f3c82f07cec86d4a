package httpcheck

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/checklists"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// signupJourney is the worked example, with the profile read paced so that a replica
// 500ms behind shows as "fails, then passes": the reads span 1.1s.
const signupJourney = `base_url: ${APP_URL}
let:
  email: "LG-{{uuid}}@Example.invalid"
  password: "{{random 20}}"
headers: {X-Journey: launchgate}
steps:
  - name: signup
    request: {method: POST, path: /signup, json: {email: "{{email}}", password: "{{password}}"}}
    expect: {status: 201, max_latency: 2s}
    capture: {user_id: $.id, token: $.token}
  - name: profile-right-after-signup
    request: {method: GET, path: "/users/{{user_id}}", headers: {Authorization: "Bearer {{token}}"}}
    expect: {status: 200, json: {$.email: "{{email}}"}}
    repeat: 12
    interval: 100ms
  - name: startup-burst
    parallel:
      - {name: home, request: {method: GET, path: /home}, expect: {status: 200, json: {$.ok: "true"}}}
      - {name: me, request: {method: GET, path: /me, headers: {Authorization: "Bearer {{token}}"}},
         expect: {status: 200, json: {$.email: "{{email}}"}}}
  - name: webhook
    request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{uuid}}"}, json: {order: 1}}
    expect: {status: [200, 201]}
    replay: {times: 1, expect: same, ignore: [$.created_at]}
finally:
  - {name: delete-user, request: {method: DELETE, path: "/users/{{user_id}}"}, expect: {status: [200, 204, 404]}}
`

func TestReplicaLagJourney(t *testing.T) {
	t.Run("fixed: reads its own writes", func(t *testing.T) {
		app, url := newJourneyApp(t, appBugs{})
		r := runFlow(t, loadFlow(t, signupJourney, map[string]string{"APP_URL": url}), 10*time.Second)
		if r.Status != kind.Pass {
			t.Fatalf("%s\n%s", r.Status, everything(r))
		}
		if !strings.Contains(r.Summary, "4 steps passed") || !strings.Contains(r.Summary, "cleanup passed") {
			t.Errorf("summary %q", r.Summary)
		}
		if got := app.deletedIDs(); len(got) != 1 || got[0] != "u-1" {
			t.Errorf("finally deleted %v, want [u-1]", got)
		}
	})
	t.Run("bug: the profile reads a lagging replica", func(t *testing.T) {
		app, url := newJourneyApp(t, appBugs{replicaLag: 500 * time.Millisecond})
		r := runFlow(t, loadFlow(t, signupJourney, map[string]string{"APP_URL": url}), 10*time.Second)
		if r.Status != kind.Fail {
			t.Fatalf("%s\n%s", r.Status, everything(r))
		}
		out := everything(r)
		for _, want := range []string{
			`step "profile-right-after-signup" failed `, " of 12 right after signup: the read may hit a replica that lags the primary",
			"postgres.replica_lag", "404 Not Found on attempt", "read-after-write lag", "after signup's write",
			"mismatch (attempt 1 of 12)", "status 404 Not Found, want 200", "captured", "user_id=u-1", "token=***",
			"not run | 2 later steps", "finally delete-user | DELETE /users/u-1 → 204 No Content",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("missing %q in:\n%s", want, out)
			}
		}
		if got := app.deletedIDs(); len(got) != 1 {
			t.Errorf("finally must run after the failure; deleted %v", got)
		}
	})
}

// loginJourney logs the new user in with the email as they typed it.
const loginJourney = `base_url: ${APP_URL}
let:
  email: "LG-{{uuid}}@Example.invalid"
  password: "{{random 20}}"
steps:
  - name: signup
    request: {method: POST, path: /signup, json: {email: "{{email}}", password: "{{password}}"}}
    expect: {status: 201}
    capture: {user_id: $.id}
  - name: login
    request: {method: POST, path: /login, json: {email: "{{email}}", password: "{{password}}"}}
    expect: {status: 200, json: {$.email: "{{email}}", $.id: "{{user_id}}"}}
    capture: {session_token: $.token}
  - name: me
    request: {path: /me, headers: {Authorization: "Bearer {{session_token}}"}}
    expect: {json: {$.id: "{{user_id}}"}}
finally:
  - {name: delete-user, request: {method: DELETE, path: "/users/{{user_id}}"}, expect: {status: [204, 404]}}
`

func TestLoginReturnsAnotherUser(t *testing.T) {
	t.Run("fixed", func(t *testing.T) {
		_, url := newJourneyApp(t, appBugs{})
		r := runFlow(t, loadFlow(t, loginJourney, map[string]string{"APP_URL": url}), 10*time.Second)
		if r.Status != kind.Pass {
			t.Fatalf("%s\n%s", r.Status, everything(r))
		}
	})
	t.Run("bug: a miss answers with the first user", func(t *testing.T) {
		_, url := newJourneyApp(t, appBugs{loginAnyUser: true})
		r := runFlow(t, loadFlow(t, loginJourney, map[string]string{"APP_URL": url}), 10*time.Second)
		out := everything(r)
		if r.Status != kind.Fail || !strings.HasPrefix(r.Summary, `step "login": json $.email is "alice@example.invalid", want "LG-`) {
			t.Fatalf("%s\n%s", r.Status, out)
		}
		if !strings.Contains(r.Remedy, "a lookup that misses must not answer with another record") {
			t.Errorf("remedy %q", r.Remedy)
		}
		// Alice's token came back in the body; the flow never captured it, and must not show it.
		if strings.Contains(out, "tok-alice") {
			t.Errorf("another user's token in the output:\n%s", out)
		}
	})
}

const webhookJourney = `base_url: ${APP_URL}
steps:
  - name: webhook
    request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{uuid}}"}, json: {order: 1, amount: 1999}}
    expect: {status: [200, 201]}
    replay: {times: 2, expect: same, ignore: [$.created_at]}
`

const webhookConflictJourney = `base_url: ${APP_URL}
steps:
  - name: webhook
    request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{uuid}}"}, json: {order: 1}}
    expect: {status: 201}
    replay: {expect: {status: [200, 409], same: [$.order_id]}}
`

func TestWebhookReplay(t *testing.T) {
	for _, c := range []struct {
		name    string
		journey string
		bugs    appBugs
		status  kind.Status
		orders  int
		want    string
	}{
		{"fixed: a repeat answers the first result", webhookJourney, appBugs{}, kind.Pass, 1, "1 step passed: 3 requests"},
		{"fixed: a repeat answers 409 with the same order", webhookConflictJourney, appBugs{webhookConflict: true}, kind.Pass, 1, "1 step passed: 2 requests"},
		{"bug: a repeat creates a second order", webhookJourney, appBugs{webhookDuplicates: true}, kind.Fail, 2,
			`step "webhook": replay created a different result: duplicate? ($.order_id was "o-1", the replay gave "o-2")`},
		{"bug: a repeat with 409 semantics creates a second order", webhookConflictJourney, appBugs{webhookDuplicates: true}, kind.Fail, 2,
			`step "webhook": replay created a different result: duplicate? (status 201 Created, want 200, 409)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, url := newJourneyApp(t, c.bugs)
			r := runFlow(t, loadFlow(t, c.journey, map[string]string{"APP_URL": url}), 10*time.Second)
			if r.Status != c.status || !strings.Contains(r.Summary, c.want) {
				t.Errorf("%s, want %s with %q:\n%s", r.Status, c.status, c.want, everything(r))
			}
			if got := app.orderCount(); got != c.orders {
				t.Errorf("%d orders, want %d", got, c.orders)
			}
		})
	}
}

// The fixed app answers a repeat with 200 and the same body; a bug that changes only the
// status is caught by expect: same too, once created_at is ignored.
func TestWebhookReplayComparesBodies(t *testing.T) {
	app, url := newJourneyApp(t, appBugs{webhookDuplicates: true})
	const journey = `base_url: ${APP_URL}
steps:
  - name: webhook
    request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{uuid}}"}, json: {order: 1}}
    replay: {expect: same, ignore: [$.created_at]}
`
	r := runFlow(t, loadFlow(t, journey, map[string]string{"APP_URL": url}), 10*time.Second)
	if r.Status != kind.Fail || !strings.Contains(r.Summary, "duplicate?") || !strings.Contains(r.Remedy, "idempotent") {
		t.Fatalf("%s\n%s", r.Status, everything(r))
	}
	if app.orderCount() != 2 {
		t.Errorf("orders %d", app.orderCount())
	}
}

func TestCapturedSecretsAreMaskedAndJoinTheRunSet(t *testing.T) {
	app, url := newJourneyApp(t, appBugs{})
	const journey = `base_url: ${APP_URL}
let:
  email: "lg-{{uuid}}@example.invalid"
  password: "{{random 24}}"
steps:
  - name: signup
    request: {method: POST, path: /signup, json: {email: "{{email}}", password: "{{password}}"}}
    capture: {user_id: $.id, jwt: $.token}
  - name: profile
    request: {path: "/users/{{user_id}}", headers: {Authorization: "Bearer {{jwt}}"}}
    expect: {json: {$.email: nobody@example.invalid}}
`
	f := loadFlow(t, journey, map[string]string{"APP_URL": url})
	rd := &redact.Redactor{}
	ctx, cancel := context.WithTimeout(redact.WithRunSet(context.Background(), rd), 10*time.Second)
	defer cancel()
	r := f.Run(ctx, kind.DefaultEnv("test"))
	if r.Status != kind.Fail {
		t.Fatalf("%s\n%s", r.Status, everything(r))
	}
	out := everything(r)
	// jwt is not a secret-looking name, but $.token is a secret-looking field.
	if !strings.Contains(out, "jwt=***") || !strings.Contains(out, "user_id=u-1") {
		t.Errorf("captured values:\n%s", out)
	}
	if strings.Contains(out, "tok-") {
		t.Errorf("a token in the output:\n%s", out)
	}
	// The run's set masks the token and the password everywhere else.
	u := app.find(func(u *appUser) bool { return u.ID == "u-1" })
	if got := rd.String("Bearer " + u.Token + " " + u.Password); got != "Bearer *** ***" {
		t.Errorf("the run set does not mask the token and the password: %q", got)
	}
}

// TestShippedJourneys runs checklists/journeys.yaml against the test app: every journey passes
// against the fixed app, and the login and webhook journeys catch their bugs.
func TestShippedJourneys(t *testing.T) {
	data, err := checklists.FS.ReadFile("journeys.yaml")
	if err != nil {
		t.Fatal(err)
	}
	load := func(url string) map[string]*Flow {
		cl, err := config.Parse("journeys.yaml", data, config.Options{Getenv: func(k string) string {
			if k == "APP_URL" {
				return url
			}
			return "webhook-secret-value"
		}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*Flow{}
		for _, e := range cl.Checks {
			out[e.ID] = e.Check.(*Flow)
		}
		return out
	}
	for _, c := range []struct {
		journey string
		bugs    appBugs
		status  kind.Status
	}{
		{"signup-journey", appBugs{}, kind.Pass},
		{"login-journey", appBugs{}, kind.Pass},
		{"login-journey", appBugs{loginAnyUser: true}, kind.Fail},
		{"payment-webhook-idempotency", appBugs{webhookConflict: true}, kind.Pass},
		{"payment-webhook-idempotency", appBugs{}, kind.Pass},
		{"payment-webhook-idempotency", appBugs{webhookDuplicates: true}, kind.Fail},
	} {
		t.Run(fmt.Sprintf("%s %+v", c.journey, c.bugs), func(t *testing.T) {
			app, url := newJourneyApp(t, c.bugs)
			r := runFlow(t, load(url)[c.journey], 10*time.Second)
			if r.Status != c.status {
				t.Errorf("%s, want %s:\n%s", r.Status, c.status, everything(r))
			}
			if strings.HasPrefix(c.journey, "signup") || strings.HasPrefix(c.journey, "login") {
				if got := app.deletedIDs(); len(got) != 1 {
					t.Errorf("the journey's user was not deleted: %v", got)
				}
			}
		})
	}
}

// Values of fields and headers named like secrets never appear, even in a mismatch, and a
// value captured from one is masked under any name.
func TestSecretValuesInMismatches(t *testing.T) {
	_, url := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "cookie-value-8d7f6e"})
		w.Header().Set("X-Api-Key", "key-value-1a2b3c")
		writeJSON(w, 200, map[string]any{"access_token": "tok-value-9f8e7d", "user": map[string]any{"password": "pw-value-5e4d3c"}, "n": 1})
	})
	for _, c := range []struct{ with, want string }{
		{"steps:\n  - {name: a, request: {url: \"" + url + "\"}, expect: {json: {$.access_token: other}}}", `json $.access_token is ***, want "other"`},
		{"steps:\n  - {name: a, request: {url: \"" + url + "\"}, expect: {headers: {X-Api-Key: other}}}", `header X-Api-Key is ***, want "other"`},
		{"steps:\n  - {name: a, request: {url: \"" + url + "\"}, capture: {c: {header: Set-Cookie}, missing: $.nope}}", `capture missing: $.nope found nothing in "{\"access_token\":\"***\",\"n\":1,\"user\":{\"password\":\"***\"}}"`},
	} {
		r := runFlow(t, loadFlow(t, c.with, nil), 5*time.Second)
		out := everything(r)
		if r.Status != kind.Fail || !strings.Contains(out, c.want) {
			t.Errorf("want %q in:\n%s", c.want, out)
		}
		for _, secret := range []string{"cookie-value", "key-value", "tok-value", "pw-value"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s leaked:\n%s", secret, out)
			}
		}
	}
}
