package jwtcheck

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
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

var jwtNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func newJWT() *JWT {
	k, _ := kind.Lookup("jwt")
	return k.New().(*JWT)
}

func TestJWT(t *testing.T) {
	strong := make([]byte, 32)
	if _, err := rand.Read(strong); err != nil {
		t.Fatal(err)
	}
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	iat, exp := jwtNow.Add(-10*time.Minute).Unix(), jwtNow.Add(50*time.Minute).Unix()
	std := jwt.MapClaims{"iss": "https://auth.example.com", "sub": "user-1", "aud": "api", "iat": iat, "exp": exp}
	with := func(kv ...any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for k, v := range std {
			c[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == nil {
				delete(c, kv[i].(string))
			} else {
				c[kv[i].(string)] = kv[i+1]
			}
		}
		return c
	}
	none := func(c jwt.MapClaims) string {
		return mint(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, c)
	}

	tests := []struct {
		name     string
		token    string
		allowed  []string
		max      time.Duration
		want     kind.Status
		evidence map[string]kind.Status
		summary  string
	}{
		{name: "HS256 with a strong secret", token: mint(t, jwt.SigningMethodHS256, strong, std), want: kind.Pass,
			evidence: map[string]kind.Status{"alg": kind.Pass, "exp": kind.Pass, "lifetime": kind.Pass, "secret": kind.Pass},
			summary:  "HS256 token, lifetime 1h, expires in 50m"},
		{name: "ES256", token: mint(t, jwt.SigningMethodES256, ec, std), allowed: []string{"es256"}, want: kind.Pass,
			evidence: map[string]kind.Status{"alg": kind.Pass}},
		{name: "no exp", token: mint(t, jwt.SigningMethodHS256, strong, with("exp", nil)), want: kind.Fail,
			evidence: map[string]kind.Status{"exp": kind.Fail}, summary: "no exp: the token never expires"},
		{name: "exp past year 9999", token: mint(t, jwt.SigningMethodHS256, strong, with("exp", 1e19)), want: kind.Fail,
			summary: "malformed claims: exp"},
		{name: "alg none", token: none(std), want: kind.Fail,
			evidence: map[string]kind.Status{"alg": kind.Fail}, summary: "unsigned token (alg none)"},
		{name: "weak HS256 secret", token: mint(t, jwt.SigningMethodHS256, []byte("your-256-bit-secret"), std), want: kind.Fail,
			evidence: map[string]kind.Status{"secret": kind.Fail}, summary: "HS256 secret is a well-known weak one (y…t (19 characters))"},
		{name: "weak HS512 secret", token: mint(t, jwt.SigningMethodHS512, []byte("changeme"), std), want: kind.Fail,
			evidence: map[string]kind.Status{"secret": kind.Fail}},
		{name: "empty HS256 secret", token: mint(t, jwt.SigningMethodHS256, []byte{}, std), want: kind.Fail,
			evidence: map[string]kind.Status{"secret": kind.Fail}, summary: "the empty string"},
		{name: "long lifetime", token: mint(t, jwt.SigningMethodHS256, strong, with("exp", jwtNow.Add(30*24*time.Hour).Unix())), want: kind.Fail,
			evidence: map[string]kind.Status{"lifetime": kind.Fail, "exp": kind.Pass}, summary: "lifetime 30d exceeds 1d"},
		{name: "lifetime within a raised max", token: mint(t, jwt.SigningMethodHS256, strong, with("exp", jwtNow.Add(30*24*time.Hour).Unix())),
			max: 31 * 24 * time.Hour, want: kind.Pass},
		{name: "expired", token: mint(t, jwt.SigningMethodHS256, strong, with("iat", jwtNow.Add(-2*time.Hour).Unix(), "exp", jwtNow.Add(-time.Hour).Unix())), want: kind.Fail,
			evidence: map[string]kind.Status{"exp": kind.Fail}, summary: "the token expired 1h ago"},
		{name: "alg not allowed", token: mint(t, jwt.SigningMethodHS256, strong, std), allowed: []string{"RS256"}, want: kind.Fail,
			evidence: map[string]kind.Status{"alg": kind.Fail}, summary: "alg HS256 is not allowed"},
		{name: "no iat, short remaining validity", token: mint(t, jwt.SigningMethodHS256, strong, with("iat", nil)), want: kind.Warn,
			evidence: map[string]kind.Status{"lifetime": kind.Warn}},
		{name: "no iat, long remaining validity", token: mint(t, jwt.SigningMethodHS256, strong, with("iat", nil, "exp", jwtNow.Add(90*24*time.Hour).Unix())), want: kind.Fail,
			evidence: map[string]kind.Status{"lifetime": kind.Fail}},
		{name: "exp as a string", token: mint(t, jwt.SigningMethodHS256, strong, with("exp", "tomorrow")), want: kind.Fail,
			evidence: map[string]kind.Status{"claim types": kind.Fail}},
		{name: "unknown alg", token: mint(t, jwt.SigningMethodHS256, strong, std)[0:0] + fakeAlgToken(t, "XX999", std), want: kind.Fail,
			evidence: map[string]kind.Status{"alg": kind.Fail}},
		{name: "Bearer prefix copied along", token: "Bearer " + mint(t, jwt.SigningMethodHS256, strong, std), want: kind.Pass},
		{name: "not a JWT", token: "3f2c9a1e0badc0ffee", want: kind.Error},
		{name: "two segments", token: "eyJhbGciOiJIUzI1NiJ9.e30", want: kind.Error},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newJWT()
			j.Token = tc.token
			if tc.allowed != nil {
				j.AllowedAlgs = tc.allowed
			}
			if tc.max != 0 {
				j.MaxLifetime = kind.Duration(tc.max)
			}
			r := kindtest.Run(t, j, envAt(jwtNow), 10*time.Second)
			t.Log(golden.Result(r))
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", r.Status, tc.want, golden.Result(r))
			}
			for label, st := range tc.evidence {
				if e, ok := kindtest.Evidence(r, label); !ok || e.Status != st {
					t.Errorf("evidence %q = %+v (found %v), want %s", label, e, ok, st)
				}
			}
			if tc.summary != "" && !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("no remedy")
			}
			out := golden.Result(r)
			if strings.Contains(out, tc.token) {
				t.Fatalf("the token leaked: %s", out)
			}
			for _, s := range []string{"your-256-bit-secret", "changeme"} {
				if strings.Contains(out, s) {
					t.Fatalf("the weak secret %q was printed: %s", s, out)
				}
			}
		})
	}
}

// fakeAlgToken builds a token whose header names an algorithm no library implements.
func fakeAlgToken(t *testing.T, alg string, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["alg"] = alg
	s, err := tok.SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return s + ".c2ln"
}

func TestJWTValidate(t *testing.T) {
	tests := []struct {
		name string
		j    func() *JWT
		want string
	}{
		{"no token", func() *JWT { return newJWT() }, "give token"},
		{"both", func() *JWT { j := newJWT(); j.Token = "a.b.c"; j.Login = &Login{URL: "http://x/login"}; return j }, "not both"},
		{"alg none allowed", func() *JWT { j := newJWT(); j.Token = "a.b.c"; j.AllowedAlgs = []string{"none"}; return j }, "unknown algorithm \"none\""},
		{"unknown alg", func() *JWT { j := newJWT(); j.Token = "a.b.c"; j.AllowedAlgs = []string{"HS257"}; return j }, "HS257"},
		{"bad login url", func() *JWT { j := newJWT(); j.Login = &Login{URL: "login"}; return j }, "login: url"},
		{"path and header", func() *JWT {
			j := newJWT()
			j.Login = &Login{URL: "http://x/login", TokenPath: "a", TokenHeader: "b"}
			return j
		}, "not both"},
		{"zero lifetime", func() *JWT { j := newJWT(); j.Token = "a.b.c"; j.MaxLifetime = 0; return j }, "max_lifetime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.j().Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// loginAPI issues a token for the right password, in the body or a header.
func loginAPI(t *testing.T, token string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var creds struct{ Email, Password string }
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&creds) != nil || creds.Password != "probe-password" {
			http.Error(w, `{"error":"bad credentials for `+creds.Email+` with `+creds.Password+`"}`, http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/login":
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer"})
		case "/login/nested":
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"session": map[string]string{"jwt": token}}})
		case "/login/header":
			w.Header().Set("Authorization", "Bearer "+token)
			w.WriteHeader(http.StatusNoContent)
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "user": "x"})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestJWTLogin(t *testing.T) {
	weak := mint(t, jwt.SigningMethodHS256, []byte("secret"), jwt.MapClaims{"sub": "u1", "iat": jwtNow.Unix(), "exp": jwtNow.Add(365 * 24 * time.Hour).Unix()})
	srv := loginAPI(t, weak)
	body := `{"email": "probe@example.com", "password": "probe-password"}`
	tests := []struct {
		name    string
		login   Login
		want    kind.Status
		source  string
		summary string
	}{
		{"default token path", Login{URL: srv.URL + "/login", Body: body}, kind.Fail, "token from JSON access_token", "lifetime 365d exceeds 1d"},
		{"nested token path", Login{URL: srv.URL + "/login/nested", Body: body, TokenPath: "data.session.jwt"}, kind.Fail, "token from JSON data.session.jwt", "weak"},
		{"token header", Login{URL: srv.URL + "/login/header", Body: body, TokenHeader: "Authorization"}, kind.Fail, "token from header Authorization", "weak"},
		{"wrong password", Login{URL: srv.URL + "/login", Body: `{"email": "probe@example.com", "password": "nope-not-it"}`}, kind.Error, "", "answered 401"},
		{"no token in body", Login{URL: srv.URL + "/login/other", Body: body}, kind.Error, "", "JSON keys: ok, user"},
		{"missing header", Login{URL: srv.URL + "/login", Body: body, TokenHeader: "X-Token"}, kind.Error, "", "without a X-Token header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newJWT()
			l := tc.login
			j.Login = &l
			r := kindtest.Run(t, j, envAt(jwtNow), 10*time.Second)
			t.Log(golden.Result(r))
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", r.Status, tc.want, golden.Result(r))
			}
			if tc.source != "" {
				if e, _ := kindtest.Evidence(r, "source"); !strings.Contains(e.Observed, tc.source) {
					t.Errorf("source %q does not mention %q", e.Observed, tc.source)
				}
			}
			if !strings.Contains(r.Summary, tc.summary) {
				t.Errorf("summary %q does not contain %q", r.Summary, tc.summary)
			}
			out := golden.Result(r)
			for _, s := range []string{weak, "probe-password", "nope-not-it"} {
				if strings.Contains(out, s) {
					t.Fatalf("a secret leaked into the result: %s", out)
				}
			}
		})
	}
}

func TestWeakSecretsList(t *testing.T) {
	list := weakSecrets()
	if len(list) < 300 {
		t.Fatalf("only %d weak secrets", len(list))
	}
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s] {
			t.Errorf("duplicate weak secret %q", s)
		}
		seen[s] = true
	}
	for _, s := range []string{"", "secret", "your-256-bit-secret", "changeme", "keyboard cat"} {
		if !seen[s] {
			t.Errorf("weak secret %q missing", s)
		}
	}
}

func FuzzParseJWT(f *testing.F) {
	f.Add(mint(f, jwt.SigningMethodHS256, []byte("secret"), jwt.MapClaims{"sub": "a", "exp": 1e9, "iat": 1}))
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOiJ4In0.")
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJhbGciOiJIUzI1NiJ9.e30.e30.e30")
	f.Fuzz(func(t *testing.T, token string) {
		j := &JWT{Token: token, MaxLifetime: kind.Duration(time.Hour), AllowedAlgs: defaultAllowedAlgs}
		r := j.judge(token, jwtNow)
		if r.Summary == "" {
			t.Fatalf("empty summary for %q", token)
		}
		if len(token) >= 16 && strings.Contains(golden.Result(r), token) {
			t.Fatalf("token printed: %q", token)
		}
	})
}

func BenchmarkWeakSecretScan(b *testing.B) {
	strong := make([]byte, 32)
	_, _ = rand.Read(strong)
	tok := mint(b, jwt.SigningMethodHS512, strong, jwt.MapClaims{"sub": "a", "exp": jwtNow.Add(time.Hour).Unix()})
	info, err := parseJWT(tok)
	if err != nil {
		b.Fatal(err)
	}
	list := weakSecrets()
	m := jwt.SigningMethodHS512
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, found := findWeakSecret(m, info.signingInput, info.sig, list); found {
			b.Fatal("found")
		}
	}
}

func TestJWTLoginHangs(t *testing.T) {
	t.Parallel()
	j := newJWT()
	j.Login = &Login{URL: "http://" + testsvc.HangingListener(t) + "/login", Body: `{"password": "probe-password"}`}
	if err := j.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	r := j.Run(ctx, envAt(jwtNow))
	testsvc.NotHung(t, start, time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "login request failed") || strings.Contains(golden.Result(r), "probe-password") {
		t.Fatalf("want a login error without the password:\n%s", golden.Result(r))
	}
}
