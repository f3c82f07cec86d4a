package httpcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/redact"
)

// defaultFlowStatus is what a step expects when it says nothing: success.
var defaultFlowStatus = StatusRanges{{200, 299}}

// judgeResponse checks a response against its step's expectations, in the order a person reads
// them (status, latency, headers, body, JSON, the OpenAPI document), and keeps the first
// mismatch.
func (r *flowRun) judgeResponse(ctx context.Context, a *flowAttempt) {
	e := &a.call.Expect
	want := e.Status
	if len(want) == 0 {
		want = defaultFlowStatus
	}
	a.notFound = a.code == http.StatusNotFound || a.code == http.StatusGone ||
		(a.code >= 200 && a.code < 300 && emptyBody(a.body))
	if !want.Contains(a.code) {
		a.fail(kind.Fail, fmt.Sprintf("status %s, want %s", a.statusLine(), want), "fix the endpoint, or the step's expect.status")
	}
	if e.MaxLatency > 0 && a.latency > e.MaxLatency.D() {
		a.fail(kind.Fail, fmt.Sprintf("took %s, over the max_latency of %s", kind.Elapsed(a.latency), e.MaxLatency),
			"find what makes this step slow (cold caches, slow dependencies) before launch")
	}
	r.judgeHeaders(a)
	r.judgeBody(a)
	r.judgeJSON(a)
	if r.spec != nil && a.verdict == kind.Pass {
		if msg := r.spec.check(ctx, a); msg != "" {
			a.fail(kind.Fail, "openapi drift: "+r.safe(msg),
				"make the API and its OpenAPI document agree (the JSON pointer shows where)")
		}
	}
}

func (r *flowRun) judgeHeaders(a *flowAttempt) {
	e := &a.call.Expect
	for _, k := range slices.Sorted(maps.Keys(e.Headers)) {
		m := e.Headers[k]
		vals := a.header.Values(k)
		want, err := m.expected(r.vars)
		if err != nil {
			a.fail(kind.Error, err.Error(), "")
			return
		}
		got := strings.Join(vals, ", ")
		if msg := m.check(got, len(vals) > 0, want); msg != "" {
			a.fail(kind.Fail, r.safe(fmt.Sprintf("header %s %s", k, maskNamed(k, msg, got))), "fix the endpoint's headers, or the step's expect.headers")
			return
		}
	}
}

func (r *flowRun) judgeBody(a *flowAttempt) {
	e := &a.call.Expect
	p := e.bodyRE
	if p.re == nil {
		if !e.Body.IsSet() {
			return
		}
		want, err := e.Body.render(r.vars)
		if err != nil {
			a.fail(kind.Error, err.Error(), "")
			return
		}
		p = textPattern{text: want}
	}
	if !p.match(a.body) {
		what := fmt.Sprintf("does not contain %q", p.text)
		if p.re != nil {
			what = "does not match " + p.text
		}
		a.fail(kind.Fail, r.safe("body "+what)+": "+r.excerpt(a), "check what the endpoint returns for this journey's data")
	}
}

func (r *flowRun) judgeJSON(a *flowAttempt) {
	e := &a.call.Expect
	if len(e.JSON) == 0 {
		return
	}
	doc := a.json()
	if doc == nil {
		what := "not JSON"
		if a.truncated {
			what = fmt.Sprintf("larger than %d bytes, not parsed", maxFlowBody)
		}
		a.fail(kind.Fail, fmt.Sprintf("body is %s: %s", what, r.excerpt(a)), "check what the endpoint returns for this journey's data")
		return
	}
	for _, k := range slices.Sorted(maps.Keys(e.JSON)) {
		m := e.JSON[k]
		got, ok := lookupPath(doc, k)
		want, err := m.expected(r.vars)
		if err != nil {
			a.fail(kind.Error, err.Error(), "")
			return
		}
		msg := m.check(got, ok, want)
		if msg == "" {
			continue
		}
		if !ok || got == "null" {
			a.notFound = true
		}
		a.fail(kind.Fail, r.safe(fmt.Sprintf("json %s %s", k, maskNamed(k, msg, got))),
			"check what the endpoint returns for this journey's data: a lookup that misses must not answer with another record")
		return
	}
}

// maskNamed hides the value found in a mismatch when the field or header it came from is named
// like a secret (an access_token that differs is still a token).
func maskNamed(name, msg, got string) string {
	if got == "" || !redact.IsSecretName(name) {
		return msg
	}
	return strings.ReplaceAll(msg, quoteValue(got), redact.Mask)
}

// capture keeps the values the step captures; one that finds nothing fails the step, naming
// what it looked for and showing the body.
func (r *flowRun) capture(a *flowAttempt) {
	for _, name := range slices.Sorted(maps.Keys(a.call.Capture)) {
		c := a.call.Capture[name]
		v, ok := r.extract(a, c)
		if !ok {
			a.fail(kind.Fail, fmt.Sprintf("capture %s: %s found nothing in %s", name, r.safe(c.source()), r.excerpt(a)),
				"the response lacks what later steps need: check the endpoint, or the capture's path")
			return
		}
		secret := redact.IsSecretName(name) || redact.IsSecretName(c.source())
		if secret {
			r.learn(v)
		}
		r.vars.set(name, v)
		a.captured = append(a.captured, capturedValue{name: name, value: v, secret: secret})
	}
}

func (r *flowRun) extract(a *flowAttempt, c Capture) (string, bool) {
	if c.path != nil {
		doc := a.json()
		if doc == nil {
			return "", false
		}
		return lookupPath(doc, c.pathText)
	}
	text := string(a.body)
	if c.header != "" {
		text = a.header.Get(c.header)
		if c.re == nil {
			return text, text != ""
		}
	}
	m := c.re.FindStringSubmatch(text)
	switch {
	case m == nil:
		return "", false
	case len(m) > 1:
		return m[1], true
	}
	return m[0], true
}

// jsonMarshal writes JSON as a person reads it: <, > and & as themselves.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
