package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Header items, the keys of severity and ignore.
const (
	itemHSTS     = "hsts"
	itemNosniff  = "nosniff"
	itemFrame    = "frame"
	itemCSP      = "csp"
	itemReferrer = "referrer"
	itemCookies  = "cookies"
	itemCORS     = "cors"
	itemRedirect = "redirect"
)

var headerItems = []string{itemHSTS, itemNosniff, itemFrame, itemCSP, itemReferrer, itemCookies, itemCORS, itemRedirect}

// minHSTSAge is 180 days: the "six months" the HTTP Observatory and the HSTS preload list ask for.
const minHSTSAge = 15552000

// corsProbeOrigin is an origin no real site has (.example is reserved, RFC 2606): a server that
// allows it allows any origin.
const corsProbeOrigin = "https://launchgate-cors-probe.example"

// Headers judges the security headers of a response, in the spirit of the Mozilla HTTP
// Observatory: HSTS, nosniff, frame protection, CSP, Referrer-Policy, cookie flags, CORS with
// credentials, and the redirect from http:// to https://.
type Headers struct {
	URL                string            `yaml:"url" required:"true" doc:"The page or API URL whose response headers are judged (redirects are followed)."`
	HTTPURL            string            `yaml:"http_url" doc:"The plain-http URL that must redirect to https (default: url with http:// on port 80)."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers, e.g. a session cookie to see the signed-in page's headers."`
	Severity           map[string]string `yaml:"severity" doc:"Override the status of an item's problems: fail or warn, by item (hsts, nosniff, frame, csp, referrer, cookies, cors, redirect)."`
	Ignore             []string          `yaml:"ignore" doc:"Items not to judge (reported as skipped)."`
	RedirectTimeout    kind.Duration     `yaml:"redirect_timeout" doc:"How long the http:// probe may take; an unreachable http:// port is a warning."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`
	ForwardCredentials bool              `yaml:"forward_credentials_on_redirect" doc:"false (the default): headers go only to the url's own origin, and a redirect to another scheme, host or port drops them (Authorization, Cookie, an API key); true keeps them."`

	severity map[string]kind.Status
}

func init() {
	kind.Register(kind.Kind{
		Name:       "http.headers",
		Summary:    "A response carries the security headers the Mozilla HTTP Observatory scores: HSTS, nosniff, frame protection, CSP, Referrer-Policy, safe cookies and CORS, and http:// redirects to https://.",
		Title:      "Security headers are set",
		Positional: "url",
		New: func() kind.Check {
			return &Headers{RedirectTimeout: kind.Duration(3 * time.Second), ForwardCredentials: false}
		},
		Example: `url: ${LAUNCHGATE_URL}
severity: {csp: fail}
ignore: [cookies]`,
	})
}

// Title names the URL.
func (h *Headers) Title() string { return "Security headers of " + redact.String(h.URL) }

// Validate checks the URLs and the item names in severity and ignore.
func (h *Headers) Validate() error {
	var errs []error
	errs = append(errs, checkURLs(namedURL{"url", h.URL}, namedURL{"http_url", h.HTTPURL})...)
	if h.HTTPURL != "" && !strings.HasPrefix(strings.ToLower(h.HTTPURL), "http://") {
		errs = append(errs, kind.BadParam("http_url", "%q must start with http://", redact.String(h.HTTPURL)))
	}
	h.severity = map[string]kind.Status{}
	for item, s := range h.Severity {
		if !slices.Contains(headerItems, item) {
			errs = append(errs, kind.BadParam("severity", "unknown item %q%s (items: %s)", item, didYouMean(item), strings.Join(headerItems, ", ")))
			continue
		}
		switch strings.ToLower(s) {
		case "fail":
			h.severity[item] = kind.Fail
		case "warn":
			h.severity[item] = kind.Warn
		default:
			errs = append(errs, kind.BadParam("severity", "%s: %q must be fail or warn (use ignore to turn an item off)", item, s))
		}
	}
	for _, item := range h.Ignore {
		if !slices.Contains(headerItems, item) {
			errs = append(errs, kind.BadParam("ignore", "unknown item %q%s (items: %s)", item, didYouMean(item), strings.Join(headerItems, ", ")))
		}
	}
	if h.RedirectTimeout <= 0 {
		h.RedirectTimeout = kind.Duration(3 * time.Second)
	}
	return errors.Join(errs...)
}

// finding is one evidence line of one item, with its default status (from the Observatory's
// weight) and the fix.
type finding struct {
	item     string
	label    string
	observed string
	expected string
	status   kind.Status
	problem  string
	fix      string
}

// Run makes at most three requests: the page (following redirects), the same URL with a foreign
// Origin (CORS, following the same redirects, so that the headers reach only the origin they
// were configured for), and, for an https URL, the http:// twin (not followed).
func (h *Headers) Run(ctx context.Context, env *kind.Env) kind.Result {
	timeout := kind.Timeout(ctx)
	client, hops := h.client(env)
	defer client.CloseIdleConnections()
	main, f := h.get(ctx, client, env, timeout, h.URL, "")
	if f != nil {
		return kind.Result{Status: kind.Error, Summary: f.Summary, Remedy: f.Remedy,
			Evidence: []kind.Evidence{{Label: "request", Observed: f.Kind, Expected: "a response", Status: kind.Error}}}
	}
	// The CORS probe follows redirects too: what the page's own redirects did is taken now.
	chain, hopCookies := slices.Clone(hops.chain), slices.Clone(hops.cookies)
	finalURL, _ := url.Parse(main.URL)
	https := finalURL != nil && finalURL.Scheme == "https"
	fs := judgePageHeaders(main, hopCookies, https)
	fs = append(fs, h.judgeCORSItem(ctx, client, env, timeout, main))
	fs = append(fs, h.judgeRedirectItem(ctx, client, env, chain, https))
	return h.result(main, fs)
}

// redirectLog is what a client saw on the redirects it followed.
type redirectLog struct {
	chain []string
	// cookies were set by a redirect (typically the http:// one): the final response never
	// shows them.
	cookies []hopCookie
}

// client follows redirects as the probe client does, logging them.
func (h *Headers) client(env *kind.Env) (*http.Client, *redirectLog) {
	client := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: h.InsecureSkipVerify, FollowRedirects: true,
		ForwardCredentials: h.ForwardCredentials})
	log := &redirectLog{}
	follow := client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		log.chain = append(log.chain, req.URL.String())
		if resp := req.Response; resp != nil && resp.Request != nil {
			for _, line := range resp.Header.Values("Set-Cookie") {
				log.cookies = append(log.cookies, hopCookie{line: line, https: resp.Request.URL.Scheme == "https"})
			}
		}
		return follow(req, via)
	}
	return client, log
}

// judgePageHeaders judges the headers of the page itself, and the cookies its redirects set.
func judgePageHeaders(main *probe.Response, hops []hopCookie, https bool) []finding {
	var fs []finding
	if main.Status < 200 || main.Status > 399 {
		fs = append(fs, finding{item: "", label: "response", observed: statusLine(main.Status) + " (the headers of an error page may differ from the app's)",
			expected: "2xx", status: kind.Warn, problem: "the page answered " + statusLine(main.Status),
			fix: "point url at a page that answers 2xx, so the headers judged are the app's"})
	}
	hsts := judgeHSTS(main.Header, https)
	csps := parseCSPHeaders(main.Header.Values("Content-Security-Policy"))
	fs = append(fs, hsts, judgeNosniff(main.Header), judgeFrame(main.Header, csps),
		judgeCSP(csps, main.Header.Values("Content-Security-Policy-Report-Only")), judgeReferrer(main.Header))
	fs = append(fs, judgeCookies(main.Header, https, hsts.status == kind.Pass)...)
	for _, hc := range hops {
		f := judgeCookie(hc.line, hc.https, hc.https && hsts.status == kind.Pass)
		f.label += " (set by a redirect)"
		fs = append(fs, f)
	}
	return fs
}

// judgeCORSItem asks again with a foreign Origin, unless cors is ignored.
func (h *Headers) judgeCORSItem(ctx context.Context, client *http.Client, env *kind.Env, timeout time.Duration, main *probe.Response) finding {
	if h.ignored(itemCORS) {
		return finding{item: itemCORS, label: itemCORS}
	}
	cors, f := h.get(ctx, client, env, timeout, h.URL, corsProbeOrigin)
	if f != nil {
		return finding{item: itemCORS, label: itemCORS, observed: "probe failed: " + f.Summary, expected: "a response", status: kind.Warn,
			problem: "the CORS probe failed", fix: "re-run; the server did not answer a request with an Origin header"}
	}
	return judgeCORS(main.Header, cors.Header)
}

// judgeRedirectItem judges the way from http:// to https://: the redirects already followed
// for an http:// url, else the http:// twin of the https:// one.
func (h *Headers) judgeRedirectItem(ctx context.Context, client *http.Client, env *kind.Env, chain []string, https bool) finding {
	if h.ignored(itemRedirect) {
		return finding{item: itemRedirect, label: itemRedirect}
	}
	if u, _ := url.Parse(h.URL); u != nil && u.Scheme == "http" {
		return judgeRedirectChain(h.URL, chain, https)
	}
	return h.probeHTTPTwin(ctx, client, env)
}

func (h *Headers) ignored(item string) bool { return slices.Contains(h.Ignore, item) }

func (h *Headers) get(ctx context.Context, client *http.Client, env *kind.Env, timeout time.Duration, target, origin string) (*probe.Response, *probe.Failure) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, &probe.Failure{Kind: "request", Summary: "cannot build a request for " + redact.String(target), Remedy: "fix the url parameter"}
	}
	for k, v := range h.Headers {
		req.Header.Set(k, v)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	req.Header.Set("User-Agent", env.UserAgent())
	return probe.Send(ctx, client, req, timeout)
}

// result judges every finding, with severity and ignore applied, and says the failures first:
// the warnings are counted after them, or named when nothing failed.
func (h *Headers) result(main *probe.Response, fs []finding) kind.Result {
	var j kind.Judgement
	for _, f := range fs {
		if h.ignored(f.item) {
			j.Add(kind.Line{Label: f.label, Observed: "ignored by configuration", Status: kind.Skip})
			continue
		}
		st := f.status
		if sev, ok := h.severity[f.item]; ok && (st == kind.Warn || st == kind.Fail) {
			st = sev
		}
		j.Add(kind.Line{Label: f.label, Observed: f.observed, Expected: f.expected, Status: st, Problem: f.problem, Remedy: f.fix})
	}
	r := j.Result()
	// The final URL is the server's choice once redirects were followed.
	target := redact.String(h.URL)
	if u, err := url.Parse(h.URL); err != nil || u.String() != main.URL {
		target = shownURL(main.URL)
	}
	var fails, warns []string
	for _, p := range j.Problems() {
		switch p.Status {
		case kind.Fail:
			fails = append(fails, p.Problem)
		case kind.Warn:
			warns = append(warns, p.Problem)
		}
	}
	fails, warns = kind.Unique(fails), kind.Unique(warns)
	switch {
	case len(fails) > 0:
		r.Summary = fmt.Sprintf("%s: %s", target, strings.Join(fails, "; "))
		if len(warns) > 0 {
			r.Summary += fmt.Sprintf(" (and %d warning%s)", len(warns), kind.Plural(len(warns), "", "s"))
		}
	case len(warns) > 0:
		r.Summary = fmt.Sprintf("%s: %s", target, strings.Join(warns, "; "))
	default:
		r.Summary = headersPassSummary(target, main.Status, r.Evidence)
	}
	return r
}

// headersPassSummary counts what was judged and what was skipped.
func headersPassSummary(target string, status int, evidence []kind.Evidence) string {
	judged, skipped := 0, 0
	for _, e := range evidence {
		switch e.Status {
		case kind.Pass:
			judged++
		case kind.Skip:
			skipped++
		}
	}
	if judged == 0 {
		return fmt.Sprintf("%s (%d): every item is ignored by configuration", target, status)
	}
	s := fmt.Sprintf("%s (%d): all %d judged items pass", target, status, judged)
	if skipped > 0 {
		s += fmt.Sprintf(", %d skipped", skipped)
	}
	return s
}

// --- HSTS ---

// hstsPolicy is a parsed Strict-Transport-Security value (RFC 6797 section 6.1).
type hstsPolicy struct {
	maxAge            int64
	includeSubDomains bool
	preload           bool
}

// parseHSTS reads a Strict-Transport-Security value. A value without max-age, with a malformed
// max-age or with a repeated directive is invalid, and browsers ignore it.
func parseHSTS(v string) (hstsPolicy, error) {
	var p hstsPolicy
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, hasVal := strings.Cut(part, "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if seen[name] {
			return p, fmt.Errorf("directive %s appears twice", name)
		}
		seen[name] = true
		switch name {
		case "max-age":
			val = strings.Trim(strings.TrimSpace(val), `"`)
			n, err := strconv.ParseInt(val, 10, 64)
			if !hasVal || err != nil || n < 0 {
				return p, fmt.Errorf("max-age %q is not a number of seconds", val)
			}
			p.maxAge = n
		case "includesubdomains":
			p.includeSubDomains = true
		case "preload":
			p.preload = true
		}
	}
	if !seen["max-age"] {
		return p, fmt.Errorf("no max-age directive")
	}
	return p, nil
}

const hstsFix = "Strict-Transport-Security: max-age=63072000; includeSubDomains"

func judgeHSTS(hdr http.Header, https bool) finding {
	f := finding{item: itemHSTS, label: itemHSTS, expected: hstsFix}
	if !https {
		f.status, f.observed = kind.Skip, "not applicable: the response came over http:// (browsers ignore HSTS there; see the redirect item)"
		return f
	}
	v := hdr.Get("Strict-Transport-Security")
	fix := "send " + hstsFix + " on every https response"
	if v == "" {
		f.status, f.observed, f.problem, f.fix = kind.Fail, "missing", "no HSTS header", fix
		return f
	}
	p, err := parseHSTS(v)
	if err != nil {
		f.status, f.observed, f.problem, f.fix = kind.Fail, fmt.Sprintf("invalid (%v): %q", err, probe.Clip(v)), "invalid HSTS header", fix
		return f
	}
	switch {
	case p.maxAge == 0:
		f.status, f.observed, f.problem, f.fix = kind.Fail, "max-age=0 (turns HSTS off)", "HSTS max-age=0 turns it off", fix
		return f
	case p.maxAge < minHSTSAge:
		f.status, f.problem, f.fix = kind.Warn, fmt.Sprintf("HSTS max-age %s is under 180 days", kind.Human(time.Duration(p.maxAge)*time.Second)), "raise the HSTS max-age to at least 15552000 (180 days), ideally 63072000 (2 years)"
	default:
		f.status = kind.Pass
	}
	f.observed = fmt.Sprintf("max-age=%d (%s)", p.maxAge, kind.Human(time.Duration(p.maxAge)*time.Second))
	if p.includeSubDomains {
		f.observed += "; includeSubDomains"
	} else {
		f.observed += "; no includeSubDomains (subdomains are not covered: add it once every subdomain serves https)"
	}
	if p.preload {
		f.observed += "; preload"
	}
	return f
}

// --- X-Content-Type-Options ---

func judgeNosniff(hdr http.Header) finding {
	f := finding{item: itemNosniff, label: itemNosniff, expected: "X-Content-Type-Options: nosniff", status: kind.Pass}
	v := strings.TrimSpace(hdr.Get("X-Content-Type-Options"))
	f.observed = v
	fix := "send X-Content-Type-Options: nosniff, so browsers do not run an upload or a JSON response as a script"
	switch {
	case v == "":
		f.status, f.observed, f.problem, f.fix = kind.Warn, "missing", "no X-Content-Type-Options: nosniff", fix
	case !strings.EqualFold(v, "nosniff"):
		f.status, f.observed, f.problem, f.fix = kind.Warn, fmt.Sprintf("invalid: %q", probe.Clip(v)), "X-Content-Type-Options is not nosniff", fix
	}
	return f
}

// --- CSP ---

// cspPolicy maps a directive name to its source list, for one policy.
type cspPolicy map[string][]string

// parseCSPHeaders parses every Content-Security-Policy value; one header may carry several
// policies separated by commas. Directive names are case-insensitive; the first occurrence of a
// directive wins (CSP3 section 2.2.1).
func parseCSPHeaders(values []string) []cspPolicy {
	var out []cspPolicy
	for _, v := range values {
		for _, pol := range strings.Split(v, ",") {
			p := cspPolicy{}
			for _, d := range strings.Split(pol, ";") {
				fields := strings.Fields(d)
				if len(fields) == 0 {
					continue
				}
				name := strings.ToLower(fields[0])
				if _, dup := p[name]; dup {
					continue
				}
				srcs := make([]string, 0, len(fields)-1)
				for _, s := range fields[1:] {
					srcs = append(srcs, strings.ToLower(s))
				}
				p[name] = srcs
			}
			if len(p) > 0 {
				out = append(out, p)
			}
		}
	}
	return out
}

// scriptSources is the source list that governs scripts: script-src, else default-src.
func (p cspPolicy) scriptSources() ([]string, string, bool) {
	if s, ok := p["script-src"]; ok {
		return s, "script-src", true
	}
	if s, ok := p["default-src"]; ok {
		return s, "default-src", true
	}
	return nil, "", false
}

// allowsInlineScript: 'unsafe-inline' counts unless a nonce or hash is present, which makes
// CSP2+ browsers ignore it.
func allowsInlineScript(srcs []string) bool {
	inline := false
	for _, s := range srcs {
		switch {
		case s == "'unsafe-inline'":
			inline = true
		case strings.HasPrefix(s, "'nonce-"), strings.HasPrefix(s, "'sha256-"), strings.HasPrefix(s, "'sha384-"), strings.HasPrefix(s, "'sha512-"):
			return false
		}
	}
	return inline
}

func judgeCSP(policies []cspPolicy, reportOnly []string) finding {
	f := finding{item: itemCSP, label: itemCSP, expected: "Content-Security-Policy: default-src 'self'; script-src 'self'; frame-ancestors 'none' (no 'unsafe-inline' scripts)"}
	if len(policies) == 0 {
		f.status, f.problem = kind.Warn, "no Content-Security-Policy"
		f.observed = "missing"
		if len(reportOnly) > 0 {
			f.observed = "only Content-Security-Policy-Report-Only (reported, not enforced)"
			f.problem = "CSP is report-only"
		}
		f.fix = "send a Content-Security-Policy that restricts scripts (start with Report-Only, then enforce)"
		return f
	}
	// Every policy is enforced, so scripts are restricted if any one policy restricts them.
	restricted, noInline, noEval := false, false, false
	var where string
	for _, p := range policies {
		srcs, dir, ok := p.scriptSources()
		if !ok {
			continue
		}
		restricted = true
		if !allowsInlineScript(srcs) {
			noInline = true
		} else {
			where = dir
		}
		if !slices.Contains(srcs, "'unsafe-eval'") {
			noEval = true
		}
	}
	f.status, f.observed = kind.Pass, "set"
	switch {
	case !restricted:
		f.status, f.observed = kind.Warn, "set, but neither script-src nor default-src restricts scripts"
		f.problem, f.fix = "CSP does not restrict scripts", "add script-src (or default-src) 'self' to the Content-Security-Policy"
	case !noInline:
		f.status, f.observed = kind.Warn, "allows 'unsafe-inline' in "+where+" (inline scripts run, so XSS does)"
		f.problem, f.fix = "CSP allows 'unsafe-inline' scripts", "remove 'unsafe-inline' from "+where+": move inline scripts to files, or allow them by nonce or hash"
	case !noEval:
		f.status, f.observed = kind.Warn, "allows 'unsafe-eval' for scripts"
		f.problem, f.fix = "CSP allows 'unsafe-eval'", "remove 'unsafe-eval' from the script sources"
	default:
		f.observed = "restricts scripts without 'unsafe-inline'"
	}
	return f
}

// --- frame protection ---

func judgeFrame(hdr http.Header, csps []cspPolicy) finding {
	f := finding{item: itemFrame, label: itemFrame, expected: "Content-Security-Policy: frame-ancestors 'none' (or X-Frame-Options: DENY)", status: kind.Pass}
	fix := "send Content-Security-Policy: frame-ancestors 'none' (or 'self'), or X-Frame-Options: DENY, so other sites cannot frame the page (clickjacking)"
	for _, p := range csps {
		if fa, ok := p["frame-ancestors"]; ok {
			f.observed = "CSP frame-ancestors " + strings.Join(fa, " ")
			return f
		}
	}
	xfo := strings.TrimSpace(hdr.Get("X-Frame-Options"))
	switch u := strings.ToUpper(xfo); {
	case xfo == "":
		f.status, f.observed, f.problem, f.fix = kind.Fail, "missing (no X-Frame-Options, no CSP frame-ancestors)", "no frame protection", fix
	case u == "DENY" || u == "SAMEORIGIN":
		f.observed = "X-Frame-Options: " + u
	case strings.HasPrefix(u, "ALLOW-FROM"):
		f.status, f.observed, f.problem, f.fix = kind.Warn, "X-Frame-Options: "+probe.Clip(xfo)+" (obsolete: modern browsers ignore ALLOW-FROM)", "X-Frame-Options ALLOW-FROM is ignored by browsers", "use Content-Security-Policy: frame-ancestors with the allowed origins instead of ALLOW-FROM"
	default:
		f.status, f.observed, f.problem, f.fix = kind.Fail, fmt.Sprintf("X-Frame-Options invalid: %q", probe.Clip(xfo)), "invalid X-Frame-Options", fix
	}
	return f
}

// --- Referrer-Policy ---

func judgeReferrer(hdr http.Header) finding {
	f := finding{item: itemReferrer, label: itemReferrer, expected: "Referrer-Policy: strict-origin-when-cross-origin (or no-referrer, same-origin, strict-origin)", status: kind.Pass}
	v := strings.TrimSpace(strings.Join(hdr.Values("Referrer-Policy"), ","))
	fix := "send Referrer-Policy: strict-origin-when-cross-origin, so full URLs (with ids and tokens in them) do not leak to other sites"
	if v == "" {
		f.status, f.observed, f.problem, f.fix = kind.Warn, "missing", "no Referrer-Policy", fix
		return f
	}
	// The last policy the browser recognises wins (Referrer Policy section 11.1).
	effective := ""
	for _, t := range strings.Split(v, ",") {
		switch t = strings.ToLower(strings.TrimSpace(t)); t {
		case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin",
			"origin", "origin-when-cross-origin", "no-referrer-when-downgrade", "unsafe-url":
			effective = t
		}
	}
	f.observed = effective
	switch effective {
	case "":
		f.status, f.observed, f.problem, f.fix = kind.Warn, fmt.Sprintf("unrecognised: %q", probe.Clip(v)), "Referrer-Policy not recognised", fix
	case "unsafe-url", "no-referrer-when-downgrade":
		f.status, f.problem, f.fix = kind.Warn, "Referrer-Policy "+effective+" leaks full URLs to other sites", fix
	}
	return f
}

// --- cookies ---

// sessionCookie recognises the names of cookies that carry a session or credential, which the
// Observatory holds to HttpOnly and penalises hardest.
var sessionCookie = regexp.MustCompile(`(?i)(sess|sid|auth|token|login|jwt|remember|identity|credential)`)

func judgeCookies(hdr http.Header, https, hstsOK bool) []finding {
	lines := hdr.Values("Set-Cookie")
	if len(lines) == 0 {
		return []finding{{item: itemCookies, label: itemCookies, observed: "none set", status: kind.Pass}}
	}
	var out []finding
	for _, line := range lines {
		out = append(out, judgeCookie(line, https, hstsOK))
	}
	return out
}

// judgeCookie judges one Set-Cookie line. It names the cookie and never shows its value.
func judgeCookie(line string, https, hstsOK bool) finding {
	c, err := http.ParseSetCookie(line)
	if err != nil {
		name, _, _ := strings.Cut(line, "=")
		return finding{item: itemCookies, label: "cookie " + probe.Clip(name), observed: "unparseable Set-Cookie", expected: "a valid Set-Cookie (RFC 6265)",
			status: kind.Warn, problem: "unparseable Set-Cookie", fix: "send Set-Cookie lines browsers can parse"}
	}
	session := sessionCookie.MatchString(c.Name)
	cname := probe.Clip(c.Name)
	cookieKind := "cookie"
	if session {
		cookieKind = "session cookie"
	}
	a := cookieAttrs{status: kind.Pass}
	a.judgeSecure(c, https, hstsOK, session)
	a.judgeHttpOnly(c, session)
	a.judgeSameSite(c)
	f := finding{item: itemCookies, label: "cookie " + cname, expected: "Secure; HttpOnly; SameSite=Lax (or Strict)", status: a.status}
	f.observed = cookieKind
	if len(a.set) > 0 {
		f.observed += ": " + strings.Join(a.set, "; ")
	}
	if len(a.missing) > 0 {
		f.observed += "; missing " + strings.Join(a.missing, ", ")
	}
	if len(a.notes) > 0 {
		f.observed += " (" + strings.Join(a.notes, "; ") + ")"
	}
	if f.status != kind.Pass {
		what := strings.Join(a.missing, ", ")
		if what == "" {
			what = "Secure"
		}
		f.problem = fmt.Sprintf("%s %s lacks %s", cookieKind, cname, what)
		f.fix = fmt.Sprintf("set cookie %s with Secure; HttpOnly; SameSite=Lax", cname)
	}
	return f
}

// cookieAttrs is the judgement of one cookie's attributes, weighted as the Observatory does.
type cookieAttrs struct {
	status              kind.Status
	set, missing, notes []string
}

func (a *cookieAttrs) raise(st kind.Status) { a.status = kind.Worst(a.status, st) }

func (a *cookieAttrs) judgeSecure(c *http.Cookie, https, hstsOK, session bool) {
	if c.Secure {
		a.set = append(a.set, "Secure")
		return
	}
	a.missing = append(a.missing, "Secure")
	switch {
	case hstsOK && https && session:
		a.raise(kind.Warn) // Observatory -10: HSTS keeps it off http
	case hstsOK && https:
		a.raise(kind.Warn) // -5
	default:
		a.raise(kind.Fail) // -40 for a session cookie, -20 for others
	}
}

func (a *cookieAttrs) judgeHttpOnly(c *http.Cookie, session bool) {
	switch {
	case c.HttpOnly:
		a.set = append(a.set, "HttpOnly")
	case session:
		a.missing = append(a.missing, "HttpOnly")
		a.raise(kind.Fail) // -30
	default:
		a.notes = append(a.notes, "readable by scripts (fine unless it carries a credential)")
	}
}

func (a *cookieAttrs) judgeSameSite(c *http.Cookie) {
	switch c.SameSite {
	case http.SameSiteLaxMode:
		a.set = append(a.set, "SameSite=Lax")
	case http.SameSiteStrictMode:
		a.set = append(a.set, "SameSite=Strict")
	case http.SameSiteNoneMode:
		a.set = append(a.set, "SameSite=None")
		if !c.Secure {
			a.raise(kind.Fail)
			a.notes = append(a.notes, "SameSite=None without Secure is rejected by browsers")
		} else {
			a.notes = append(a.notes, "sent on cross-site requests")
		}
	default:
		a.missing = append(a.missing, "SameSite")
		a.raise(kind.Warn)
	}
}

// hopCookie is a Set-Cookie line of a redirect response, and whether it came over https.
type hopCookie struct {
	line  string
	https bool
}

// --- CORS ---

func judgeCORS(plain, cors http.Header) finding {
	f := finding{item: itemCORS, label: itemCORS, expected: "no Access-Control-Allow-Origin: * or reflected origin together with Allow-Credentials: true", status: kind.Pass}
	fix := "allow credentialed CORS only for a fixed list of your own origins (never echo the Origin header back, never * with credentials)"
	creds := func(h http.Header) bool {
		return strings.EqualFold(strings.TrimSpace(h.Get("Access-Control-Allow-Credentials")), "true")
	}
	acao := strings.TrimSpace(cors.Get("Access-Control-Allow-Origin"))
	switch {
	case strings.TrimSpace(plain.Get("Access-Control-Allow-Origin")) == "*" && creds(plain), acao == "*" && creds(cors):
		f.status, f.observed = kind.Fail, "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true"
		f.problem, f.fix = "wildcard CORS with credentials", fix
	case strings.EqualFold(acao, corsProbeOrigin) && creds(cors):
		f.status, f.observed = kind.Fail, "reflects an arbitrary Origin ("+corsProbeOrigin+") with Access-Control-Allow-Credentials: true: any site can read signed-in users' responses"
		f.problem, f.fix = "CORS reflects any origin with credentials", fix
	case strings.EqualFold(acao, "null") && creds(cors):
		f.status, f.observed = kind.Fail, "Access-Control-Allow-Origin: null with credentials (sandboxed frames of any site have origin null)"
		f.problem, f.fix = "CORS allows origin null with credentials", fix
	case acao == "*":
		f.observed = "Access-Control-Allow-Origin: * without credentials (public)"
	case strings.EqualFold(acao, corsProbeOrigin):
		f.observed = "reflects any Origin, without credentials (public)"
	case acao == "":
		f.observed = "a foreign Origin is not allowed"
	default:
		f.observed = "allows " + probe.Clip(acao) + " only"
	}
	return f
}

// --- redirect ---

func sameHost(a, b *url.URL) bool { return strings.EqualFold(a.Hostname(), b.Hostname()) }

// judgeRedirectChain judges the redirects the client followed from an http:// url.
func judgeRedirectChain(start string, chain []string, finalHTTPS bool) finding {
	f := finding{item: itemRedirect, label: itemRedirect, expected: "301/308 to https:// on the same host", status: kind.Pass}
	fix := "redirect every http:// request to the same URL on https:// (301 or 308)"
	su, _ := url.Parse(start)
	if len(chain) == 0 {
		f.status, f.observed, f.problem, f.fix = kind.Fail, "served over http:// without a redirect to https://", "http:// is served without redirecting to https://", fix
		return f
	}
	first, _ := url.Parse(chain[0])
	switch {
	case !finalHTTPS:
		f.status, f.observed, f.problem, f.fix = kind.Fail, "redirects, but ends on http:// ("+shownURL(chain[len(chain)-1])+")", "http:// redirects do not end on https://", fix
	case first.Scheme != "https":
		f.status, f.observed, f.problem, f.fix = kind.Warn, "first redirect goes to "+shownURL(chain[0])+" (still http)", "the first redirect from http:// is not to https://", fix
	case su != nil && !sameHost(su, first):
		f.status, f.observed, f.problem, f.fix = kind.Warn, "first redirect goes to another host ("+probe.Clip(first.Host)+"), so HSTS for "+su.Hostname()+" is never set", "http:// redirects to https:// on another host", "redirect http:// to https:// on the same host first, then elsewhere"
	default:
		f.observed = "redirects to " + shownURL(chain[0])
	}
	return f
}

// httpTwin is the http:// URL of an https:// URL, on the default port.
func httpTwin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	// The password of an https:// URL must not travel in clear text to port 80.
	u.Scheme, u.User = "http", nil
	u.Host = u.Hostname()
	if strings.Contains(u.Host, ":") {
		u.Host = "[" + u.Host + "]"
	}
	return u.String()
}

func (h *Headers) probeHTTPTwin(ctx context.Context, client *http.Client, env *kind.Env) finding {
	f := finding{item: itemRedirect, label: itemRedirect, expected: "301/308 to https:// on the same host", status: kind.Pass}
	fix := "redirect every http:// request to the same URL on https:// (301 or 308)"
	twin := h.HTTPURL
	if twin == "" {
		twin = httpTwin(h.URL)
	}
	pctx, cancel := context.WithTimeout(ctx, h.RedirectTimeout.D())
	defer cancel()
	req, err := http.NewRequestWithContext(pctx, http.MethodGet, twin, nil)
	if err != nil {
		f.status, f.observed, f.problem, f.fix = kind.Warn, "cannot build a request for "+redact.String(twin), "cannot probe http://", "set http_url"
		return f
	}
	req.Header.Set("User-Agent", env.UserAgent())
	nofollow := *client
	nofollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, fl := probe.Send(pctx, &nofollow, req, h.RedirectTimeout.D())
	target := redact.String(twin)
	if fl != nil {
		f.status = kind.Warn
		f.observed = fmt.Sprintf("%s unreachable (%s): cannot confirm the redirect", target, fl.Kind)
		f.problem = target + " is unreachable, so the redirect to https:// is unconfirmed"
		f.fix = "serve port 80 with a redirect to https:// (or set http_url to where http:// is served); if http:// is closed by design, ignore: [redirect]"
		return f
	}
	loc := resp.Header.Get("Location")
	switch {
	case resp.Status >= 300 && resp.Status <= 399 && loc != "":
		lu, err := req.URL.Parse(loc)
		tu, _ := url.Parse(twin)
		switch {
		case err != nil:
			f.status, f.observed, f.problem, f.fix = kind.Fail, fmt.Sprintf("%d to an unparseable Location", resp.Status), "http:// redirects to an unparseable Location", fix
		case lu.Scheme != "https":
			f.status, f.observed, f.problem, f.fix = kind.Warn, fmt.Sprintf("%d to %s (not https)", resp.Status, shownURL(lu.String())), "the first redirect from http:// is not to https://", fix
		case !sameHost(tu, lu):
			f.status, f.observed, f.problem, f.fix = kind.Warn, fmt.Sprintf("%d to another host (%s)", resp.Status, probe.Clip(lu.Host)), "http:// redirects to https:// on another host", "redirect http:// to https:// on the same host first, then elsewhere"
		default:
			f.observed = fmt.Sprintf("%s answers %d to %s", target, resp.Status, shownURL(lu.String()))
		}
	default:
		f.status = kind.Fail
		f.observed = fmt.Sprintf("%s answers %s without redirecting to https://", target, statusLine(resp.Status))
		f.problem, f.fix = "http:// is served without redirecting to https://", fix
	}
	return f
}

// shownURL is a URL a server chose (a redirect's Location), masked and cut for a result.
func shownURL(u string) string { return probe.Clip(redact.String(u)) }

// didYouMean names the item closest to a misspelt one, when it is close enough to be meant.
func didYouMean(s string) string {
	if best := kind.Suggest(s, headerItems); best != "" {
		return fmt.Sprintf(", did you mean %q?", best)
	}
	return ""
}
