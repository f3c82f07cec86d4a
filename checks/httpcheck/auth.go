package httpcheck

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Auth probes the authorization boundary of a protected resource with the requests a user could
// make: none, a malformed, an expired and an unsigned token must be refused; with a test user's
// token, another user's record and a record that does not exist must not be served.
type Auth struct {
	URL                string            `yaml:"url" required:"true" doc:"A protected resource, e.g. https://api.example.com/users/me."`
	Method             string            `yaml:"method" doc:"The HTTP method of every probe: GET, HEAD or OPTIONS unless allow_write is set."`
	Token              string            `yaml:"token" doc:"A valid credential of a test user, usually ${VAR}; never printed. Needed for other_url."`
	OtherURL           string            `yaml:"other_url" doc:"A resource that belongs to a different user: with token it must answer 403 or 404."`
	MissingURL         string            `yaml:"missing_url" doc:"A resource id that does not exist: it must answer 404 (or 401/403), never 2xx with a body."`
	Header             string            `yaml:"header" doc:"The request header that carries the credential."`
	Scheme             string            `yaml:"scheme" doc:"The scheme before the credential in that header; empty sends the bare token (e.g. for X-API-Key)."`
	Headers            map[string]string `yaml:"headers" doc:"Extra headers sent with every probe (never the credential)."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`
	AllowWrite         bool              `yaml:"allow_write" doc:"Allow a method other than GET, HEAD or OPTIONS: the probes may then change data, so use it only against a test environment."`
}

func init() {
	kind.Register(kind.Kind{
		Name:       "http.auth",
		Summary:    "A protected resource refuses missing, malformed, expired and unsigned credentials, and never serves another user's or a missing record.",
		Title:      "Protected resource refuses outsiders",
		Positional: "url",
		New: func() kind.Check {
			return &Auth{Method: http.MethodGet, Header: "Authorization", Scheme: "Bearer"}
		},
		Example: `url: ${API_URL}/users/me
token: ${TEST_USER_TOKEN}
other_url: ${API_URL}/users/${OTHER_USER_ID}
missing_url: ${API_URL}/users/00000000-0000-0000-0000-000000000000`,
	})
}

// Title names the resource.
func (a *Auth) Title() string { return "Auth boundary of " + redact.String(a.URL) }

// Validate checks the URLs and that other_url comes with a token.
func (a *Auth) Validate() error {
	var errs []error
	for _, u := range []struct{ name, v string }{{"url", a.URL}, {"other_url", a.OtherURL}, {"missing_url", a.MissingURL}} {
		if u.v == "" && u.name != "url" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, kind.BadParam(u.name, "%q must be an absolute http:// or https:// URL", redact.String(u.v)))
		}
	}
	if a.OtherURL != "" && a.Token == "" {
		// Blamed on token: it is usually ${VAR}, and an unset one is not a mistake to report.
		errs = append(errs, kind.BadParam("token", "is needed with other_url: another user's record can only leak to a signed-in user"))
	}
	if strings.TrimSpace(a.Header) == "" {
		errs = append(errs, kind.BadParam("header", "must name the request header that carries the credential, e.g. Authorization"))
	}
	for k := range a.Headers {
		if strings.EqualFold(k, a.Header) {
			errs = append(errs, kind.BadParam("headers", "must not carry %s: put the credential in token, so the probes can leave it out and replace it", a.Header))
		}
	}
	m, err := probe.ParseMethod(a.Method, http.MethodGet)
	if err != nil {
		errs = append(errs, kind.BadParam("method", "%v", err))
	} else {
		a.Method = m
	}
	switch {
	case err != nil, a.Method == http.MethodGet, a.Method == http.MethodHead, a.Method == http.MethodOptions:
	default:
		if !a.AllowWrite {
			errs = append(errs, kind.BadParam("method", "%s may change data (with other_url, another user's record): use GET, or set allow_write: true against a test environment", a.Method))
		}
	}
	return errors.Join(errs...)
}

// request is one request the check makes and what it expects of the answer.
type request struct {
	label string
	url   string
	cred  string // "" sends no credential
}

// Run makes at most seven requests, in order, each bounded by ctx.
func (a *Auth) Run(ctx context.Context, env *kind.Env) kind.Result {
	timeout := kind.Timeout(ctx)
	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: a.InsecureSkipVerify})
	defer client.CloseIdleConnections()
	now := env.Now()
	claims := probeClaims(a.Token)

	var r kind.Result
	r.Status = kind.Pass
	var problems, remedies []string
	fail := func(problem, remedy string) {
		problems = append(problems, problem)
		remedies = append(remedies, remedy)
	}

	expired, err := expiredToken(claims, now)
	if err != nil {
		return kind.Errorf("report this as a launchgate bug", "cannot mint the expired probe token: %v", err)
	}
	denied := []struct {
		request
		what, remedy string
	}{
		{request{"no credentials", a.URL, ""}, "without credentials",
			"require authentication on this route (check the middleware order, and routes added outside the protected group)"},
		{request{"malformed token", a.URL, "launchgate.malformed.token"}, "with a malformed token",
			"reject credentials that do not parse, with 401"},
		{request{"expired token", a.URL, expired}, "with an expired token signed by an unknown key",
			"verify the token's signature against your own keys and reject expired tokens (exp) with 401"},
		{request{"unsigned token (alg none)", a.URL, unsignedToken(claims, now)}, "with an unsigned token (alg none)",
			"pin the accepted algorithms in the verifier (never accept alg none)"},
	}
	var accepted []string
	for _, d := range denied {
		resp, f := a.do(ctx, client, env, timeout, d.request)
		if f != nil {
			return a.transportError(r, d.request, f)
		}
		ev, verb := judgeDenied(d.label, resp)
		r.Add(ev)
		if verb != "" {
			accepted = append(accepted, fmt.Sprintf("%s requests %s (%s)", verb, d.what, statusLine(resp.Status)))
			remedies = append(remedies, d.remedy)
		}
	}
	switch {
	case len(accepted) > 0 && r.Evidence[0].Status == kind.Fail && strings.HasPrefix(accepted[0], "accepts"):
		// Open to anyone: the other probes add nothing to the summary (they stay in the evidence).
		problems = append(problems, fmt.Sprintf("%s %s is open to anyone: %s", a.Method, redact.String(a.URL), accepted[0]))
		remedies = remedies[:1]
	case len(accepted) > 0:
		problems = append(problems, fmt.Sprintf("%s %s %s", a.Method, redact.String(a.URL), strings.Join(accepted, ", ")))
	}

	if a.AllowWrite && a.Method != http.MethodGet && a.Method != http.MethodHead && a.Method != http.MethodOptions {
		r.Add(kind.Evidence{Label: "method", Observed: a.Method + " (allow_write: the probes may have changed data)", Status: kind.Pass})
	}

	tokenWorks := false
	if a.Token != "" {
		p := request{"with token", a.URL, a.Token}
		resp, f := a.do(ctx, client, env, timeout, p)
		if f != nil {
			return a.transportError(r, p, f)
		}
		if resp.Status >= 200 && resp.Status <= 299 {
			tokenWorks = true
			r.Add(kind.Evidence{Label: p.label, Observed: statusLine(resp.Status), Expected: "2xx", Status: kind.Pass})
		} else {
			r.Add(kind.Evidence{Label: p.label, Observed: statusLine(resp.Status) + " (the test user's token is refused)", Expected: "2xx", Status: kind.Error})
		}
	}

	if a.OtherURL != "" {
		if !tokenWorks {
			r.Add(kind.Evidence{Label: "other user's record", Observed: "not judged: the token does not work on url", Expected: "403 or 404", Status: kind.Error})
		} else {
			p := request{"other user's record", a.OtherURL, a.Token}
			resp, f := a.do(ctx, client, env, timeout, p)
			if f != nil {
				return a.transportError(r, p, f)
			}
			st, obs := kind.Pass, statusLine(resp.Status)
			switch {
			case resp.Status >= 200 && resp.Status <= 299:
				st = kind.Fail
				obs += " (another user's record is served to the test user)"
				fail(fmt.Sprintf("leak: %s serves another user's record to the test user (%s)", redact.String(a.OtherURL), statusLine(resp.Status)),
					"check ownership on every object lookup (the record's owner must be the caller), not only that the caller is signed in")
			case resp.Status >= 500:
				st = kind.Fail
				fail(fmt.Sprintf("%s answers %s for another user's record", redact.String(a.OtherURL), statusLine(resp.Status)),
					"refuse access to other users' records with 403 or 404, not an error")
			case resp.Status == 401, resp.Status == 403, resp.Status == 404:
			default:
				st = kind.Warn
			}
			r.Add(kind.Evidence{Label: p.label, Observed: obs, Expected: "403 or 404", Status: st})
		}
	}

	if a.MissingURL != "" {
		p := request{"missing record", a.MissingURL, ""}
		if a.Token != "" {
			p.cred = a.Token
		}
		if a.Token != "" && !tokenWorks {
			r.Add(kind.Evidence{Label: p.label, Observed: "not judged: the token does not work on url", Expected: "404", Status: kind.Error})
		} else {
			resp, f := a.do(ctx, client, env, timeout, p)
			if f != nil {
				return a.transportError(r, p, f)
			}
			st, obs := kind.Pass, statusLine(resp.Status)
			switch {
			case resp.Status >= 200 && resp.Status <= 299 && !emptyBody(resp.Body):
				st = kind.Fail
				obs += fmt.Sprintf(" with a %d-byte body (a record for an id that does not exist)", len(resp.Body))
				fail(fmt.Sprintf("%s returns a record for an id that does not exist (%s): the \"returned a random user\" bug", redact.String(a.MissingURL), statusLine(resp.Status)),
					"answer 404 when the lookup finds nothing; never fall back to a default or first record (check for a lookup that ignores a missing or null id)")
			case resp.Status >= 200 && resp.Status <= 299:
				st = kind.Warn
				obs += " with an empty body"
			case resp.Status >= 500:
				st = kind.Fail
				fail(fmt.Sprintf("%s answers %s for an id that does not exist", redact.String(a.MissingURL), statusLine(resp.Status)),
					"answer 404 when the lookup finds nothing")
			case resp.Status == 404, resp.Status == 401, resp.Status == 403, resp.Status == 410:
			default:
				st = kind.Warn
			}
			r.Add(kind.Evidence{Label: p.label, Observed: obs, Expected: "404 (or 401/403)", Status: st})
		}
	}

	if ids := enumerableIDs(a.URL, a.OtherURL, a.MissingURL); len(ids) > 0 {
		r.Add(kind.Evidence{Label: "ids in paths", Observed: "small sequential integers: " + strings.Join(ids, ", "),
			Expected: "unguessable ids (UUIDs or random)", Status: kind.Warn})
	}

	switch {
	case len(problems) > 0:
		r.Status = kind.Fail
		r.Summary = strings.Join(problems, "; ")
		r.Remedy = strings.Join(kind.Unique(remedies), "; ")
	case r.Status == kind.Error:
		r.Summary = fmt.Sprintf("the test user's token is refused on %s: cannot judge access to other and missing records", redact.String(a.URL))
		r.Remedy = "give a fresh token of a working test user (it may have expired)"
	default:
		r.Summary = fmt.Sprintf("%s refuses missing, malformed, expired and unsigned credentials", redact.String(a.URL))
		if a.OtherURL != "" {
			r.Summary += "; another user's record is not served"
		}
		if a.MissingURL != "" {
			r.Summary += "; a missing record is not invented"
		}
		if r.Status == kind.Warn {
			r.Remedy = warnRemedy(r.Evidence)
		}
	}
	return r
}

func warnRemedy(evs []kind.Evidence) string {
	var out []string
	for _, e := range evs {
		if e.Status != kind.Warn {
			continue
		}
		if e.Label == "ids in paths" {
			out = append(out, "use unguessable ids (UUIDs) in public URLs so records cannot be enumerated by counting")
		} else {
			out = append(out, e.Label+": answer 401 (no or bad credentials) or 403/404 (not allowed) rather than "+e.Observed)
		}
	}
	return strings.Join(kind.Unique(out), "; ")
}

func (a *Auth) do(ctx context.Context, client *http.Client, env *kind.Env, timeout time.Duration, p request) (*probe.Response, *probe.Failure) {
	req, err := http.NewRequestWithContext(ctx, a.Method, p.url, nil)
	if err != nil {
		return nil, &probe.Failure{Kind: "request", Summary: "cannot build a request for " + redact.String(p.url), Remedy: "fix the URL"}
	}
	for k, v := range a.Headers {
		req.Header.Set(k, v)
	}
	if p.cred != "" {
		v := p.cred
		if a.Scheme != "" {
			v = a.Scheme + " " + p.cred
		}
		req.Header.Set(a.Header, v)
	}
	req.Header.Set("User-Agent", env.UserAgent())
	return probe.Send(ctx, client, req, timeout)
}

func (a *Auth) transportError(r kind.Result, p request, f *probe.Failure) kind.Result {
	r.Add(kind.Evidence{Label: p.label, Observed: f.Kind, Expected: "a response", Status: kind.Error})
	r.Status = kind.Error
	r.Summary = fmt.Sprintf("%s (probe %q)", f.Summary, p.label)
	r.Remedy = f.Remedy
	return r
}

// judgeDenied judges the answer to a request that must be refused; the verb ("accepts",
// "crashes on") is set when the answer is a failure.
func judgeDenied(label string, resp *probe.Response) (kind.Evidence, string) {
	ev := kind.Evidence{Label: label, Observed: statusLine(resp.Status), Expected: "401 or 403", Status: kind.Pass}
	s := resp.Status
	switch {
	case s == 401 || s == 403:
	case s >= 200 && s <= 299:
		ev.Status = kind.Fail
		ev.Observed += " (access granted)"
		return ev, "accepts"
	case s >= 500:
		ev.Status = kind.Fail
		ev.Observed += " (the server errs instead of refusing)"
		return ev, "crashes on"
	case s >= 300 && s <= 399:
		ev.Status = kind.Warn
		if loc := resp.Header.Get("Location"); loc != "" {
			ev.Observed += " to " + shownURL(loc)
		}
		ev.Observed += " (fine for a browser page; an API should answer 401)"
	default:
		ev.Status = kind.Warn
	}
	return ev, ""
}

func statusLine(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// emptyBody says whether a 2xx body carries no record.
func emptyBody(b []byte) bool {
	t := string(bytes.TrimSpace(b))
	return t == "" || t == "null" || t == "{}" || t == "[]" || t == `""`
}

// smallID is a path segment that is a short decimal number: ids like these are handed out in
// sequence and can be enumerated by counting.
var smallID = regexp.MustCompile(`^[0-9]{1,9}$`)

func enumerableIDs(urls ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Path == "" {
			continue
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if smallID.MatchString(seg) {
				s := u.Path
				if !seen[s] {
					seen[s] = true
					out = append(out, s)
				}
				break
			}
		}
	}
	return out
}

// probeClaims takes the identity claims (sub, iss, aud) of the test user's token, when it is a
// JWT, so that the forged probes look like that user's tokens and reach the server's signature
// and expiry checks rather than failing an issuer or audience check first.
func probeClaims(token string) jwt.MapClaims {
	c := jwt.MapClaims{"sub": "launchgate-probe"}
	if token == "" {
		return c
	}
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return c
	}
	for _, k := range []string{"sub", "iss", "aud"} {
		if v, ok := claims[k]; ok {
			c[k] = v
		}
	}
	return c
}

func withTimes(base jwt.MapClaims, iat, exp time.Time) jwt.MapClaims {
	c := jwt.MapClaims{}
	for k, v := range base {
		c[k] = v
	}
	c["iat"] = iat.Unix()
	c["exp"] = exp.Unix()
	return c
}

// expiredToken is an HS256 JWT that expired an hour ago, signed with a random key nobody holds.
func expiredToken(base jwt.MapClaims, now time.Time) (string, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, withTimes(base, now.Add(-2*time.Hour), now.Add(-time.Hour))).SignedString(key)
}

// unsignedToken is a current JWT with alg none and no signature.
func unsignedToken(base jwt.MapClaims, now time.Time) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, withTimes(base, now, now.Add(time.Hour))).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		return "launchgate.unsigned."
	}
	return s
}
