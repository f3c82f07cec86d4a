package httpcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kindtest"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

const cookieValue = "c00kie-value-never-printed"

// weakSite is the page every item fails on: no security headers, a session cookie without
// flags, and CORS that reflects any origin with credentials.
func weakSite(w http.ResponseWriter, r *http.Request) {
	w.Header().Add("Set-Cookie", "session_id="+cookieValue+"; Path=/")
	w.Header().Add("Set-Cookie", "theme=dark; Path=/")
	if o := r.Header.Get("Origin"); o != "" {
		w.Header().Set("Access-Control-Allow-Origin", o)
		w.Header().Set("Access-Control-Allow-Credentials", "true")
	}
	_, _ = w.Write([]byte("<html>weak</html>"))
}

// strongSite is its fixed twin.
func strongSite(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Header.Get("X-Variant") == "no-csp" {
		h.Set("X-Frame-Options", "DENY")
	} else {
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-abc'; frame-ancestors 'none'")
	}
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Add("Set-Cookie", "session_id="+cookieValue+"; Path=/; Secure; HttpOnly; SameSite=Lax")
	if r.Header.Get("Origin") == "https://app.example.com" {
		h.Set("Access-Control-Allow-Origin", "https://app.example.com")
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if r.Header.Get("X-Variant") == "error" {
		w.WriteHeader(http.StatusInternalServerError)
	}
	_, _ = w.Write([]byte("<html>strong</html>"))
}

func newHeaders() *Headers {
	k, _ := kind.Lookup("http.headers")
	return k.New().(*Headers)
}

// redirector answers every request with a redirect to target.
func redirector(t *testing.T, target string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestHeadersOverTLS(t *testing.T) {
	weak := httptest.NewTLSServer(http.HandlerFunc(weakSite))
	t.Cleanup(weak.Close)
	strong := httptest.NewTLSServer(http.HandlerFunc(strongSite))
	t.Cleanup(strong.Close)
	plainWeak := httptest.NewServer(http.HandlerFunc(weakSite))
	t.Cleanup(plainWeak.Close)
	toStrong := redirector(t, strong.URL)
	toOtherHost := redirector(t, strings.Replace(strong.URL, "127.0.0.1", "localhost", 1))

	tests := []struct {
		name     string
		srv      *httptest.Server
		setup    func(h *Headers)
		want     kind.Status
		evidence map[string]kind.Status
		summary  []string
	}{
		{
			name:  "weak headers",
			srv:   weak,
			setup: func(h *Headers) { h.HTTPURL = plainWeak.URL + "/" },
			want:  kind.Fail,
			evidence: map[string]kind.Status{
				"hsts": kind.Fail, "nosniff": kind.Warn, "frame": kind.Fail,
				"csp": kind.Warn, "referrer": kind.Warn, "cookie session_id": kind.Fail,
				"cookie theme": kind.Fail, "cors": kind.Fail, "redirect": kind.Fail,
			},
			summary: []string{"no HSTS header", "no frame protection", "session cookie session_id lacks Secure, HttpOnly, SameSite", "CORS reflects any origin with credentials", "http:// is served without redirecting"},
		},
		{
			name:  "strong headers",
			srv:   strong,
			setup: func(h *Headers) { h.HTTPURL = toStrong.URL + "/" },
			want:  kind.Pass,
			evidence: map[string]kind.Status{
				"hsts": kind.Pass, "nosniff": kind.Pass, "frame": kind.Pass,
				"csp": kind.Pass, "referrer": kind.Pass, "cookie session_id": kind.Pass,
				"cors": kind.Pass, "redirect": kind.Pass,
			},
		},
		{
			name:     "http port closed is a warning, not a failure",
			srv:      strong,
			setup:    func(h *Headers) { h.HTTPURL = "http://" + testsvc.ClosedAddr(t) + "/" },
			want:     kind.Warn,
			evidence: map[string]kind.Status{"redirect": kind.Warn},
			summary:  []string{"unreachable"},
		},
		{
			name:     "redirect to another host",
			srv:      strong,
			setup:    func(h *Headers) { h.HTTPURL = toOtherHost.URL + "/" },
			want:     kind.Warn,
			evidence: map[string]kind.Status{"redirect": kind.Warn},
			summary:  []string{"another host"},
		},
		{
			name: "severity overrides turn failures into warnings",
			srv:  weak,
			setup: func(h *Headers) {
				h.HTTPURL = plainWeak.URL + "/"
				h.Severity = map[string]string{"hsts": "warn", "frame": "warn", "cookies": "warn", "cors": "warn", "redirect": "warn"}
			},
			want:     kind.Warn,
			evidence: map[string]kind.Status{"hsts": kind.Warn, "cors": kind.Warn},
		},
		{
			name: "severity raises a warning to a failure",
			srv:  strong,
			setup: func(h *Headers) {
				h.HTTPURL = toStrong.URL + "/"
				h.Headers = map[string]string{"X-Variant": "no-csp"}
				h.Severity = map[string]string{"csp": "fail"}
			},
			want:     kind.Fail,
			evidence: map[string]kind.Status{"csp": kind.Fail, "frame": kind.Pass},
			summary:  []string{"no Content-Security-Policy"},
		},
		{
			name: "headers of an error page are judged, with a warning",
			srv:  strong,
			setup: func(h *Headers) {
				h.HTTPURL = toStrong.URL + "/"
				h.Headers = map[string]string{"X-Variant": "error"}
			},
			want:     kind.Warn,
			evidence: map[string]kind.Status{"response": kind.Warn, "hsts": kind.Pass},
			summary:  []string{"the page answered 500 Internal Server Error"},
		},
		{
			name: "ignore skips items",
			srv:  weak,
			setup: func(h *Headers) {
				h.Ignore = []string{"hsts", "nosniff", "frame", "csp", "referrer", "cookies", "cors", "redirect"}
			},
			want:     kind.Pass,
			evidence: map[string]kind.Status{"hsts": kind.Skip, "cors": kind.Skip, "redirect": kind.Skip, "cookie session_id": kind.Skip},
			summary:  []string{"every item is ignored by configuration"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHeaders()
			h.URL = tc.srv.URL + "/"
			if tc.setup != nil {
				tc.setup(h)
			}
			r := kindtest.Run(t, h, tlsEnv(tc.srv), 10*time.Second)
			t.Log(golden.Result(r))
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", r.Status, tc.want, golden.Result(r))
			}
			for label, st := range tc.evidence {
				if e, ok := kindtest.Evidence(r, label); !ok || e.Status != st {
					t.Errorf("evidence %q = %+v (found %v), want %s", label, e, ok, st)
				}
			}
			for _, s := range tc.summary {
				if !strings.Contains(r.Summary, s) {
					t.Errorf("summary %q does not contain %q", r.Summary, s)
				}
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("no remedy")
			}
			if strings.Contains(rendered(r), cookieValue) {
				t.Fatalf("a cookie value was printed: %s", rendered(r))
			}
		})
	}
}

func TestHeadersOverHTTP(t *testing.T) {
	strong := httptest.NewTLSServer(http.HandlerFunc(strongSite))
	t.Cleanup(strong.Close)
	toStrong := redirector(t, strong.URL)
	// A redirect that sets the session cookie over plain http, where anyone on the path reads it.
	leakyRedirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "sid="+cookieValue+"; HttpOnly; SameSite=Lax")
		http.Redirect(w, r, strong.URL+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(leakyRedirect.Close)
	plain := httptest.NewServer(http.HandlerFunc(strongSite))
	t.Cleanup(plain.Close)

	tests := []struct {
		name     string
		url      string
		want     kind.Status
		evidence map[string]kind.Status
	}{
		// Without TLS the HSTS header means nothing, and cookies marked Secure are fine.
		{"served over http", plain.URL + "/", kind.Fail, map[string]kind.Status{"hsts": kind.Skip, "redirect": kind.Fail}},
		{"redirected to https", toStrong.URL + "/", kind.Pass, map[string]kind.Status{"hsts": kind.Pass, "redirect": kind.Pass}},
		{"cookie set over http by the redirect", leakyRedirect.URL + "/", kind.Fail, map[string]kind.Status{"redirect": kind.Pass, "cookie sid (set by a redirect)": kind.Fail}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHeaders()
			h.URL = tc.url
			r := kindtest.Run(t, h, tlsEnv(strong), 10*time.Second)
			t.Log(golden.Result(r))
			if r.Status != tc.want {
				t.Fatalf("status %s, want %s\n%s", r.Status, tc.want, golden.Result(r))
			}
			for label, st := range tc.evidence {
				if e, ok := kindtest.Evidence(r, label); !ok || e.Status != st {
					t.Errorf("evidence %q = %+v (found %v), want %s", label, e, ok, st)
				}
			}
			if strings.Contains(rendered(r), cookieValue) {
				t.Fatalf("a cookie value was printed: %s", rendered(r))
			}
		})
	}
}

func TestHeadersUnreachableIsError(t *testing.T) {
	t.Parallel()
	h := newHeaders()
	h.URL = "http://" + testsvc.ClosedAddr(t) + "/"
	r := kindtest.Run(t, h, envAt(testNow), 10*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "refused") {
		t.Fatalf("want a refused error:\n%s", golden.Result(r))
	}
}

func TestHeadersValidate(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *Headers)
		want  string
	}{
		{"relative url", func(h *Headers) { h.URL = "example.com" }, "absolute"},
		{"https http_url", func(h *Headers) { h.HTTPURL = "https://example.com/" }, "must start with http://"},
		{"unknown severity item", func(h *Headers) { h.Severity = map[string]string{"hsst": "warn"} }, `unknown item "hsst", did you mean "hsts"?`},
		{"bad severity", func(h *Headers) { h.Severity = map[string]string{"csp": "info"} }, "must be fail or warn"},
		{"unknown ignore item", func(h *Headers) { h.Ignore = []string{"xfo"} }, `unknown item "xfo"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHeaders()
			h.URL = "https://example.com/"
			tc.setup(h)
			err := h.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestJudgeHSTS(t *testing.T) {
	tests := []struct {
		value string
		want  kind.Status
		note  string
	}{
		{"", kind.Fail, "missing"},
		{"max-age=63072000; includeSubDomains", kind.Pass, "includeSubDomains"},
		{"max-age=15552000", kind.Pass, "no includeSubDomains"},
		{`max-age="31536000"`, kind.Pass, ""},
		{"max-age=86400", kind.Warn, "max-age=86400"},
		{"max-age=0", kind.Fail, "turns HSTS off"},
		{"includeSubDomains", kind.Fail, "no max-age"},
		{"max-age=abc", kind.Fail, "invalid"},
		{"max-age=1; max-age=63072000", kind.Fail, "twice"},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.value != "" {
			h.Set("Strict-Transport-Security", tc.value)
		}
		f := judgeHSTS(h, true)
		if f.status != tc.want || !strings.Contains(f.observed, tc.note) {
			t.Errorf("HSTS %q: %s %q, want %s mentioning %q", tc.value, f.status, f.observed, tc.want, tc.note)
		}
	}
}

func TestJudgeCSPAndFrame(t *testing.T) {
	tests := []struct {
		csp        []string
		xfo        string
		want       kind.Status
		wantFrame  kind.Status
		wantReason string
	}{
		{nil, "", kind.Warn, kind.Fail, "missing"},
		{nil, "DENY", kind.Warn, kind.Pass, "missing"},
		{nil, "sameorigin", kind.Warn, kind.Pass, "missing"},
		{nil, "ALLOW-FROM https://x.example", kind.Warn, kind.Warn, "missing"},
		{nil, "allowall", kind.Warn, kind.Fail, "missing"},
		{[]string{"default-src 'self'"}, "", kind.Pass, kind.Fail, "restricts scripts"},
		{[]string{"default-src 'self' 'unsafe-inline'"}, "DENY", kind.Warn, kind.Pass, "'unsafe-inline' in default-src"},
		{[]string{"default-src 'self'; script-src 'self' 'unsafe-inline'"}, "", kind.Warn, kind.Fail, "'unsafe-inline' in script-src"},
		{[]string{"script-src 'self' 'unsafe-inline' 'nonce-r4nd0m'; frame-ancestors 'self'"}, "", kind.Pass, kind.Pass, "restricts scripts"},
		{[]string{"SCRIPT-SRC 'self' 'UNSAFE-EVAL'"}, "", kind.Warn, kind.Fail, "'unsafe-eval'"},
		{[]string{"img-src *; frame-ancestors 'none'"}, "", kind.Warn, kind.Pass, "neither script-src nor default-src"},
		// Two enforced policies: scripts are restricted if either restricts them.
		{[]string{"default-src * 'unsafe-inline'", "script-src 'self'"}, "", kind.Pass, kind.Fail, "restricts scripts"},
		{[]string{"default-src * 'unsafe-inline', script-src 'self'"}, "", kind.Pass, kind.Fail, "restricts scripts"},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.csp {
			h.Add("Content-Security-Policy", v)
		}
		if tc.xfo != "" {
			h.Set("X-Frame-Options", tc.xfo)
		}
		pols := parseCSPHeaders(h.Values("Content-Security-Policy"))
		c := judgeCSP(pols, nil)
		fr := judgeFrame(h, pols)
		if c.status != tc.want || !strings.Contains(c.observed, tc.wantReason) {
			t.Errorf("CSP %q: %s %q, want %s mentioning %q", tc.csp, c.status, c.observed, tc.want, tc.wantReason)
		}
		if fr.status != tc.wantFrame {
			t.Errorf("frame for CSP %q XFO %q: %s %q, want %s", tc.csp, tc.xfo, fr.status, fr.observed, tc.wantFrame)
		}
	}
	ro := judgeCSP(nil, []string{"default-src 'self'"})
	if ro.status != kind.Warn || !strings.Contains(ro.observed, "Report-Only") {
		t.Errorf("report-only CSP: %s %q", ro.status, ro.observed)
	}
}

func TestJudgeReferrer(t *testing.T) {
	tests := []struct {
		values []string
		want   kind.Status
	}{
		{nil, kind.Warn},
		{[]string{"no-referrer"}, kind.Pass},
		{[]string{"strict-origin-when-cross-origin"}, kind.Pass},
		{[]string{"unsafe-url"}, kind.Warn},
		{[]string{"no-referrer-when-downgrade"}, kind.Warn},
		{[]string{"unsafe-url, strict-origin"}, kind.Pass},     // the last known one wins
		{[]string{"no-referrer", "unsafe-url"}, kind.Warn},     // across header lines too
		{[]string{"strict-origin, made-up-policy"}, kind.Pass}, // unknown tokens are skipped
		{[]string{"made-up-policy"}, kind.Warn},
	}
	for _, tc := range tests {
		h := http.Header{}
		for _, v := range tc.values {
			h.Add("Referrer-Policy", v)
		}
		if f := judgeReferrer(h); f.status != tc.want {
			t.Errorf("Referrer-Policy %q: %s %q, want %s", tc.values, f.status, f.observed, tc.want)
		}
	}
}

func TestJudgeCookie(t *testing.T) {
	tests := []struct {
		line          string
		https, hstsOK bool
		want          kind.Status
		mention       string
	}{
		{"sid=" + cookieValue + "; Secure; HttpOnly; SameSite=Strict", true, true, kind.Pass, "session cookie"},
		{"sid=" + cookieValue + "; HttpOnly; SameSite=Lax", true, false, kind.Fail, "missing Secure"},
		{"sid=" + cookieValue + "; HttpOnly; SameSite=Lax", true, true, kind.Warn, "missing Secure"},
		{"sid=" + cookieValue + "; Secure; SameSite=Lax", true, true, kind.Fail, "missing HttpOnly"},
		{"sid=" + cookieValue + "; Secure; HttpOnly", true, true, kind.Warn, "missing SameSite"},
		{"prefs=" + cookieValue + "; Secure; SameSite=Lax", true, true, kind.Pass, "readable by scripts"},
		{"prefs=" + cookieValue + "; SameSite=Lax", true, false, kind.Fail, "missing Secure"},
		{"tracker=" + cookieValue + "; SameSite=None", true, true, kind.Fail, "without Secure is rejected"},
		{"tracker=" + cookieValue + "; Secure; SameSite=None", true, true, kind.Pass, "cross-site"},
		{"AUTH_TOKEN=" + cookieValue + "; Secure; SameSite=Lax", true, true, kind.Fail, "session cookie"},
		{"=; garbage", true, true, kind.Warn, "unparseable"},
	}
	for _, tc := range tests {
		f := judgeCookie(tc.line, tc.https, tc.hstsOK)
		if f.status != tc.want || !strings.Contains(f.observed, tc.mention) {
			t.Errorf("cookie %q: %s %q, want %s mentioning %q", tc.line, f.status, f.observed, tc.want, tc.mention)
		}
		if strings.Contains(f.observed+f.label+f.problem+f.fix, cookieValue) {
			t.Errorf("cookie value printed for %q", tc.line)
		}
	}
}

func TestJudgeCORS(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name         string
		plain, probe http.Header
		want         kind.Status
	}{
		{"none", hdr(), hdr(), kind.Pass},
		{"public wildcard", hdr("Access-Control-Allow-Origin", "*"), hdr("Access-Control-Allow-Origin", "*"), kind.Pass},
		{"wildcard with credentials", hdr(), hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"), kind.Fail},
		{"wildcard with credentials without Origin", hdr("Access-Control-Allow-Origin", "*", "Access-Control-Allow-Credentials", "true"), hdr(), kind.Fail},
		{"reflected with credentials", hdr(), hdr("Access-Control-Allow-Origin", corsProbeOrigin, "Access-Control-Allow-Credentials", "TRUE"), kind.Fail},
		{"reflected without credentials", hdr(), hdr("Access-Control-Allow-Origin", corsProbeOrigin), kind.Pass},
		{"null with credentials", hdr(), hdr("Access-Control-Allow-Origin", "null", "Access-Control-Allow-Credentials", "true"), kind.Fail},
		{"fixed origin with credentials", hdr(), hdr("Access-Control-Allow-Origin", "https://app.example.com", "Access-Control-Allow-Credentials", "true"), kind.Pass},
	}
	for _, tc := range tests {
		if f := judgeCORS(tc.plain, tc.probe); f.status != tc.want {
			t.Errorf("%s: %s %q, want %s", tc.name, f.status, f.observed, tc.want)
		}
	}
}

func TestHTTPTwin(t *testing.T) {
	tests := map[string]string{
		"https://example.com/path?q=1": "http://example.com/path?q=1",
		"https://example.com:8443/":    "http://example.com/",
		"https://[::1]:8443/x":         "http://[::1]/x",
		// The password must not travel in clear text to port 80.
		"https://user:pw@example.com/app": "http://example.com/app",
	}
	for in, want := range tests {
		if got := httpTwin(in); got != want {
			t.Errorf("httpTwin(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseHSTS(f *testing.F) {
	for _, s := range []string{"max-age=63072000; includeSubDomains; preload", `max-age="1"`, "max-age=", ";;", "max-age=1;max-age=2", "MAX-AGE=9999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		p, err := parseHSTS(v)
		if err == nil && p.maxAge < 0 {
			t.Fatalf("negative max-age from %q", v)
		}
		h := http.Header{}
		h.Set("Strict-Transport-Security", v)
		if f := judgeHSTS(h, true); f.status == kind.Pass && err != nil {
			t.Fatalf("invalid HSTS %q passed", v)
		}
	})
}

func FuzzParseCSP(f *testing.F) {
	for _, s := range []string{"default-src 'self'; script-src 'unsafe-inline'", "a,b;c", "  ;  ; ", "frame-ancestors", "script-src 'nonce-x' 'unsafe-inline', default-src *"} {
		f.Add(s, "DENY")
	}
	f.Fuzz(func(t *testing.T, csp, xfo string) {
		h := http.Header{}
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", xfo)
		pols := parseCSPHeaders(h.Values("Content-Security-Policy"))
		for _, p := range pols {
			for name := range p {
				if name == "" || strings.ContainsAny(name, " ;,") {
					t.Fatalf("bad directive name %q from %q", name, csp)
				}
			}
		}
		_ = judgeCSP(pols, nil)
		_ = judgeFrame(h, pols)
	})
}

func FuzzJudgeCookie(f *testing.F) {
	f.Add("sid=abc; Secure; HttpOnly; SameSite=Lax")
	f.Add("=; ;;")
	f.Add("a=b; SameSite")
	f.Fuzz(func(t *testing.T, line string) {
		fd := judgeCookie(line, true, false)
		if fd.status == kind.Pass && !strings.Contains(strings.ToLower(line), "secure") {
			t.Fatalf("cookie without Secure passed: %q", line)
		}
	})
}

func TestHeadersHangs(t *testing.T) {
	strong := httptest.NewTLSServer(http.HandlerFunc(strongSite))
	t.Cleanup(strong.Close)
	hang := testsvc.HangingListener(t)

	t.Run("page hangs: error at the deadline", func(t *testing.T) {
		t.Parallel()
		h := newHeaders()
		h.URL = "http://" + hang + "/"
		if err := h.Validate(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		r := h.Run(ctx, envAt(time.Now()))
		testsvc.NotHung(t, start, time.Second)
		if r.Status != kind.Error || !strings.Contains(r.Summary, "hangs") {
			t.Fatalf("want an error naming the hang:\n%s", golden.Result(r))
		}
	})
	t.Run("http twin hangs: warning at redirect_timeout", func(t *testing.T) {
		t.Parallel()
		h := newHeaders()
		h.URL = strong.URL + "/"
		h.HTTPURL = "http://" + hang + "/"
		h.RedirectTimeout = kind.Duration(300 * time.Millisecond)
		start := time.Now()
		r := kindtest.Run(t, h, tlsEnv(strong), 10*time.Second)
		if took := time.Since(start); took > 9*time.Second {
			t.Fatalf("took %s with a 300ms redirect_timeout (the check has 10s)", took)
		}
		e, _ := kindtest.Evidence(r, "redirect")
		if r.Status != kind.Warn || e.Status != kind.Warn || !strings.Contains(e.Observed, "no-response") {
			t.Fatalf("want a warning naming the hang:\n%s", golden.Result(r))
		}
	})
}
