// Package jwtcheck holds the jwt kind: a token the app issues expires, lives no longer than it
// should, uses an allowed algorithm and no well-known weak secret, judged offline.
package jwtcheck

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// JWT inspects a token the application issues, offline: its algorithm, its expiry and lifetime,
// and, for HMAC tokens, whether it was signed with a well-known weak secret.
type JWT struct {
	Token       string        `yaml:"token" doc:"The JWT to inspect, usually ${VAR}; never printed. Give either token or login."`
	Login       *Login        `yaml:"login" doc:"A login request that returns a JWT (instead of token): url, method, body, headers, token_path or token_header."`
	MaxLifetime kind.Duration `yaml:"max_lifetime" doc:"The longest acceptable lifetime (exp - iat)."`
	AllowedAlgs []string      `yaml:"allowed_algs" doc:"Signing algorithms the token may use (default: any registered one, HS256 to EdDSA); none is never accepted."`
}

// Login describes the request that obtains a token: it is sent once, and the token is taken from
// a JSON path in the response body or from a response header.
type Login struct {
	URL                string            `yaml:"url" required:"true" doc:"The login endpoint, e.g. https://api.example.com/login."`
	Method             string            `yaml:"method" doc:"The HTTP method (default POST)."`
	Body               string            `yaml:"body" doc:"The request body, e.g. a JSON object with a test user's credentials from ${VAR}."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers; Content-Type defaults to application/json when the body looks like JSON."`
	TokenPath          string            `yaml:"token_path" doc:"Dotted JSON path of the token in the response body (default: the first of access_token, token, id_token, jwt, data.token, data.access_token)."`
	TokenHeader        string            `yaml:"token_header" doc:"Take the token from this response header instead (a Bearer prefix is removed)."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the login endpoint's TLS certificate."`
}

// defaultAllowedAlgs are the registered JWS algorithms except none.
var defaultAllowedAlgs = []string{
	"HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
}

var defaultTokenPaths = []string{"access_token", "token", "id_token", "jwt", "data.token", "data.access_token"}

func init() {
	kind.Register(kind.Kind{
		Name:       "jwt",
		Summary:    "A JWT the app issues expires, lives no longer than it should, uses an allowed algorithm and no well-known weak secret.",
		Title:      "Issued tokens expire and are signed safely",
		Positional: "token",
		New: func() kind.Check {
			return &JWT{MaxLifetime: kind.Duration(24 * time.Hour)}
		},
		Example: `token: ${LAUNCHGATE_JWT}
max_lifetime: 1h
allowed_algs: [RS256, ES256]
# or obtain one:
# login:
#   url: ${API_URL}/login
#   body: '{"email": "probe@example.com", "password": "${PROBE_PASSWORD}"}'
#   token_path: access_token`,
	})
}

// Validate requires exactly one source of the token and known algorithm names.
func (j *JWT) Validate() error {
	var errs []error
	if (j.Token == "") == (j.Login == nil) {
		if j.Token == "" {
			errs = append(errs, kind.BadParam("token", "give token (a JWT, usually ${VAR}) or login (a request that returns one)"))
		} else {
			errs = append(errs, kind.BadParam("login", "give either token or login, not both"))
		}
	}
	if j.MaxLifetime <= 0 {
		errs = append(errs, kind.BadParam("max_lifetime", "must be positive, e.g. 1h or 24h"))
	}
	if len(j.AllowedAlgs) == 0 {
		j.AllowedAlgs = append([]string(nil), defaultAllowedAlgs...)
	}
	for i, a := range j.AllowedAlgs {
		canon, ok := canonicalAlg(a)
		if !ok {
			errs = append(errs, kind.BadParam("allowed_algs", "unknown algorithm %q (known: %s)", a, strings.Join(defaultAllowedAlgs, ", ")))
			continue
		}
		j.AllowedAlgs[i] = canon
	}
	if l := j.Login; l != nil {
		if _, err := probe.ParseHTTPURL(l.URL); err != nil {
			errs = append(errs, kind.BadParam("login", "url %v", err))
		}
		if err := probe.SetMethod(&l.Method, http.MethodPost); err != nil {
			errs = append(errs, kind.BadParam("login", "method %v", err))
		}
		if l.TokenPath != "" && l.TokenHeader != "" {
			errs = append(errs, kind.BadParam("login", "give token_path or token_header, not both"))
		}
	}
	return errors.Join(errs...)
}

func canonicalAlg(a string) (string, bool) {
	if strings.EqualFold(a, "none") {
		return "", false
	}
	for _, k := range defaultAllowedAlgs {
		if strings.EqualFold(a, k) {
			return k, true
		}
	}
	return "", false
}

// Title names where the token comes from, never the token.
func (j *JWT) Title() string {
	if j.Login != nil {
		return "JWT issued by " + redact.String(j.Login.URL)
	}
	return "JWT lifetime and signing"
}

// Run obtains the token if needed and judges it.
func (j *JWT) Run(ctx context.Context, env *kind.Env) kind.Result {
	token, source := stripBearer(j.Token), "token parameter"
	if j.Login != nil {
		t, src, res := j.Login.fetch(ctx, env)
		if res != nil {
			return *res
		}
		token, source = t, src
	}
	r := j.judge(token, env.Now())
	r.Evidence = append([]kind.Evidence{{Label: "source", Observed: source, Status: kind.Pass}}, r.Evidence...)
	return r
}

// jwtInfo is what the check reads from a token, without verifying it.
type jwtInfo struct {
	alg, kid, typ string
	iss, sub      string
	aud           []string
	exp, iat, nbf *time.Time
	// claimErr names a registered claim of the wrong type.
	claimErr string
	// signingInput and sig are what an HMAC is checked against.
	signingInput string
	sig          []byte
}

// errNotJWT says the token is not three base64url JSON segments.
var errNotJWT = errors.New("not a JWT")

// parseJWT reads a token's header and claims with golang-jwt's unverified parser. It succeeds
// for any well-formed token, whatever its algorithm, so that the check can name an algorithm the
// library does not implement (or none).
func parseJWT(token string) (jwtInfo, error) {
	var info jwtInfo
	claims := jwt.MapClaims{}
	p := jwt.NewParser(jwt.WithJSONNumber())
	tok, parts, err := p.ParseUnverified(token, claims)
	if err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable) {
		// Never wrap the library's error: its detail may quote the token.
		return info, errNotJWT
	}
	if tok == nil || tok.Header == nil || len(parts) != 3 {
		return info, errNotJWT
	}
	info.alg, _ = tok.Header["alg"].(string)
	info.kid, _ = tok.Header["kid"].(string)
	info.typ, _ = tok.Header["typ"].(string)
	info.signingInput = parts[0] + "." + parts[1]
	if sig, err := p.DecodeSegment(parts[2]); err == nil {
		info.sig = sig
	}
	var bad []string
	date := func(name string, get func() (*jwt.NumericDate, error)) *time.Time {
		d, err := get()
		if err != nil {
			bad = append(bad, name)
			return nil
		}
		if d == nil {
			return nil
		}
		t := d.Time.UTC()
		// A NumericDate past year 9999 (exp: 1e19) overflows time arithmetic: call it malformed.
		if t.Year() < 1970 || t.Year() > 9999 {
			bad = append(bad, name)
			return nil
		}
		return &t
	}
	info.exp = date("exp", claims.GetExpirationTime)
	info.iat = date("iat", claims.GetIssuedAt)
	info.nbf = date("nbf", claims.GetNotBefore)
	var e error
	if info.iss, e = claims.GetIssuer(); e != nil {
		bad = append(bad, "iss")
	}
	if info.sub, e = claims.GetSubject(); e != nil {
		bad = append(bad, "sub")
	}
	if aud, e := claims.GetAudience(); e != nil {
		bad = append(bad, "aud")
	} else {
		info.aud = aud
	}
	info.claimErr = strings.Join(bad, ", ")
	return info, nil
}

// judge reads the token, unverified, and applies the rules in order. Only a failing rule names
// a problem: a warning (a lifetime the check cannot know) leaves the summary describing the token.
func (j *JWT) judge(token string, now time.Time) kind.Result {
	var jd kind.Judgement
	info, err := parseJWT(token)
	if err != nil {
		jd.Add(kind.Line{Label: "format", Observed: "not a JWT", Expected: "header.payload.signature", Status: kind.Error,
			Problem: fmt.Sprintf("the token is not a JWT (%d characters; expected three base64url JSON segments separated by dots)", len(token)),
			Remedy:  "point token at a JWT the app issues (not an opaque session id), or remove this check if the app's tokens are opaque"})
		return jd.Result()
	}
	jd.Observe("header", headerSummary(info), "")
	jd.Observe("claims", claimsSummary(info, now), "")
	judgeClaimTypes(&jd, info)
	j.judgeAlg(&jd, info)
	judgeExpiry(&jd, info, now)
	j.judgeLifetime(&jd, info, now)
	judgeNotBefore(&jd, info, now)
	judgeSecret(&jd, info)
	jd.Note("%s", tokenSummary(info, now))
	r := jd.Result()
	if r.Status == kind.Warn {
		r.Remedy = "set iat on issued tokens so their lifetime can be judged"
	}
	return r
}

func headerSummary(info jwtInfo) string {
	hdr := "alg=" + orDash(info.alg)
	if info.typ != "" {
		hdr += " typ=" + info.typ
	}
	if info.kid != "" {
		hdr += " kid=" + info.kid
	}
	return hdr
}

// tokenSummary describes a token that passed: "HS256 token, lifetime 1h, expires in 59m".
func tokenSummary(info jwtInfo, now time.Time) string {
	parts := []string{orDash(info.alg) + " token"}
	if info.exp != nil && info.iat != nil {
		parts = append(parts, "lifetime "+kind.Human(info.exp.Sub(*info.iat)))
	}
	if info.exp != nil {
		parts = append(parts, "expires in "+kind.Human(info.exp.Sub(now)))
	}
	return strings.Join(parts, ", ")
}

func judgeClaimTypes(jd *kind.Judgement, info jwtInfo) {
	if info.claimErr == "" {
		return
	}
	jd.Add(kind.Line{Label: "claim types", Observed: "malformed " + info.claimErr, Expected: "NumericDate numbers and strings (RFC 7519)", Status: kind.Fail,
		Problem: "malformed claims: " + info.claimErr, Remedy: "issue registered claims with their RFC 7519 types (exp/iat/nbf as numbers of seconds)"})
}

// judgeAlg fails an unsigned token and an algorithm outside allowed_algs.
func (j *JWT) judgeAlg(jd *kind.Judgement, info jwtInfo) {
	allowed := strings.Join(j.AllowedAlgs, ", ")
	if len(j.AllowedAlgs) == len(defaultAllowedAlgs) && allowed == strings.Join(defaultAllowedAlgs, ", ") {
		allowed = "a registered signing algorithm (HS*, RS*, PS*, ES*, EdDSA)"
	}
	l := kind.Line{Label: "alg", Observed: info.alg, Expected: allowed, Status: kind.Pass}
	switch {
	case strings.EqualFold(info.alg, "none") || info.alg == "":
		l.Observed = orDash(info.alg) + " (unsigned: anyone can forge it)"
		l.Status, l.Problem, l.Remedy = kind.Fail, "unsigned token (alg "+orDash(info.alg)+")", "sign tokens, and make the verifier reject alg none"
	case !slices.Contains(j.AllowedAlgs, info.alg):
		l.Status, l.Problem = kind.Fail, "alg "+info.alg+" is not allowed"
		l.Remedy = "sign with one of " + strings.Join(j.AllowedAlgs, ", ") + ", or add " + info.alg + " to allowed_algs if it is intended"
	}
	jd.Add(l)
}

// judgeExpiry fails a token without exp (unless exp is there but malformed, which the claim
// types rule names) and one that has expired.
func judgeExpiry(jd *kind.Judgement, info jwtInfo, now time.Time) {
	switch {
	case info.exp == nil && !strings.Contains(info.claimErr, "exp"):
		jd.Add(kind.Line{Label: "exp", Observed: "absent: the token never expires", Expected: "present", Status: kind.Fail,
			Problem: "no exp: the token never expires",
			Remedy:  "set exp on every token (and keep the lifetime short); a leaked or revoked user's token stays valid forever without it"})
	case info.exp != nil && !info.exp.After(now):
		ago := kind.Human(now.Sub(*info.exp))
		jd.Add(kind.Line{Label: "exp", Observed: fmt.Sprintf("%s (expired %s ago)", stamp(*info.exp), ago), Expected: "in the future", Status: kind.Fail,
			Problem: "the token expired " + ago + " ago",
			Remedy:  "give the check a fresh token (or a login block), so it judges what the app issues today"})
	case info.exp != nil:
		jd.Observe("exp", fmt.Sprintf("%s (in %s)", stamp(*info.exp), kind.Human(info.exp.Sub(now))), "present")
	}
}

// judgeLifetime holds exp - iat to max_lifetime. Without iat only the time left can be judged,
// which is a warning while it is within max_lifetime.
func (j *JWT) judgeLifetime(jd *kind.Judgement, info jwtInfo, now time.Time) {
	if info.exp == nil {
		return
	}
	maxL, want := j.MaxLifetime.D(), "≤ "+j.MaxLifetime.String()
	switch {
	case info.iat != nil:
		life := info.exp.Sub(*info.iat)
		l := kind.Line{Label: "lifetime", Observed: kind.Human(life) + " (exp - iat)", Expected: want, Status: kind.Pass}
		if life > maxL {
			l.Status, l.Problem = kind.Fail, fmt.Sprintf("lifetime %s exceeds %s", kind.Human(life), j.MaxLifetime)
			l.Remedy = "issue shorter-lived tokens (refresh them instead), or raise max_lifetime if this lifetime is a decision"
		}
		jd.Add(l)
	case info.exp.After(now):
		left := info.exp.Sub(now)
		obs := fmt.Sprintf("unknown (no iat); still valid for %s", kind.Human(left))
		if left > maxL {
			jd.Add(kind.Line{Label: "lifetime", Observed: obs, Expected: want, Status: kind.Fail,
				Problem: fmt.Sprintf("still valid for %s, over %s", kind.Human(left), j.MaxLifetime), Remedy: "issue shorter-lived tokens, and set iat"})
			return
		}
		jd.Show(kind.Line{Label: "lifetime", Observed: obs, Expected: want, Status: kind.Warn})
	}
}

// judgeNotBefore warns of a token not valid yet (beyond a minute of clock skew).
func judgeNotBefore(jd *kind.Judgement, info jwtInfo, now time.Time) {
	if info.nbf != nil && info.nbf.After(now.Add(time.Minute)) {
		jd.Show(kind.Line{Label: "nbf", Observed: stamp(*info.nbf) + " (not yet valid)", Expected: "not in the future", Status: kind.Warn})
	}
}

// judgeSecret fails an HMAC token signed with a well-known weak secret.
func judgeSecret(jd *kind.Judgement, info jwtInfo) {
	m, ok := jwt.GetSigningMethod(info.alg).(*jwt.SigningMethodHMAC)
	if !ok {
		return
	}
	list := weakSecrets()
	want := fmt.Sprintf("none of %d common secrets", len(list))
	i, found := findWeakSecret(m, info.signingInput, info.sig, list)
	if !found {
		jd.Observe("secret", fmt.Sprintf("not one of %d common weak secrets", len(list)), want)
		return
	}
	jd.Add(kind.Line{Label: "secret", Observed: fmt.Sprintf("a well-known weak secret: %s", maskSecret(list[i])), Expected: want, Status: kind.Fail,
		Problem: info.alg + " secret is a well-known weak one (" + maskSecret(list[i]) + ")",
		Remedy:  "rotate the signing secret to 32+ random bytes (e.g. openssl rand -base64 32) kept in a secret store; every token signed with it can be forged"})
}

func claimsSummary(info jwtInfo, now time.Time) string {
	var b []string
	add := func(k, v string) {
		if v != "" {
			b = append(b, k+"="+v)
		}
	}
	add("iss", info.iss)
	add("sub", info.sub)
	add("aud", strings.Join(info.aud, ","))
	if info.iat != nil {
		add("iat", stamp(*info.iat))
	}
	if info.exp != nil {
		add("exp", stamp(*info.exp))
	}
	if info.exp != nil && info.iat != nil {
		add("lifetime", kind.Human(info.exp.Sub(*info.iat)))
	}
	if len(b) == 0 {
		return "no registered claims"
	}
	return strings.Join(b, " ")
}

func findWeakSecret(m *jwt.SigningMethodHMAC, input string, sig []byte, list []string) (int, bool) {
	if len(sig) == 0 {
		return 0, false
	}
	for i, s := range list {
		if m.Verify(input, sig, []byte(s)) == nil {
			return i, true
		}
	}
	return 0, false
}

// maskSecret names a weak secret without spelling it: its first and last characters and its
// length are enough to find it in a configuration.
func maskSecret(s string) string {
	switch {
	case s == "":
		return "the empty string"
	case len(s) <= 3:
		return fmt.Sprintf("%d-character secret", len(s))
	}
	return fmt.Sprintf("%c…%c (%d characters)", s[0], s[len(s)-1], len(s))
}

//go:embed data/weak_jwt_secrets.txt
var weakSecretsFile []byte

var weakSecrets = sync.OnceValue(func() []string {
	out := []string{""}
	sc := bufio.NewScanner(bytes.NewReader(weakSecretsFile))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
})

// fetch sends the login request and extracts the token. It returns a result when it cannot.
func (l *Login) fetch(ctx context.Context, env *kind.Env) (string, string, *kind.Result) {
	timeout := kind.Timeout(ctx)
	target := redact.String(l.URL)
	req, err := l.request(ctx, env)
	if err != nil {
		res := kind.Errorf("fix login.url", "cannot build the login request for %s", target)
		return "", "", &res
	}
	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: l.InsecureSkipVerify})
	defer client.CloseIdleConnections()
	resp, rerr := probe.Send(ctx, client, req, timeout)
	if rerr != nil {
		res := kind.Result{Status: kind.Error, Summary: "login request failed: " + rerr.Summary, Remedy: rerr.Remedy,
			Evidence: []kind.Evidence{{Label: "login", Observed: rerr.Kind, Expected: "a 2xx response with a token", Status: kind.Error}}}
		return "", "", &res
	}
	if resp.Status < 200 || resp.Status > 299 {
		// The body is not shown: a login endpoint's error may echo the credentials sent.
		res := kind.Result{Status: kind.Error,
			Summary:  fmt.Sprintf("login %s %s answered %d, not 2xx: cannot obtain a token", l.Method, target, resp.Status),
			Remedy:   "check the test user's credentials and the login body; the check needs a working login to judge the token",
			Evidence: []kind.Evidence{{Label: "login", Observed: strconv.Itoa(resp.Status), Expected: "2xx", Status: kind.Error}}}
		return "", "", &res
	}
	return l.token(resp, target)
}

func (l *Login) request(ctx context.Context, env *kind.Env) (*http.Request, error) {
	var body io.Reader
	if l.Body != "" {
		body = strings.NewReader(l.Body)
	}
	req, err := http.NewRequestWithContext(ctx, l.Method, l.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range l.Headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("Content-Type") == "" && strings.HasPrefix(strings.TrimSpace(l.Body), "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", env.UserAgent())
	return req, nil
}

// token takes the token from the login's 2xx answer: from token_header, or from the first of
// the JSON paths that holds a string.
func (l *Login) token(resp *probe.Response, target string) (string, string, *kind.Result) {
	src := fmt.Sprintf("login %s %s → %d", l.Method, target, resp.Status)
	if l.TokenHeader != "" {
		v := stripBearer(resp.Header.Get(l.TokenHeader))
		if v == "" {
			res := kind.Errorf("set login.token_header to the header that carries the token, or use token_path",
				"login %s %s answered %d without a %s header", l.Method, target, resp.Status, l.TokenHeader)
			return "", "", &res
		}
		return v, src + ", token from header " + l.TokenHeader, nil
	}
	var doc any
	d := json.NewDecoder(bytes.NewReader(resp.Body))
	d.UseNumber()
	if err := d.Decode(&doc); err != nil {
		res := kind.Errorf("make the login endpoint answer JSON, or set login.token_header",
			"login %s %s answered %d with a body that is not JSON", l.Method, target, resp.Status)
		return "", "", &res
	}
	paths := defaultTokenPaths
	if l.TokenPath != "" {
		paths = []string{l.TokenPath}
	}
	for _, p := range paths {
		if v, ok := jsonString(doc, p); ok && v != "" {
			return v, src + ", token from JSON " + p, nil
		}
	}
	res := kind.Errorf("set login.token_path to the dotted JSON path of the token (e.g. data.access_token)",
		"login %s %s answered %d but no token at %s (JSON keys: %s)", l.Method, target, resp.Status,
		strings.Join(paths, ", "), strings.Join(topKeys(doc), ", "))
	return "", "", &res
}

// jsonString reads the string at a dotted path (data.items.0.token).
func jsonString(doc any, path string) (string, bool) {
	v, _ := probe.LookupJSON(doc, path)
	s, ok := v.(string)
	return s, ok
}

// topKeys names the top-level keys of a JSON object (names only, never values), to help fix
// token_path.
func topKeys(doc any) []string {
	m, ok := doc.(map[string]any)
	if !ok {
		return []string{"(not an object)"}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, probe.Clip(k))
	}
	sort.Strings(keys)
	if len(keys) > 10 {
		keys = append(keys[:10], "…")
	}
	return keys
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orDash(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// stripBearer removes surrounding space and a "Bearer " prefix copied along with a token.
func stripBearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		v = strings.TrimSpace(v[7:])
	}
	return v
}
