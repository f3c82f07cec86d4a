package httpcheck

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/golden"
	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/testsvc"
)

// verServers starts one HTTP server per handler, on 127.0.0.1, 127.0.0.2, … and all on the
// same port, as the servers behind one name listen on one port. It returns that port.
func verServers(t *testing.T, handlers ...http.Handler) string {
	t.Helper()
	for attempt := 0; attempt < 10; attempt++ {
		var lns []net.Listener
		first, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, first)
		_, port, _ := net.SplitHostPort(first.Addr().String())
		for i := 2; i <= len(handlers); i++ {
			ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.%d:%s", i, port))
			if err != nil {
				break // the port is taken on this address: try another port
			}
			lns = append(lns, ln)
		}
		if len(lns) < len(handlers) {
			for _, ln := range lns {
				ln.Close()
			}
			continue
		}
		for i, h := range handlers {
			s := httptest.NewUnstartedServer(h)
			s.Listener.Close()
			s.Listener = lns[i]
			s.Start()
			t.Cleanup(s.Close)
		}
		return port
	}
	t.Fatal("no port free on every loopback address")
	return ""
}

// verHeader serves a fixed version in X-App-Version.
func verHeader(version string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Version", version)
		fmt.Fprintln(w, "ok")
	}
}

// verAlternating serves the versions in turn, one per request: a rollout in progress behind
// one address.
func verAlternating(versions ...string) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1) - 1
		w.Header().Set("X-App-Version", versions[int(i)%len(versions)])
	}
}

func newVersion(t *testing.T, url string, mod func(*Version)) *Version {
	t.Helper()
	k, ok := kind.Lookup("http.version")
	if !ok {
		t.Fatal("http.version is not registered")
	}
	c := k.New().(*Version)
	c.URL = url
	c.From = VersionSource{Header: "X-App-Version"}
	if mod != nil {
		mod(c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	return c
}

func verEnv(names testsvc.Hosts) *kind.Env {
	env := kind.DefaultEnv("test")
	env.Resolver = names
	return env
}

func verRun(t *testing.T, c *Version, env *kind.Env, timeout time.Duration) kind.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Run(ctx, env)
}

var twoServers = testsvc.Hosts{"api.test": {"127.0.0.1", "127.0.0.2"}}

func TestVersionAgainstTwoServers(t *testing.T) {
	tests := []struct {
		name     string
		a, b     http.Handler
		mod      func(*Version)
		status   kind.Status
		summary  string
		evidence []string
	}{
		{"same version", verHeader("4.2.0"), verHeader("4.2.0"), nil, kind.Pass,
			"4.2.0 on every instance (10 responses from 2 addresses)",
			[]string{"[pass] 127.0.0.1: 4.2.0 (5 of 5) (expected one version)", "[pass] 127.0.0.2: 4.2.0 (5 of 5)"}},
		{"different versions", verHeader("4.2.0"), verHeader("4.1.9"), nil, kind.Fail,
			"2 versions live: 4.1.9 on 127.0.0.2 (5 of 5), 4.2.0 on 127.0.0.1 (5 of 5)",
			[]string{"127.0.0.1: 4.2.0 (5 of 5)", "127.0.0.2: 4.1.9 (5 of 5)"}},
		{"one server alternating", verHeader("4.2.0"), verAlternating("4.2.0", "4.1.9"), func(v *Version) { v.Samples = 10 }, kind.Fail,
			"2 versions live: 4.2.0 on 127.0.0.1 (10 of 10) and 127.0.0.2 (5 of 10), 4.1.9 on 127.0.0.2 (5 of 10)",
			[]string{"[pass] 127.0.0.1: 4.2.0 (10 of 10)", "[fail] 127.0.0.2: 4.1.9 (5 of 10), 4.2.0 (5 of 10)"}},
		{"expect mismatch everywhere", verHeader("4.1.9"), verHeader("4.1.9"), func(v *Version) { v.Expect = "4.2.0" }, kind.Fail,
			"4.1.9 is live everywhere, not the expected 4.2.0",
			[]string{"[fail] 127.0.0.1: 4.1.9 (5 of 5) (expected 4.2.0)"}},
		{"expect met", verHeader("v4.2.0"), verHeader("v4.2.0"), func(v *Version) { v.Expect = "4.2.0" }, kind.Pass,
			"v4.2.0 on every instance", nil},
		{"expect met by a short SHA", verHeader("3f2c1ab"), verHeader("3f2c1ab"), func(v *Version) { v.Expect = "3f2c1ab9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8" }, kind.Pass,
			"3f2c1ab on every instance", nil},
		{"expect and a second version", verHeader("4.2.0"), verHeader("4.1.9"), func(v *Version) { v.Expect = "4.2.0" }, kind.Fail,
			"2 versions live: 4.2.0 on 127.0.0.1 (5 of 5), 4.1.9 on 127.0.0.2 (5 of 5); 4.1.9 is not the expected 4.2.0",
			[]string{"[pass] 127.0.0.1: 4.2.0 (5 of 5) (expected 4.2.0)", "[fail] 127.0.0.2: 4.1.9 (5 of 5) (expected 4.2.0)"}},
		{"version missing on one", verHeader("4.2.0"), reply(200, "text/plain", "ok"), nil, kind.Fail,
			"cannot read the version (header X-App-Version) from 127.0.0.2 in 5 of 5 responses: no X-App-Version header",
			[]string{"[fail] 127.0.0.2: unreadable (5 of 5: no X-App-Version header)"}},
		{"error status", verHeader("4.2.0"), reply(503, "text/plain", "down"), nil, kind.Fail,
			"from 127.0.0.2 in 5 of 5 responses: answered 503 Service Unavailable", nil},
		{"json", reply(200, "application/json", `{"build":{"version":"4.2.0"}}`), reply(200, "application/json", `{"build":{"version":"4.1.9"}}`),
			func(v *Version) { v.From = VersionSource{JSON: "$.build.version"} }, kind.Fail,
			"2 versions live: 4.1.9 on 127.0.0.2 (5 of 5), 4.2.0 on 127.0.0.1 (5 of 5)", nil},
		{"json path missing", reply(200, "application/json", `{"build":{}}`), reply(200, "application/json", `{"build":{}}`),
			func(v *Version) { v.From = VersionSource{JSON: "$.build.version"} }, kind.Fail,
			"cannot read the version (json $.build.version) from 127.0.0.1 in 5 of 5 responses: no $.build.version in the JSON body", nil},
		{"json array index", reply(200, "application/json", `{"items":[{"v":17}]}`), reply(200, "application/json", `{"items":[{"v":17}]}`),
			func(v *Version) { v.From = VersionSource{JSON: "items[0].v"} }, kind.Pass, "17 on every instance", nil},
		{"body regex", reply(200, "text/html", "<footer>build v4.2.0</footer>"), reply(200, "text/html", "<footer>build v4.2.0</footer>"),
			func(v *Version) { v.From = VersionSource{Body: `/v(\d+\.\d+\.\d+)/`} }, kind.Pass, "4.2.0 on every instance", nil},
		{"body regex no match", reply(200, "text/html", "<footer>build v4.2.0</footer>"), reply(200, "text/html", "<footer></footer>"),
			func(v *Version) { v.From = VersionSource{Body: `/v(\d+\.\d+\.\d+)/`} }, kind.Fail,
			`from 127.0.0.2 in 5 of 5 responses: body does not match /v(\d+\.\d+\.\d+)/`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := verServers(t, tt.a, tt.b)
			c := newVersion(t, "http://api.test:"+port+"/version", tt.mod)
			r := verRun(t, c, verEnv(twoServers), 10*time.Second)
			out := golden.Result(r)
			if r.Status != tt.status || !strings.Contains(r.Summary, tt.summary) {
				t.Errorf("got %s %q, want %s containing %q\n%s", r.Status, r.Summary, tt.status, tt.summary, out)
			}
			for _, e := range tt.evidence {
				if !strings.Contains(out, e) {
					t.Errorf("evidence lacks %q:\n%s", e, out)
				}
			}
			if !strings.Contains(out, "[pass] addresses: api.test → 127.0.0.1, 127.0.0.2") {
				t.Errorf("the addresses asked are not in the evidence:\n%s", out)
			}
			if r.Status != kind.Pass && r.Remedy == "" {
				t.Errorf("a %s result without a remedy", r.Status)
			}
		})
	}
}

func TestVersionGolden(t *testing.T) {
	port := verServers(t, verHeader("4.2.0"), verAlternating("4.2.0", "4.1.9"))
	c := newVersion(t, "http://api.test:"+port+"/version", func(v *Version) { v.Samples = 10; v.Expect = "4.2.0" })
	r := verRun(t, c, verEnv(twoServers), 10*time.Second)
	golden.Check(t, "version/rolling.txt", []byte(golden.Result(r)))
}

// TestVersionInstances: behind one address, instance_from tells the instances apart, and
// the one left on the old version is named.
func TestVersionInstances(t *testing.T) {
	var n atomic.Int64
	lb := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1) % 3
		w.Header().Set("X-Served-By", fmt.Sprintf("web-%d", i+1))
		w.Header().Set("X-App-Version", map[bool]string{true: "4.1.9", false: "4.2.0"}[i == 2])
	})
	port := verServers(t, lb)
	c := newVersion(t, "http://api.test:"+port+"/version", func(v *Version) {
		v.Samples = 9
		v.InstanceFrom = VersionSource{Header: "x-served-by"}
	})
	r := verRun(t, c, verEnv(testsvc.Hosts{"api.test": {"127.0.0.1"}}), 10*time.Second)
	out := golden.Result(r)
	want := "2 versions live: 4.2.0 on web-1 at 127.0.0.1 (3 of 3) and web-2 at 127.0.0.1 (3 of 3), 4.1.9 on web-3 at 127.0.0.1 (3 of 3)"
	if r.Status != kind.Fail || r.Summary != want {
		t.Errorf("got %s %q, want fail %q\n%s", r.Status, r.Summary, want, out)
	}
	for _, e := range []string{"[pass] 127.0.0.1 web-1: 4.2.0 (3 of 3)", "[fail] 127.0.0.1 web-3: 4.1.9 (3 of 3)"} {
		if !strings.Contains(out, e) {
			t.Errorf("evidence lacks %q:\n%s", e, out)
		}
	}
}

// TestVersionUnreachableAddress: an address that refuses is an error for that address, while
// the others are still judged; a second version there still fails the check.
func TestVersionUnreachableAddress(t *testing.T) {
	names := testsvc.Hosts{"api.test": {"127.0.0.1", "127.0.0.3"}}
	port := verServers(t, verHeader("4.2.0"))
	r := verRun(t, newVersion(t, "http://api.test:"+port+"/version", nil), verEnv(names), 10*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "connection refused by 127.0.0.3:"+port) {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
	out := golden.Result(r)
	if !strings.Contains(out, "[pass] 127.0.0.1: 4.2.0 (5 of 5)") || !strings.Contains(out, "[error] 127.0.0.3: refused after 0 responses") {
		t.Errorf("both addresses should be in the evidence:\n%s", out)
	}

	port = verServers(t, verHeader("4.2.0"), verHeader("4.1.9"))
	names = testsvc.Hosts{"api.test": {"127.0.0.1", "127.0.0.2", "127.0.0.3"}}
	r = verRun(t, newVersion(t, "http://api.test:"+port+"/version", nil), verEnv(names), 10*time.Second)
	if r.Status != kind.Fail || !strings.Contains(r.Summary, "2 versions live") {
		t.Errorf("a second version must fail even when another address is down: %s %q", r.Status, r.Summary)
	}
}

func TestVersionDNSFailure(t *testing.T) {
	r := verRun(t, newVersion(t, "http://nowhere.test/version", nil), verEnv(twoServers), 5*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "DNS lookup of nowhere.test failed") {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
}

// TestVersionHangingServer: a server that accepts and never answers is reported in words
// within the check's deadline.
func TestVersionHangingServer(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	port := verServers(t, verHeader("4.2.0"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	start := time.Now()
	r := verRun(t, newVersion(t, "http://api.test:"+port+"/version", nil), verEnv(twoServers), time.Second)
	testsvc.NotHung(t, start, time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "127.0.0.2:"+port+" accepted the connection but sent no response") {
		t.Errorf("got %s %q", r.Status, r.Summary)
	}
}

// TestVersionCredentialsStayOnTheirHost: headers go with redirects on the same host and never
// to another host.
func TestVersionCredentialsStayOnTheirHost(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got[name] = r.Header.Get("Authorization") + "|" + r.Header.Get("X-Api-Key")
			mu.Unlock()
			w.Header().Set("X-App-Version", "4.2.0")
		}
	}
	var port string
	api := http.NewServeMux()
	api.HandleFunc("/version", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/v2/version", http.StatusFound)
	})
	api.HandleFunc("/v2/version", func(w http.ResponseWriter, r *http.Request) {
		record("same host")(w, r)
		// Then on to a CDN on another host for the real answer.
		http.Redirect(w, r, "http://cdn.test:"+port+"/version", http.StatusFound)
	})
	port = verServers(t, api, record("other host"))
	names := testsvc.Hosts{"api.test": {"127.0.0.1"}, "cdn.test": {"127.0.0.2"}}
	c := newVersion(t, "http://api.test:"+port+"/version", func(v *Version) {
		v.Samples = 1
		v.Headers = map[string]string{"Authorization": "Bearer s3cret-t0ken", "X-Api-Key": "k3y-s3cret"}
	})
	r := verRun(t, c, verEnv(names), 10*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("got %s %q", r.Status, r.Summary)
	}
	mu.Lock()
	defer mu.Unlock()
	if got["same host"] != "Bearer s3cret-t0ken|k3y-s3cret" {
		t.Errorf("a redirect on the same host lost the headers: %q", got["same host"])
	}
	if got["other host"] != "|" {
		t.Errorf("credentials crossed to another host: %q", got["other host"])
	}
}

// TestVersionRequestBound: however many addresses and samples, a check sends at most 500
// requests, and says so.
func TestVersionRequestBound(t *testing.T) {
	var hits atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-App-Version", "4.2.0")
	})
	handlers := make([]http.Handler, versionMaxAddresses)
	var ips []string
	for i := range handlers {
		handlers[i] = h
		ips = append(ips, fmt.Sprintf("127.0.0.%d", i+1))
	}
	// Two more addresses than the check asks: they have no server and must not be dialled.
	ips = append(ips, "127.0.0.17", "127.0.0.18")
	port := verServers(t, handlers...)
	c := newVersion(t, "http://api.test:"+port+"/version", func(v *Version) { v.Samples = versionMaxSamples })
	r := verRun(t, c, verEnv(testsvc.Hosts{"api.test": ips}), 30*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("got %s %q\n%s", r.Status, r.Summary, golden.Result(r))
	}
	if n := hits.Load(); n > versionMaxRequests || n != 16*31 {
		t.Errorf("%d requests, want 16 addresses × 31 ≤ %d", n, versionMaxRequests)
	}
	if out := golden.Result(r); !strings.Contains(out, "api.test → 18 addresses, the first 16 asked (31 requests each: at most 500 per check)") {
		t.Errorf("the bound is not in the evidence:\n%s", out)
	}
}

// TestVersionNewConnectionPerSample: each sample opens its own connection, so that a load
// balancer that balances connections spreads them over its instances.
func TestVersionNewConnectionPerSample(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]bool{}
	port := verServers(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr] = true
		mu.Unlock()
		w.Header().Set("X-App-Version", "1")
	}))
	c := newVersion(t, "http://api.test:"+port+"/version", func(v *Version) { v.Samples = 4 })
	verRun(t, c, verEnv(testsvc.Hosts{"api.test": {"127.0.0.1"}}), 10*time.Second)
	mu.Lock()
	defer mu.Unlock()
	if len(remotes) != 4 {
		t.Errorf("4 samples came over %d connections, want 4", len(remotes))
	}
}

// TestVersionOverTLS: each address is dialled with the URL's name as SNI and Host.
func TestVersionOverTLS(t *testing.T) {
	var host atomic.Value
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host.Store(r.Host + " " + r.TLS.ServerName)
		w.Header().Set("X-App-Version", "4.2.0")
	}))
	s.StartTLS()
	t.Cleanup(s.Close)
	_, port, _ := net.SplitHostPort(s.Listener.Addr().String())
	env := verEnv(testsvc.Hosts{"example.com": {"127.0.0.1"}})
	env.RootCAs = poolOf(s)
	r := verRun(t, newVersion(t, "https://example.com:"+port+"/version", nil), env, 10*time.Second)
	if r.Status != kind.Pass {
		t.Fatalf("got %s %q", r.Status, r.Summary)
	}
	if got := host.Load(); got != "example.com:"+port+" example.com" {
		t.Errorf("Host and SNI %q, want example.com", got)
	}
}

func poolOf(s *httptest.Server) *x509.CertPool {
	return s.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
}

func TestVersionValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Version)
		want string
	}{
		{"no source", func(v *Version) { v.From = VersionSource{} }, "from: give exactly one of header, json or body"},
		{"two sources", func(v *Version) { v.From = VersionSource{Header: "X-V", JSON: "$.v"} }, "from: give exactly one"},
		{"bad regex", func(v *Version) { v.From = VersionSource{Body: "/v(/"} }, "from: body: invalid regular expression"},
		{"bad path", func(v *Version) { v.From = VersionSource{JSON: "$."} }, `from: json "$." is not a path`},
		{"bad header", func(v *Version) { v.From = VersionSource{Header: "X App"} }, `from: header "X App" is not a header name`},
		{"bad instance", func(v *Version) { v.InstanceFrom = VersionSource{Header: "X-Host", JSON: "$.host"} }, "instance_from: give exactly one"},
		{"too many samples", func(v *Version) { v.Samples = 51 }, "samples: must be between 1 and 50 requests per address (a check sends at most 500), got 51"},
		{"no samples", func(v *Version) { v.Samples = 0 }, "samples: must be between 1 and 50"},
		{"not a URL", func(v *Version) { v.URL = "api.example.com/version" }, "url: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Version{URL: "https://api.example.com/version", From: VersionSource{Header: "X-App-Version"}, Samples: 5}
			tt.mod(c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestVersionChecklist: the kind loads from YAML strictly (a typo inside from: is caught at its
// line), its example is valid, and its effects follow samples.
func TestVersionChecklist(t *testing.T) {
	load := func(with string) error {
		_, err := config.Parse("c.yaml", []byte("version: 1\nchecks:\n  - id: v\n    type: http.version\n    with:\n"+with),
			config.Options{Getenv: func(string) string { return "" }})
		return err
	}
	if err := load("      url: https://api.example.com/version\n      from: {header: X-App-Version}\n      instance_from: {json: $.host}\n"); err != nil {
		t.Errorf("a valid check did not load: %v", err)
	}
	err := load("      url: https://api.example.com/version\n      from: {headr: X-App-Version}\n")
	if err == nil || !strings.Contains(err.Error(), "c.yaml:7:") || !strings.Contains(err.Error(), `unknown parameter "headr"`) {
		t.Errorf("a typo inside from: was not caught at its line: %v", err)
	}
	k, _ := kind.Lookup("http.version")
	var with strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(strings.ReplaceAll(k.Example, "${API_URL}", "https://api.example.com"), "${GIT_SHA}", "abc1234"), "\n") {
		with.WriteString("      " + l + "\n")
	}
	if err := load(with.String()); err != nil {
		t.Errorf("the kind's example does not load: %v", err)
	}
	if kind.EffectsOf(k.New()).Any() {
		t.Error("a handful of GETs per address is a read")
	}
	if !kind.EffectsOf(&Version{Samples: 50}).SendsTraffic {
		t.Error("50 requests per address is traffic")
	}
}

// TestVersionNeedsEnv: while the URL's variable is unset the check loads as skipped, and a
// mistake in a literal parameter is still reported at its own line.
func TestVersionNeedsEnv(t *testing.T) {
	build := func(samples string) string {
		return "version: 1\nchecks:\n  - id: v\n    type: http.version\n    needs_env: [LG_TEST_URL]\n    with:\n" +
			"      url: ${LG_TEST_URL}/version\n      from: {header: X-App-Version}\n      samples: " + samples + "\n"
	}
	unset := config.Options{Getenv: func(string) string { return "" }}
	_, err := config.Parse("c.yaml", []byte(build("99")), unset)
	var errs config.Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 9 || !strings.Contains(errs[0].Msg, "samples: must be between 1 and 50") {
		t.Errorf("want one error at line 9 about samples, got %v", err)
	}
	cl, err := config.Parse("c.yaml", []byte(build("10")), unset)
	if err != nil || len(cl.Checks[0].Missing) != 1 {
		t.Errorf("only the placeholder is empty, yet: %v", err)
	}
}

// TestVersionReadsJSONValues pins how values are taken from a JSON body.
func TestVersionReadsJSONValues(t *testing.T) {
	for body, want := range map[string]string{
		`{"version":"4.2.0"}`:                            "4.2.0",
		`{"version":42}`:                                 "42",
		`{"version":"  4.2.0\n"}`:                        "4.2.0",
		`{"version":{"major":4}}`:                        "",
		`{"version":""}`:                                 "",
		`{"version":"` + strings.Repeat("x", 100) + `"}`: strings.Repeat("x", 64) + "…",
	} {
		s := VersionSource{JSON: "$.version"}
		if err := s.compile(); err != nil {
			t.Fatal(err)
		}
		resp := &http.Response{Header: http.Header{"Content-Type": {"application/json"}}}
		got, problem := s.read(resp, []byte(body), false)
		if got != want || (want == "" && problem == "") {
			t.Errorf("%s: got %q (%s), want %q", body, got, problem, want)
		}
	}
}
