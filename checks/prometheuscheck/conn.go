// Package prometheuscheck holds the checks that ask Prometheus what it knows: whether the
// service's targets are scraped and up (prometheus.targets), whether alerts cover it and none is
// firing (prometheus.alerts), and whether a query stayed within bounds over a window
// (prometheus.query). A one-shot probe cannot see a one-second outage every hour; the history
// in Prometheus can.
//
// They talk to the Prometheus HTTP API with net/http and decode its answers with
// prometheus/common/model; PromQL is parsed with Prometheus's own parser.
package prometheuscheck

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxAnswer bounds one API answer. The target and rule lists of a large Prometheus run to a few
// MiB; a server that streams without end must not exhaust launchgate's memory.
const maxAnswer = 32 << 20

// Conn is how a check reaches Prometheus. Its fields are inlined into each kind's parameters.
type Conn struct {
	URL                string            `yaml:"url" required:"true" doc:"The Prometheus base URL, e.g. http://prometheus.monitoring:9090 (keep a path prefix such as /prometheus if the server has one)."`
	Headers            map[string]string `yaml:"headers" doc:"Request headers, e.g. X-Scope-OrgID for a Mimir or Thanos tenant, or an Authorization header from ${VAR}. Never printed."`
	BearerToken        string            `yaml:"bearer_token" doc:"Sent as Authorization: Bearer …; use ${VAR}. Never printed."`
	BasicAuth          *BasicAuth        `yaml:"basic_auth" doc:"username and password for HTTP basic authentication. Never printed."`
	InsecureSkipVerify bool              `yaml:"insecure_skip_verify" doc:"Do not verify Prometheus's TLS certificate."`
}

// BasicAuth is a user name and password for HTTP basic authentication.
type BasicAuth struct {
	Username string `yaml:"username" required:"true" doc:"The user name."`
	Password string `yaml:"password" required:"true" doc:"The password; use ${VAR}."`
}

// validate collects the mistakes in the connection parameters.
func (c *Conn) validate() []error {
	var errs []error
	if err := validateBaseURL(c.URL); err != nil {
		errs = append(errs, kind.BadParam("url", "%v", err))
	}
	if err := probe.CheckHeaders(c.Headers); err != nil {
		errs = append(errs, kind.BadParam("headers", "%v", err))
	}
	auths := 0
	for _, set := range []bool{c.BearerToken != "", c.BasicAuth != nil, hasHeader(c.Headers, "Authorization")} {
		if set {
			auths++
		}
	}
	if auths > 1 {
		errs = append(errs, kind.BadParam("bearer_token", "give one of bearer_token, basic_auth and an Authorization header, not several"))
	}
	return errs
}

func validateBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q must be an absolute http:// or https:// URL", redact.Unparsed(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must be the base URL, without a query or fragment", redact.String(raw))
	}
	if strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v1") {
		return fmt.Errorf("%q must be the base URL: leave out /api/v1", redact.String(raw))
	}
	return nil
}

func hasHeader(h map[string]string, name string) bool {
	for k := range h {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// client calls one HTTP API (Prometheus's, or an Alertmanager's) on behalf of one check run.
type client struct {
	base    *url.URL
	what    string // "Prometheus" or "Alertmanager", for messages
	headers map[string]string
	env     *kind.Env
	http    *http.Client
	// budget is the check's timeout as configured, for messages.
	budget time.Duration
}

func newClient(ctx context.Context, env *kind.Env, what, base string, headers map[string]string, insecure bool) (*client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("%s url: %w", what, err)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return &client{
		base: u, what: what, headers: headers, env: env, budget: kind.Timeout(ctx),
		http: probe.NewClient(env, probe.ClientOptions{InsecureSkipVerify: insecure, FollowRedirects: true}),
	}, nil
}

// connect returns the client for the Prometheus the parameters name, credentials set.
func (c *Conn) connect(ctx context.Context, env *kind.Env) (*client, error) {
	h := make(map[string]string, len(c.Headers)+1)
	for k, v := range c.Headers {
		h[k] = v
	}
	switch {
	case c.BearerToken != "":
		h["Authorization"] = "Bearer " + c.BearerToken
	case c.BasicAuth != nil:
		req := &http.Request{Header: http.Header{}}
		req.SetBasicAuth(c.BasicAuth.Username, c.BasicAuth.Password)
		h["Authorization"] = req.Header.Get("Authorization")
	}
	return newClient(ctx, env, "Prometheus", c.URL, h, c.InsecureSkipVerify)
}

func (c *client) close() { c.http.CloseIdleConnections() }

// failure is an API call that did not give an answer, put into words.
type failure struct {
	Summary string
	Remedy  string
	// Status is the HTTP status when the server answered, with an error; 0 when it did not.
	Status int
}

func (f *failure) Error() string { return f.Summary }

// result turns an error from an API call into the check's result: it could not decide.
func errorResult(err error) kind.Result {
	var f *failure
	if errors.As(err, &f) {
		return kind.Errorf(f.Remedy, "%s", f.Summary)
	}
	return kind.Errorf("check the url and that the server answers", "%v", err)
}

// get sends GET path?params and returns the body of a 2xx answer.
func (c *client) get(ctx context.Context, path string, params url.Values) ([]byte, error) {
	u := *c.base
	u.Path += path
	u.RawQuery = params.Encode()
	method, body := http.MethodGet, io.Reader(nil)
	// Long PromQL does not fit every proxy's URL limit; the query API takes a form as well.
	if len(u.RawQuery) > 2000 {
		method, body = http.MethodPost, strings.NewReader(u.RawQuery)
		u.RawQuery = ""
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fail(fmt.Sprintf("cannot build a request to %s: %v", c.what, err), "fix the url parameter")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", c.env.UserAgent())
	req.Header.Set("Accept", "application/json")
	tctx, trace := probe.WithTrace(ctx)
	resp, err := c.http.Do(req.WithContext(tctx))
	if err != nil {
		f := probe.Explain(err, c.base.Host, c.budget, trace)
		return nil, fail(c.what+": "+f.Summary, f.Remedy)
	}
	defer resp.Body.Close()
	data, truncated, err := probe.ReadBody(resp.Body, maxAnswer)
	if err != nil {
		f := probe.Explain(err, c.base.Host, c.budget, trace)
		return nil, fail(fmt.Sprintf("%s: reading the answer to %s: %s", c.what, path, f.Summary), f.Remedy)
	}
	if truncated {
		return nil, fail(fmt.Sprintf("%s's answer to %s is larger than %s", c.what, path, kind.ByteSize(maxAnswer)),
			"narrow what is asked (fewer jobs, a query that returns fewer series)")
	}
	if resp.StatusCode/100 != 2 {
		f := c.statusFailure(path, resp, data)
		f.Status = resp.StatusCode
		return nil, f
	}
	return data, nil
}

// statusFailure explains an answer that is not 2xx. Prometheus's own errors carry a JSON body
// with errorType and error; a proxy's are usually HTML.
func (c *client) statusFailure(path string, resp *http.Response, data []byte) *failure {
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	var e struct {
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return fail(fmt.Sprintf("%s refused %s (%s): %s", c.what, path, status, probe.Clip(c.scrub(e.Error))),
			"fix what the server says is wrong")
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		return fail(fmt.Sprintf("%s refused the credentials (%s) for %s", c.what, status, path),
			"check headers, bearer_token or basic_auth, and that they may read this API")
	case http.StatusNotFound:
		return fail(fmt.Sprintf("no %s API at %s (%s)", c.what, redact.String(c.base.String()+path), status),
			"set url to the base URL, including any path prefix (--web.route-prefix)")
	}
	return fail(fmt.Sprintf("%s answered %s for %s", c.what, status, path), "check that the server is healthy")
}

// api calls a Prometheus API endpoint and decodes the data of its {"status":"success"} envelope
// into v.
func (c *client) api(ctx context.Context, path string, params url.Values, v any) error {
	data, err := c.get(ctx, path, params)
	if err != nil {
		return err
	}
	return decodeEnvelope(c.what, path, data, v, c.scrub)
}

// scrub masks the credentials this client sends wherever a server's text repeats them: the
// report's redactor knows the values a checklist gave, but not the encoded forms made from them
// (the base64 of basic_auth).
func (c *client) scrub(s string) string {
	for _, v := range c.headers {
		if len(v) < 4 {
			continue
		}
		s = strings.ReplaceAll(s, v, redact.Mask)
		if _, cred, ok := strings.Cut(v, " "); ok && len(cred) >= 4 {
			s = strings.ReplaceAll(s, cred, redact.Mask)
		}
	}
	return s
}

func decodeEnvelope(what, path string, data []byte, v any, scrub func(string) string) error {
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return fail(fmt.Sprintf("%s's answer to %s is not JSON: %s", what, path, probe.Clip(scrub(string(data)))),
			"check that url is Prometheus's base URL, not a login page or another service")
	}
	if env.Status != "success" {
		return fail(fmt.Sprintf("%s answered %s with status %q: %s", what, path, probe.Clip(scrub(env.Status)), probe.Clip(scrub(env.Error))),
			"fix what the server says is wrong")
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		return fail(fmt.Sprintf("%s's answer to %s has an unexpected shape: %s", what, path, probe.Clip(err.Error())),
			"check that url points at Prometheus (or a compatible API)")
	}
	return nil
}

func fail(summary, remedy string) *failure { return &failure{Summary: summary, Remedy: remedy} }
