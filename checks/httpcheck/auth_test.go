package httpcheck

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kindtest"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// userAPI is a small API serving /users/{id}, with switches for the bugs http.auth must catch.
type userAPI struct {
	key            []byte
	header, scheme string
	// The bugs.
	noAuth        bool // serves requests without a credential (as the founder)
	skipVerify    bool // reads the token without verifying signature or expiry
	acceptNone    bool // accepts alg none
	leakOthers    bool // serves another user's record
	defaultOnMiss bool // returns the first user when the id does not exist
	crashOnBad    bool // 500 on a token that does not parse
}

type user struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

var users = []user{{"u-founder", "founder@example.com"}, {"u-alice", "alice@example.com"}, {"u-bob", "bob@example.com"}, {"42", "carol@example.com"}}

func (a *userAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	header, scheme := a.header, a.scheme
	if header == "" {
		header, scheme = "Authorization", "Bearer"
	}
	raw := r.Header.Get(header)
	if scheme != "" {
		raw = strings.TrimPrefix(raw, scheme+" ")
	}
	caller := ""
	switch {
	case raw == "" && a.noAuth:
		caller = "u-founder"
	case raw == "":
		http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
		return
	default:
		sub, err := a.verify(raw)
		if err != nil {
			if a.crashOnBad && errors.Is(err, jwt.ErrTokenMalformed) {
				http.Error(w, "panic: index out of range", http.StatusInternalServerError)
				return
			}
			http.Error(w, `{"error":"invalid token"}`, http.StatusUnauthorized)
			return
		}
		caller = sub
	}
	id := strings.TrimPrefix(r.URL.Path, "/users/")
	if id == "me" {
		id = caller
	}
	for _, u := range users {
		if u.ID == id {
			if u.ID != caller && caller != "u-founder" && !a.leakOthers {
				http.NotFound(w, r)
				return
			}
			_ = json.NewEncoder(w).Encode(u)
			return
		}
	}
	if a.defaultOnMiss {
		_ = json.NewEncoder(w).Encode(users[0])
		return
	}
	http.NotFound(w, r)
}

func (a *userAPI) verify(raw string) (string, error) {
	claims := jwt.MapClaims{}
	var err error
	switch {
	case a.skipVerify:
		_, _, err = jwt.NewParser().ParseUnverified(raw, claims)
	case a.acceptNone:
		_, err = jwt.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
			if t.Method == jwt.SigningMethodNone {
				return jwt.UnsafeAllowNoneSignatureType, nil
			}
			return a.key, nil
		})
	default:
		_, err = jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return a.key, nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired())
	}
	if err != nil {
		return "", err
	}
	sub, _ := claims.GetSubject()
	return sub, nil
}

func mint(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuth(t *testing.T) {
	key := []byte("test-key-0123456789abcdef0123456789")
	now := time.Now()
	alice := mint(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "u-alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	expiredAlice := mint(t, jwt.SigningMethodHS256, key, jwt.MapClaims{"sub": "u-alice", "iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Hour).Unix()})

	tests := []struct {
		name     string
		api      userAPI
		auth     func(base string) *Auth
		want     kind.Status
		evidence map[string]kind.Status
		summary  string
	}{
		{
			name: "fixed API passes",
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: alice, OtherURL: b + "/users/u-bob", MissingURL: b + "/users/u-nobody"}
			},
			want: kind.Pass,
			evidence: map[string]kind.Status{"no credentials": kind.Pass, "malformed token": kind.Pass, "expired token": kind.Pass,
				"unsigned token (alg none)": kind.Pass, "with token": kind.Pass, "other user's record": kind.Pass, "missing record": kind.Pass},
		},
		{
			name:     "accepts no token",
			api:      userAPI{noAuth: true},
			auth:     func(b string) *Auth { return &Auth{URL: b + "/users/me"} },
			want:     kind.Fail,
			evidence: map[string]kind.Status{"no credentials": kind.Fail, "malformed token": kind.Pass},
			summary:  "accepts requests without credentials (200 OK)",
		},
		{
			name:     "accepts an expired token signed by anyone",
			api:      userAPI{skipVerify: true},
			auth:     func(b string) *Auth { return &Auth{URL: b + "/users/me", Token: alice} },
			want:     kind.Fail,
			evidence: map[string]kind.Status{"no credentials": kind.Pass, "expired token": kind.Fail, "unsigned token (alg none)": kind.Fail},
			summary:  "accepts requests with an expired token signed by an unknown key (200 OK), accepts requests with an unsigned token (alg none) (200 OK)",
		},
		{
			name:     "accepts alg none",
			api:      userAPI{acceptNone: true},
			auth:     func(b string) *Auth { return &Auth{URL: b + "/users/me", Token: alice} },
			want:     kind.Fail,
			evidence: map[string]kind.Status{"expired token": kind.Pass, "unsigned token (alg none)": kind.Fail},
			summary:  "accepts requests with an unsigned token (alg none) (200 OK)",
		},
		{
			name:     "crashes on a malformed token",
			api:      userAPI{crashOnBad: true},
			auth:     func(b string) *Auth { return &Auth{URL: b + "/users/me"} },
			want:     kind.Fail,
			evidence: map[string]kind.Status{"malformed token": kind.Fail},
			summary:  "crashes on requests with a malformed token (500 Internal Server Error)",
		},
		{
			name: "serves another user's record",
			api:  userAPI{leakOthers: true},
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: alice, OtherURL: b + "/users/u-bob"}
			},
			want:     kind.Fail,
			evidence: map[string]kind.Status{"with token": kind.Pass, "other user's record": kind.Fail},
			summary:  "leak: ",
		},
		{
			name: "returns a default user on a miss",
			api:  userAPI{defaultOnMiss: true},
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: alice, MissingURL: b + "/users/u-nobody"}
			},
			want:     kind.Fail,
			evidence: map[string]kind.Status{"missing record": kind.Fail},
			summary:  `"returned a random user" bug`,
		},
		{
			name:     "missing record without a token, fixed",
			auth:     func(b string) *Auth { return &Auth{URL: b + "/users/me", MissingURL: b + "/users/u-nobody"} },
			want:     kind.Pass,
			evidence: map[string]kind.Status{"missing record": kind.Pass},
		},
		{
			name: "sequential ids warn",
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: alice, OtherURL: b + "/users/42"}
			},
			want:     kind.Warn,
			evidence: map[string]kind.Status{"other user's record": kind.Pass, "ids in paths": kind.Warn},
		},
		{
			name: "expired test token cannot judge other_url",
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: expiredAlice, OtherURL: b + "/users/u-bob"}
			},
			want:     kind.Error,
			evidence: map[string]kind.Status{"with token": kind.Error, "other user's record": kind.Error},
			summary:  "token is refused",
		},
		{
			name: "custom header without scheme",
			api:  userAPI{header: "X-Api-Key"},
			auth: func(b string) *Auth {
				return &Auth{URL: b + "/users/me", Token: alice, Header: "X-Api-Key", OtherURL: b + "/users/u-bob"}
			},
			want:     kind.Pass,
			evidence: map[string]kind.Status{"with token": kind.Pass, "other user's record": kind.Pass},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := tc.api
			api.key = key
			srv := httptest.NewServer(&api)
			defer srv.Close()
			a := tc.auth(srv.URL)
			def := newAuth()
			if a.Header == "" {
				a.Header, a.Scheme = def.Header, def.Scheme
			}
			a.Method = def.Method
			r := kindtest.Run(t, a, envAt(now), 10*time.Second)
			t.Log(golden.Result(r))
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", r.Status, tc.want, golden.Result(r))
			}
			for label, st := range tc.evidence {
				e, ok := kindtest.Evidence(r, label)
				if !ok || e.Status != st {
					t.Errorf("evidence %q = %+v (found %v), want %s\n%s", label, e, ok, st, golden.Result(r))
				}
			}
			if tc.summary != "" && !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("no remedy:\n%s", golden.Result(r))
			}
			out := rendered(r)
			for _, secret := range []string{alice, expiredAlice} {
				if strings.Contains(out, secret) {
					t.Fatalf("the token leaked into the result: %s", out)
				}
			}
		})
	}
}

func newAuth() *Auth {
	k, _ := kind.Lookup("http.auth")
	return k.New().(*Auth)
}

func TestAuthHangingServerIsCutAtTheDeadline(t *testing.T) {
	t.Parallel()
	addr := testsvc.HangingListener(t)
	a := newAuth()
	a.URL = "http://" + addr + "/users/me"
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	r := a.Run(ctx, envAt(time.Now()))
	testsvc.NotHung(t, start, time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "hangs") {
		t.Fatalf("want an error naming the hang:\n%s", golden.Result(r))
	}
}

func TestAuthRefusedIsError(t *testing.T) {
	t.Parallel()
	a := newAuth()
	a.URL = "http://" + testsvc.ClosedAddr(t) + "/x"
	r := kindtest.Run(t, a, envAt(time.Now()), 10*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "refused") {
		t.Fatalf("want refused error:\n%s", golden.Result(r))
	}
}

func TestAuthValidate(t *testing.T) {
	tests := []struct {
		name string
		a    Auth
		want string
	}{
		{"relative url", Auth{URL: "/users/me", Header: "Authorization"}, "absolute"},
		{"other_url without token", Auth{URL: "http://x/a", OtherURL: "http://x/b", Header: "Authorization"}, "token: is needed with other_url"},
		{"bad missing_url", Auth{URL: "http://x/a", MissingURL: "ftp://x/b", Header: "Authorization"}, "missing_url"},
		{"empty header", Auth{URL: "http://x/a"}, "header"},
		{"credential in headers", Auth{URL: "http://x/a", Header: "Authorization", Headers: map[string]string{"authorization": "Bearer x"}}, "put the credential in token"},
		{"writing method", Auth{URL: "http://x/a", Header: "Authorization", Method: "delete"}, "allow_write"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestEnumerableIDs(t *testing.T) {
	tests := []struct {
		urls []string
		want int
	}{
		{[]string{"https://x/users/42"}, 1},
		{[]string{"https://x/users/123456789"}, 1},
		{[]string{"https://x/users/1234567890123"}, 0},
		{[]string{"https://x/users/3f2c9a1e-0000-4000-8000-000000000000"}, 0},
		{[]string{"https://x/v1/users/me"}, 0},
		{[]string{"https://x/orders/7", "https://x/orders/8"}, 2},
		{[]string{""}, 0},
	}
	for _, tc := range tests {
		if got := enumerableIDs(tc.urls...); len(got) != tc.want {
			t.Errorf("enumerableIDs(%v) = %v, want %d", tc.urls, got, tc.want)
		}
	}
}
