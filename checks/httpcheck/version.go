package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// Bounds of http.version: it asks every instance, but a name with many addresses or a loop of
// redirects must not turn one check into a load test.
const (
	versionMaxSamples   = 50
	versionMaxRequests  = 500
	versionMaxAddresses = 16
	versionParallel     = 8
	versionMaxRedirects = 5
	// versionMaxBody is plenty for a /version document (or an actuator /info one).
	versionMaxBody = 256 << 10
	// versionHandful is how many requests per address still count as a read, not traffic.
	versionHandful = 5
	// versionFallbackBudget bounds a run whose context has no deadline (a direct call).
	versionFallbackBudget = 30 * time.Second
)

// Version checks that every instance behind a URL serves one version, and the expected one: a
// rolling deploy that stalls halfway leaves old and new side by side.
type Version struct {
	URL                string            `yaml:"url" required:"true" doc:"The URL every instance answers with its version, e.g. https://api.example.com/version."`
	From               VersionSource     `yaml:"from" required:"true" doc:"Where a response carries the version: {header: X-App-Version}, {json: $.version} or {body: \"/v(\\\\d+\\\\.\\\\d+\\\\.\\\\d+)/\"}."`
	Expect             string            `yaml:"expect" doc:"The version this deploy shipped, e.g. ${GIT_SHA}; fail when any instance serves another. A short and a full commit SHA match, as do 4.2.0 and v4.2.0."`
	AllIPs             bool              `yaml:"all_ips" doc:"Ask every address the name resolves to (A and AAAA, at most 16) with the right Host and SNI, not only the one the system picks."`
	Samples            int               `yaml:"samples" doc:"Requests per address, each on a new connection, to reach the instances behind one load balancer (1 to 50; at most 500 requests per check)."`
	InstanceFrom       VersionSource     `yaml:"instance_from" doc:"Where a response names the instance that served it, e.g. {header: X-Served-By}, to tell instances apart behind one address."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers, e.g. an Authorization header from ${VAR}; never sent to another host on a redirect."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify the TLS certificate (use the tls check to judge it)."`

	u *url.URL
}

// VersionSource says where a value is read from a response: exactly one of a header, a JSON
// path or a regular expression over the body.
type VersionSource struct {
	Header string `yaml:"header" doc:"A response header, e.g. X-App-Version."`
	JSON   string `yaml:"json" doc:"A path into a JSON body: $.version, build.commit or items[0].version."`
	Body   string `yaml:"body" doc:"A regular expression over the body, optionally between slashes; its first group (or the whole match) is the value."`

	path string
	re   *regexp.Regexp
}

func init() {
	kind.Register(kind.Kind{
		Name:       "http.version",
		Summary:    "Every instance behind a URL serves one version, and the one this deploy shipped.",
		Title:      "One version is live",
		Positional: "url",
		New:        func() kind.Check { return &Version{AllIPs: true, Samples: versionHandful} },
		Example: `url: ${API_URL}/version
from: {header: X-App-Version}
expect: ${GIT_SHA}
samples: 10
instance_from: {header: X-Served-By}`,
	})
}

// Title names the URL.
func (v *Version) Title() string { return "One version live at " + redact.String(v.URL) }

// Effects: a handful of GETs per address is a read; more is traffic a continuous mode should not
// repeat.
func (v *Version) Effects() kind.Effects {
	return kind.Effects{SendsTraffic: v.Samples > versionHandful}
}

// JSONSchema says that a source is one of its three forms.
func (VersionSource) JSONSchema() map[string]any {
	str := func(doc string) map[string]any { return map[string]any{"type": "string", "description": doc} }
	return map[string]any{
		"type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
		"properties": map[string]any{
			"header": str("A response header, e.g. X-App-Version."),
			"json":   str("A path into a JSON body: $.version, build.commit or items[0].version."),
			"body":   str("A regular expression over the body; its first group (or the whole match) is the value."),
		},
	}
}

// Validate checks the URL, the sources and the sample bounds.
func (v *Version) Validate() error {
	var errs []error
	u, err := probe.ParseHTTPURL(v.URL)
	if err != nil {
		errs = append(errs, kind.BadParam("url", "%v", err))
	}
	v.u = u
	if err := v.From.compile(); err != nil {
		errs = append(errs, kind.BadParam("from", "%v", err))
	}
	if v.InstanceFrom.given() {
		if err := v.InstanceFrom.compile(); err != nil {
			errs = append(errs, kind.BadParam("instance_from", "%v", err))
		}
	}
	if v.Samples < 1 || v.Samples > versionMaxSamples {
		errs = append(errs, kind.BadParam("samples", "must be between 1 and %d requests per address (a check sends at most %d), got %d",
			versionMaxSamples, versionMaxRequests, v.Samples))
	}
	return errors.Join(errs...)
}

var jsonArrayIndex = regexp.MustCompile(`\[(\d+)\]`)

func (s *VersionSource) compile() error {
	set := 0
	for _, f := range []string{s.Header, s.JSON, s.Body} {
		if strings.TrimSpace(f) != "" {
			set++
		}
	}
	if set != 1 {
		return errors.New("give exactly one of header, json or body, e.g. {header: X-App-Version}")
	}
	switch {
	case s.Header != "":
		s.Header = strings.TrimSpace(s.Header)
		if strings.ContainsAny(s.Header, " :\t\r\n") {
			return fmt.Errorf("header %q is not a header name", s.Header)
		}
		s.Header = textproto.CanonicalMIMEHeaderKey(s.Header)
	case s.JSON != "":
		// $.build.commit and build.commit mean the same; items[0] is the dotted path's items.0.
		p := strings.TrimPrefix(strings.TrimSpace(s.JSON), "$")
		p = strings.TrimPrefix(jsonArrayIndex.ReplaceAllString(p, ".$1"), ".")
		if p == "" || strings.Contains(p, "..") || strings.HasSuffix(p, ".") {
			return fmt.Errorf("json %q is not a path like $.version or build.commit", s.JSON)
		}
		s.path = p
	default:
		expr := s.Body
		if len(expr) > 1 && strings.HasPrefix(expr, "/") && strings.HasSuffix(expr, "/") {
			expr = expr[1 : len(expr)-1]
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return fmt.Errorf("body: invalid regular expression: %v", err)
		}
		s.re = re
	}
	return nil
}

// String says where the source looks, for messages.
func (s *VersionSource) String() string {
	switch {
	case s.Header != "":
		return "header " + s.Header
	case s.JSON != "":
		return "json " + s.JSON
	}
	return "body " + s.Body
}

// given reports whether the source was written at all (instance_from is optional).
func (s *VersionSource) given() bool { return s.Header != "" || s.JSON != "" || s.Body != "" }

func (s *VersionSource) needsBody() bool { return s.given() && s.Header == "" }

// read takes the value from a response, or says why it is not there.
func (s *VersionSource) read(resp *http.Response, body []byte, truncated bool) (value, problem string) {
	switch {
	case s.Header != "":
		if v := cleanVersion(resp.Header.Get(s.Header)); v != "" {
			return v, ""
		}
		return "", "no " + s.Header + " header"
	case s.path != "":
		doc, err := parseJSON(resp.Header.Get("Content-Type"), body)
		switch {
		case doc == nil && truncated:
			return "", fmt.Sprintf("body larger than %dKiB, not parsed for json %s", versionMaxBody>>10, s.JSON)
		case doc == nil:
			return "", "body is not JSON, so no " + s.JSON
		case err != nil:
			return "", "body is not JSON (" + err.Error() + "), so no " + s.JSON
		}
		v, ok := lookupPath(doc, s.path)
		if !ok {
			return "", "no " + s.JSON + " in the JSON body"
		}
		if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") || cleanVersion(v) == "" {
			return "", s.JSON + " is not a string or a number"
		}
		return cleanVersion(v), ""
	}
	m := s.re.FindSubmatch(body)
	if m == nil {
		return "", "body does not match " + s.Body
	}
	v := m[0]
	if len(m) > 1 {
		v = m[1]
	}
	if c := cleanVersion(string(v)); c != "" {
		return c, ""
	}
	return "", "body matches " + s.Body + " but the value is empty"
}

// cleanVersion keeps a value printable and short: it ends up in every report.
func cleanVersion(s string) string {
	s = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s))
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return s
}

// versionSample is what one response said.
type versionSample struct {
	instance string
	version  string
	// problem says why the version could not be read (and version is then empty).
	problem string
}

// versionAddr is what one address served.
type versionAddr struct {
	addr    string
	samples []versionSample
	// failure ended the sampling of this address: it could not be asked.
	failure *probe.Failure
}

// errVersionBudget stops a check that has spent its requests (a redirect loop, say).
var errVersionBudget = fmt.Errorf("the check's budget of %d requests is spent", versionMaxRequests)

// versionTransport refuses requests once the check's budget is spent, redirects included.
type versionTransport struct {
	rt   http.RoundTripper
	left *atomic.Int64
}

func (c versionTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if c.left.Add(-1) < 0 {
		return nil, errVersionBudget
	}
	return c.rt.RoundTrip(r)
}

// Run resolves the name, asks every address samples times, and judges the versions seen.
func (v *Version) Run(ctx context.Context, env *kind.Env) kind.Result {
	if v.u == nil {
		if err := v.Validate(); err != nil {
			return kind.Errorf("fix the check's parameters", "%v", err)
		}
	}
	ctx, cancel := probe.StopEarly(ctx, versionFallbackBudget)
	defer cancel()
	stop, _ := ctx.Deadline()

	addrs, resolved, err := v.addresses(ctx, env)
	if err != nil {
		return kind.Result{Status: kind.Error, Summary: err.Error(),
			Remedy:   "check the host name and that its DNS records exist and resolve from here",
			Evidence: []kind.Evidence{{Label: "addresses", Observed: err.Error(), Expected: "at least one address", Status: kind.Error}}}
	}
	budget := time.Until(stop)
	perAddr := min(v.Samples, versionMaxRequests/len(addrs))
	left := &atomic.Int64{}
	left.Store(versionMaxRequests)
	seen := probe.InParallel(addrs, versionParallel, func(a string) versionAddr {
		return v.sampleAddress(ctx, env, a, perAddr, left, budget)
	})
	return v.judge(seen, resolved, perAddr)
}

// addresses lists the addresses to ask: every A/AAAA address of the host (at most
// versionMaxAddresses) when all_ips is on, else the host itself, dialled as usual. resolved
// describes the resolution for the evidence.
func (v *Version) addresses(ctx context.Context, env *kind.Env) ([]string, string, error) {
	host := v.u.Hostname()
	if !v.AllIPs || net.ParseIP(host) != nil {
		return []string{host}, host, nil
	}
	var r kind.Resolver = net.DefaultResolver
	if env.Resolver != nil {
		r = env.Resolver
	}
	ips, err := r.LookupIPAddr(ctx, host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, "", fmt.Errorf("DNS lookup of %s did not finish in time", host)
		}
		return nil, "", fmt.Errorf("DNS lookup of %s failed: %v", host, err)
	}
	var out []string
	for _, ip := range ips {
		if s := ip.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, "", fmt.Errorf("%s resolves to no address", host)
	}
	resolved := host + " → " + strings.Join(out, ", ")
	if len(out) > versionMaxAddresses {
		resolved = fmt.Sprintf("%s → %d addresses, the first %d asked", host, len(out), versionMaxAddresses)
		out = out[:versionMaxAddresses]
	}
	return out, resolved, nil
}

// sampleAddress asks one address n times, each on a new connection so that a load balancer
// spreads the requests over its instances. A transport failure ends the sampling of the address.
func (v *Version) sampleAddress(ctx context.Context, env *kind.Env, addr string, n int, left *atomic.Int64, budget time.Duration) versionAddr {
	out := versionAddr{addr: addr}
	client := v.client(env, addr, left)
	port := v.u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[v.u.Scheme]
	}
	for range n {
		s, tr, err := v.sampleOnce(ctx, env, client)
		if err != nil {
			f := probe.Explain(err, net.JoinHostPort(addr, port), budget, tr)
			if errors.Is(err, errVersionBudget) {
				f = probe.Failure{Kind: "budget", Summary: errVersionBudget.Error() + " (redirect loops?)",
					Remedy: "point url at the endpoint itself rather than at a chain of redirects"}
			}
			out.failure = &f
			break
		}
		out.samples = append(out.samples, s)
	}
	return out
}

// client dials addr for the URL's host (keeping the Host header and SNI of the URL), follows
// redirects, and never sends the check's headers to another host.
func (v *Version) client(env *kind.Env, addr string, left *atomic.Int64) *http.Client {
	c := probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: v.InsecureSkipVerify,
		FollowRedirects: true, MaxRedirects: versionMaxRedirects})
	tr := c.Transport.(*http.Transport)
	tr.DisableKeepAlives = true
	if addr != v.u.Hostname() {
		// A proxy would choose the address itself: pinning needs a direct connection.
		tr.Proxy = nil
		dial, host := tr.DialContext, v.u.Hostname()
		tr.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
			if h, p, err := net.SplitHostPort(hostport); err == nil && h == host {
				hostport = net.JoinHostPort(addr, p)
			}
			return dial(ctx, network, hostport)
		}
	}
	c.Transport = versionTransport{rt: tr, left: left}
	follow := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := follow(req, via); err != nil {
			return err
		}
		first := via[0].URL
		if req.URL.Hostname() != first.Hostname() || (first.Scheme == "https" && req.URL.Scheme != "https") {
			for k := range v.Headers {
				req.Header.Del(k)
			}
		}
		return nil
	}
	return c
}

// sampleOnce makes one request and reads the version (and instance) from its response.
func (v *Version) sampleOnce(ctx context.Context, env *kind.Env, client *http.Client) (versionSample, *probe.Trace, error) {
	tctx, trace := probe.WithTrace(ctx)
	req, err := http.NewRequestWithContext(tctx, http.MethodGet, v.URL, nil)
	if err != nil {
		return versionSample{}, trace, err
	}
	for k, val := range v.Headers {
		req.Header.Set(k, val)
	}
	req.Header.Set("User-Agent", env.UserAgent())
	resp, err := client.Do(req)
	if err != nil {
		return versionSample{}, trace, err
	}
	defer resp.Body.Close()
	var body []byte
	truncated := false
	if v.From.needsBody() || v.InstanceFrom.needsBody() {
		if body, truncated, err = probe.ReadBody(resp.Body, versionMaxBody); err != nil {
			return versionSample{}, trace, err
		}
	}
	var s versionSample
	if v.InstanceFrom.given() {
		s.instance, _ = v.InstanceFrom.read(resp, body, truncated)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		s.problem = fmt.Sprintf("answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		return s, trace, nil
	}
	s.version, s.problem = v.From.read(resp, body, truncated)
	return s, trace, nil
}

// versionGroup is what one instance (or one address, without instance_from) served.
type versionGroup struct {
	addr, instance string
	counts         map[string]int
	total          int
	unread         int
	// problems are the reasons versions could not be read, most frequent first.
	problems []string
}

func (g *versionGroup) where() string {
	if g.instance == "" {
		return g.addr
	}
	return g.instance + " at " + g.addr
}

// groupVersionSamples gathers the samples by address and instance, in address order.
func groupVersionSamples(addrs []versionAddr) []*versionGroup {
	var out []*versionGroup
	for _, a := range addrs {
		byInstance := map[string]*versionGroup{}
		var order []string
		problemCount := map[*versionGroup]map[string]int{}
		for _, s := range a.samples {
			g := byInstance[s.instance]
			if g == nil {
				g = &versionGroup{addr: a.addr, instance: s.instance, counts: map[string]int{}}
				byInstance[s.instance] = g
				order = append(order, s.instance)
				problemCount[g] = map[string]int{}
			}
			g.total++
			if s.version == "" {
				g.unread++
				problemCount[g][s.problem]++
				continue
			}
			g.counts[s.version]++
		}
		sort.Strings(order)
		for _, inst := range order {
			g := byInstance[inst]
			g.problems = versionsByCount(problemCount[g])
			out = append(out, g)
		}
	}
	return out
}

// versionsByCount lists a tally's keys, most frequent first, then by name.
func versionsByCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// judge applies the rules: one version live, the expected one, readable everywhere, every
// address reachable. A decided problem (a second version) wins over an address that could not
// be asked: either closes the gate, and the fail says more.
func (v *Version) judge(addrs []versionAddr, resolved string, perAddr int) kind.Result {
	var j kind.Judgement
	groups := groupVersionSamples(addrs)
	tally := map[string]int{}
	for _, g := range groups {
		for ver, n := range g.counts {
			tally[ver] += n
		}
	}
	live := versionsByCount(tally)
	// The expected version leads, so that the summary reads "shipped one, then the stragglers".
	if i := slices.IndexFunc(live, func(s string) bool { return v.Expect != "" && sameVersion(s, v.Expect) }); i > 0 {
		live = append(append([]string{live[i]}, live[:i]...), live[i+1:]...)
	}
	v.ruleReachable(&j, addrs)
	v.ruleReadable(&j, groups)
	v.ruleOneVersion(&j, live, groups)
	v.ruleExpected(&j, live, groups)
	responses := 0
	for _, g := range groups {
		responses += g.total
	}
	if len(live) == 1 {
		where := fmt.Sprintf("%d addresses", len(addrs))
		if len(addrs) == 1 {
			where = addrs[0].addr
		}
		j.Note("%s on every instance (%d responses from %s)", live[0], responses, where)
	}
	r := j.Result()
	asked := resolved
	if perAddr < v.Samples {
		asked += fmt.Sprintf(" (%d requests each: at most %d per check)", perAddr, versionMaxRequests)
	}
	r.Add(kind.Evidence{Label: "addresses", Observed: asked, Status: kind.Pass})
	ref := v.Expect
	if ref == "" && len(live) > 0 {
		ref = live[0]
	}
	for _, g := range groups {
		r.Add(v.groupLine(g, ref))
	}
	for _, a := range addrs {
		if a.failure != nil {
			r.Add(kind.Evidence{Label: a.addr, Observed: fmt.Sprintf("%s after %d responses", a.failure.Kind, len(a.samples)),
				Expected: "a response to every request", Status: kind.Error})
		}
	}
	if r.Status == kind.Error && versionAnyFail(r.Evidence) {
		r.Status = kind.Fail
	}
	return r
}

func versionAnyFail(ev []kind.Evidence) bool {
	for _, e := range ev {
		if e.Status == kind.Fail {
			return true
		}
	}
	return false
}

// groupLine is one instance's evidence: each version with its count, and unread responses.
func (v *Version) groupLine(g *versionGroup, ref string) kind.Evidence {
	var parts []string
	st := kind.Pass
	for _, ver := range versionsByCount(g.counts) {
		parts = append(parts, fmt.Sprintf("%s (%d of %d)", ver, g.counts[ver], g.total))
		if !sameVersion(ver, ref) {
			st = kind.Fail
		}
	}
	if g.unread > 0 {
		parts = append(parts, fmt.Sprintf("unreadable (%d of %d: %s)", g.unread, g.total, g.problems[0]))
		st = kind.Fail
	}
	label := g.addr
	if g.instance != "" {
		label += " " + g.instance
	}
	exp := "one version"
	if v.Expect != "" {
		exp = v.Expect
	}
	return kind.Evidence{Label: label, Observed: strings.Join(parts, ", "), Expected: exp, Status: st}
}

func (v *Version) ruleReachable(j *kind.Judgement, addrs []versionAddr) {
	for _, a := range addrs {
		if a.failure != nil {
			j.Problem(kind.Error, a.failure.Summary, a.failure.Remedy)
		}
	}
}

func (v *Version) ruleReadable(j *kind.Judgement, groups []*versionGroup) {
	for _, g := range groups {
		if g.unread == 0 {
			continue
		}
		j.Problem(kind.Fail, fmt.Sprintf("cannot read the version (%s) from %s in %d of %d responses: %s",
			v.From.String(), g.where(), g.unread, g.total, strings.Join(g.problems, "; ")),
			fmt.Sprintf("make every instance send its version in %s, or point from: at where it does", v.From.String()))
	}
}

func (v *Version) ruleOneVersion(j *kind.Judgement, live []string, groups []*versionGroup) {
	if len(live) < 2 {
		return
	}
	parts := make([]string, len(live))
	for i, ver := range live {
		parts[i] = ver + " on " + versionPlaces(ver, groups)
	}
	remedy := "finish (or roll back) the rollout so that every instance serves one version; while old and new run side by side they must understand each other's messages, data and caches"
	if v.Expect != "" {
		remedy = "finish the rollout of " + v.Expect + ": redeploy the instances that serve another version, and find why they did not update"
	}
	j.Problem(kind.Fail, fmt.Sprintf("%d versions live: %s", len(live), strings.Join(parts, ", ")), remedy)
}

func (v *Version) ruleExpected(j *kind.Judgement, live []string, groups []*versionGroup) {
	if v.Expect == "" || len(live) == 0 {
		return
	}
	var wrong []string
	for _, ver := range live {
		if !sameVersion(ver, v.Expect) {
			wrong = append(wrong, ver)
		}
	}
	switch {
	case len(wrong) == 0:
		return
	case len(live) == 1:
		j.Problem(kind.Fail, fmt.Sprintf("%s is live everywhere, not the expected %s", live[0], v.Expect),
			"deploy "+v.Expect+": the rollout has not started, failed, or was rolled back")
	case len(wrong) == len(live):
		j.Problem(kind.Fail, "none of them is the expected "+v.Expect,
			"deploy "+v.Expect+": the rollout has not started, failed, or was rolled back")
	default:
		j.Problem(kind.Fail, fmt.Sprintf("%s is not the expected %s", strings.Join(wrong, " and "), v.Expect), "")
	}
}

// places says where a version is served: "10.0.0.5 (6 of 10) and 10.0.0.6 (10 of 10)".
func versionPlaces(ver string, groups []*versionGroup) string {
	var ps []string
	for _, g := range groups {
		if n := g.counts[ver]; n > 0 {
			ps = append(ps, fmt.Sprintf("%s (%d of %d)", g.where(), n, g.total))
		}
	}
	const shown = 4
	if len(ps) > shown {
		return strings.Join(ps[:shown], ", ") + fmt.Sprintf(" and %d more", len(ps)-shown)
	}
	if len(ps) > 1 {
		return strings.Join(ps[:len(ps)-1], ", ") + " and " + ps[len(ps)-1]
	}
	return strings.Join(ps, "")
}

var commitSHA = regexp.MustCompile(`^[0-9a-fA-F]{7,64}$`)

// sameVersion compares a served version with the expected one: exactly, ignoring a leading v,
// or as the short and full forms of one commit SHA.
func sameVersion(served, want string) bool {
	a, b := strings.TrimSpace(served), strings.TrimSpace(want)
	if a == b || strings.TrimPrefix(a, "v") == strings.TrimPrefix(b, "v") {
		return true
	}
	if commitSHA.MatchString(a) && commitSHA.MatchString(b) {
		a, b = strings.ToLower(a), strings.ToLower(b)
		return strings.HasPrefix(a, b) || strings.HasPrefix(b, a)
	}
	return false
}
