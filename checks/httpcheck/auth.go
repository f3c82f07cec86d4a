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
	errs = append(errs, checkURLs(namedURL{"url", a.URL}, namedURL{"other_url", a.OtherURL}, namedURL{"missing_url", a.MissingURL})...)
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
	p := &authProbe{a: a, ctx: ctx, env: env, timeout: kind.Timeout(ctx)}
	p.client = probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: a.InsecureSkipVerify})
	defer p.client.CloseIdleConnections()
	now := env.Now()
	claims := probeClaims(a.Token)
	expired, err := expiredToken(claims, now)
	if err != nil {
		return kind.Errorf("report this as a launchgate bug", "cannot mint the expired probe token: %v", err)
	}
	p.judgeRefusals(expired, unsignedToken(claims, now))
	if a.AllowWrite && a.Method != http.MethodGet && a.Method != http.MethodHead && a.Method != http.MethodOptions {
		p.j.Observe("method", a.Method+" (allow_write: the probes may have changed data)", "")
	}
	tokenWorks := p.judgeToken()
	p.judgeOtherRecord(tokenWorks)
	p.judgeMissingRecord(tokenWorks)
	if ids := enumerableIDs(a.URL, a.OtherURL, a.MissingURL); len(ids) > 0 {
		p.j.Show(kind.Line{Label: "ids in paths", Observed: "small sequential integers: " + strings.Join(ids, ", "),
			Expected: "unguessable ids (UUIDs or random)", Status: kind.Warn})
	}
	if p.lost != nil {
		return *p.lost
	}
	return a.verdict(&p.j)
}

// authProbe is one run of the probes. Once a probe gets no answer nothing more is sent, and lost
// is the verdict: what was seen so far, and the probe that failed.
type authProbe struct {
	a       *Auth
	ctx     context.Context
	client  *http.Client
	env     *kind.Env
	timeout time.Duration
	j       kind.Judgement
	lost    *kind.Result
}

// send makes one probe; it returns nil once a probe got no answer.
func (p *authProbe) send(req request) *probe.Response {
	if p.lost != nil {
		return nil
	}
	resp, f := p.a.do(p.ctx, p.client, p.env, p.timeout, req)
	if f == nil {
		return resp
	}
	r := p.j.Result()
	r.Add(kind.Evidence{Label: req.label, Observed: f.Kind, Expected: "a response", Status: kind.Error})
	r.Summary = fmt.Sprintf("%s (probe %q)", f.Summary, req.label)
	r.Remedy = f.Remedy
	p.lost = &r
	return nil
}

// judgeRefusals sends what must be refused: no credential, a malformed, an expired and an
// unsigned token. The requests it gets through are named in one problem; a resource that
// accepts no credential at all is open to anyone, and the other probes add nothing to that.
func (p *authProbe) judgeRefusals(expired, unsigned string) {
	a := p.a
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
		{request{"unsigned token (alg none)", a.URL, unsigned}, "with an unsigned token (alg none)",
			"pin the accepted algorithms in the verifier (never accept alg none)"},
	}
	var accepted, remedies []string
	open := false
	for i, d := range denied {
		resp := p.send(d.request)
		if resp == nil {
			return
		}
		l, verb := judgeDenied(d.label, resp)
		p.j.Show(l)
		if verb != "" {
			open = open || (i == 0 && verb == "accepts")
			accepted = append(accepted, fmt.Sprintf("%s requests %s (%s)", verb, d.what, statusLine(resp.Status)))
			remedies = append(remedies, d.remedy)
		}
	}
	switch {
	case open:
		p.j.Problem(kind.Fail, fmt.Sprintf("%s %s is open to anyone: %s", a.Method, redact.String(a.URL), accepted[0]), remedies[0])
	case len(accepted) > 0:
		p.j.Problem(kind.Fail, fmt.Sprintf("%s %s %s", a.Method, redact.String(a.URL), strings.Join(accepted, ", ")), strings.Join(remedies, "; "))
	}
}

// judgeToken sends the test user's token, which must work for the record probes to mean
// anything.
func (p *authProbe) judgeToken() bool {
	if p.a.Token == "" {
		return false
	}
	req := request{"with token", p.a.URL, p.a.Token}
	resp := p.send(req)
	if resp == nil {
		return false
	}
	if resp.Status >= 200 && resp.Status <= 299 {
		p.j.Observe(req.label, statusLine(resp.Status), "2xx")
		return true
	}
	p.j.Show(kind.Line{Label: req.label, Observed: statusLine(resp.Status) + " (the test user's token is refused)", Expected: "2xx", Status: kind.Error})
	return false
}

// judgeOtherRecord asks, as the test user, for another user's record: serving it is a leak.
func (p *authProbe) judgeOtherRecord(tokenWorks bool) {
	a := p.a
	const label, want = "other user's record", "403 or 404"
	switch {
	case a.OtherURL == "":
		return
	case !tokenWorks:
		p.j.Show(kind.Line{Label: label, Observed: "not judged: the token does not work on url", Expected: want, Status: kind.Error})
		return
	}
	resp := p.send(request{label, a.OtherURL, a.Token})
	if resp == nil {
		return
	}
	l := kind.Line{Label: label, Observed: statusLine(resp.Status), Expected: want, Status: kind.Pass}
	switch s := resp.Status; {
	case s >= 200 && s <= 299:
		l.Status = kind.Fail
		l.Observed += " (another user's record is served to the test user)"
		l.Problem = fmt.Sprintf("leak: %s serves another user's record to the test user (%s)", redact.String(a.OtherURL), statusLine(s))
		l.Remedy = "check ownership on every object lookup (the record's owner must be the caller), not only that the caller is signed in"
	case s >= 500:
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("%s answers %s for another user's record", redact.String(a.OtherURL), statusLine(s))
		l.Remedy = "refuse access to other users' records with 403 or 404, not an error"
	case s == 401, s == 403, s == 404:
	default:
		l.Status = kind.Warn
	}
	addRecordLine(&p.j, l)
}

// judgeMissingRecord asks for a record that does not exist: inventing one is the "returned a
// random user" bug.
func (p *authProbe) judgeMissingRecord(tokenWorks bool) {
	a := p.a
	const label = "missing record"
	switch {
	case a.MissingURL == "":
		return
	case a.Token != "" && !tokenWorks:
		p.j.Show(kind.Line{Label: label, Observed: "not judged: the token does not work on url", Expected: "404", Status: kind.Error})
		return
	}
	resp := p.send(request{label, a.MissingURL, a.Token})
	if resp == nil {
		return
	}
	l := kind.Line{Label: label, Observed: statusLine(resp.Status), Expected: "404 (or 401/403)", Status: kind.Pass}
	switch s := resp.Status; {
	case s >= 200 && s <= 299 && !emptyBody(resp.Body):
		l.Status = kind.Fail
		l.Observed += fmt.Sprintf(" with a %d-byte body (a record for an id that does not exist)", len(resp.Body))
		l.Problem = fmt.Sprintf("%s returns a record for an id that does not exist (%s): the \"returned a random user\" bug", redact.String(a.MissingURL), statusLine(s))
		l.Remedy = "answer 404 when the lookup finds nothing; never fall back to a default or first record (check for a lookup that ignores a missing or null id)"
	case s >= 200 && s <= 299:
		l.Status = kind.Warn
		l.Observed += " with an empty body"
	case s >= 500:
		l.Status = kind.Fail
		l.Problem = fmt.Sprintf("%s answers %s for an id that does not exist", redact.String(a.MissingURL), statusLine(s))
		l.Remedy = "answer 404 when the lookup finds nothing"
	case s == 404, s == 401, s == 403, s == 410:
	default:
		l.Status = kind.Warn
	}
	addRecordLine(&p.j, l)
}

// addRecordLine adds a line; a warning is only shown: warnRemedy speaks of it when nothing failed.
func addRecordLine(j *kind.Judgement, l kind.Line) {
	if l.Status == kind.Warn {
		j.Show(l)
		return
	}
	j.Add(l)
}

// verdict is the judgement's, but for what the summary says when nothing failed. A failure is
// certain even where a refused token left the record probes undecided, so it outranks that error.
func (a *Auth) verdict(j *kind.Judgement) kind.Result {
	r := j.Result()
	switch {
	case j.Has(kind.Fail):
		r.Status = kind.Fail
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

// judgeDenied judges the answer to a request that must be refused; the verb ("accepts",
// "crashes on") is set when the answer is a failure.
func judgeDenied(label string, resp *probe.Response) (kind.Line, string) {
	ev := kind.Line{Label: label, Observed: statusLine(resp.Status), Expected: "401 or 403", Status: kind.Pass}
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
