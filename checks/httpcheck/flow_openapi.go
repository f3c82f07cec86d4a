package httpcheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/probe"
	"github.com/launchgate/launchgate/internal/redact"
)

// maxSpecBytes bounds an OpenAPI document and each file it refers to.
const maxSpecBytes = 8 << 20

// openAPISpec validates a flow's responses against the operations of an OpenAPI document.
type openAPISpec struct {
	router routers.Router
	// prefixes are the base paths of the document's servers, longest first, then "": the API
	// under test runs elsewhere (staging, loopback), so only the path of a server matters.
	prefixes []string
}

// loadOpenAPI reads the document (a file relative to the checklist, or a URL) with kin-openapi.
// Its $refs to other files next to it are followed; $refs to http(s) URLs only with
// openapi_allow_remote_refs; and a document fetched from a URL reads no local file.
func loadOpenAPI(ctx context.Context, env *kind.Env, client *http.Client, f *Flow) (*openAPISpec, error) {
	remote := strings.Contains(f.OpenAPI, "://")
	root := true
	loader := &openapi3.Loader{Context: ctx, IsExternalRefsAllowed: true}
	// A custom reader owns the access policy (kin-openapi then ignores IsExternalRefsAllowed).
	loader.ReadFromURIFunc = func(_ *openapi3.Loader, u *url.URL) ([]byte, error) {
		first := root
		root = false
		switch {
		case u.Scheme == "http" || u.Scheme == "https":
			if !(first && remote) && !f.OpenAPIAllowRemoteRefs {
				return nil, fmt.Errorf("not fetching the $ref %s: set openapi_allow_remote_refs: true to allow it", redact.String(u.Redacted()))
			}
			return fetchSpec(ctx, env, client, u)
		case (u.Scheme == "" || u.Scheme == "file") && !remote:
			return kind.ReadSmallFile(filepath.FromSlash(u.Path), maxSpecBytes)
		}
		return nil, fmt.Errorf("not reading %s from a document fetched from %s", redact.String(u.Redacted()), redact.String(f.OpenAPI))
	}
	var doc *openapi3.T
	var err error
	if remote {
		u, perr := url.Parse(f.OpenAPI)
		if perr != nil {
			return nil, perr
		}
		doc, err = loader.LoadFromURI(u)
	} else {
		path := f.OpenAPI
		if !filepath.IsAbs(path) && env.BaseDir != "" {
			path = filepath.Join(env.BaseDir, path)
		}
		doc, err = loader.LoadFromFile(path)
	}
	if err != nil {
		return nil, err
	}
	return newOpenAPISpec(ctx, doc, f.OpenAPIStrict)
}

func newOpenAPISpec(ctx context.Context, doc *openapi3.T, strict bool) (*openAPISpec, error) {
	if err := doc.Validate(ctx, openapi3.DisableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("the document is not valid OpenAPI: %w", err)
	}
	s := &openAPISpec{}
	seen := map[string]bool{"": true}
	for _, srv := range doc.Servers {
		p, err := srv.BasePath()
		if p = strings.TrimSuffix(p, "/"); err == nil && !seen[p] {
			seen[p] = true
			s.prefixes = append(s.prefixes, p)
		}
	}
	sort.Slice(s.prefixes, func(i, j int) bool { return len(s.prefixes[i]) > len(s.prefixes[j]) })
	s.prefixes = append(s.prefixes, "")
	// The router matches paths alone; the servers' hosts are production's, not the target's.
	doc.Servers = nil
	if strict {
		forbidUnknownProperties(doc)
	}
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, err
	}
	s.router = router
	return s, nil
}

func fetchSpec(ctx context.Context, env *kind.Env, client *http.Client, u *url.URL) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", env.UserAgent())
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %d", redact.String(u.Redacted()), resp.StatusCode)
	}
	b, truncated, err := probe.ReadBody(resp.Body, maxSpecBytes)
	if err == nil && truncated {
		err = fmt.Errorf("%s is larger than %d bytes", redact.String(u.Redacted()), maxSpecBytes)
	}
	return b, err
}

// forbidUnknownProperties makes every response object schema that lists its properties and
// says nothing of others refuse them, so a renamed field is drift even where the document does
// not mark fields required. Members of an allOf are left alone: each would refuse the others'
// properties.
func forbidUnknownProperties(doc *openapi3.T) {
	inAllOf := map[*openapi3.Schema]bool{}
	var all []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var walk func(ref *openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		all = append(all, s)
		for _, m := range s.AllOf {
			if m != nil && m.Value != nil {
				inAllOf[m.Value] = true
			}
		}
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, m := range list {
				walk(m)
			}
		}
		for _, p := range s.Properties {
			walk(p)
		}
		walk(s.Items)
		walk(s.AdditionalProperties.Schema)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, resp := range op.Responses.Map() {
				if resp == nil || resp.Value == nil {
					continue
				}
				for _, mt := range resp.Value.Content {
					walk(mt.Schema)
				}
			}
		}
	}
	no := false
	for _, s := range all {
		open := s.AdditionalProperties.Has == nil && s.AdditionalProperties.Schema == nil
		if open && len(s.Properties) > 0 && len(s.AllOf) == 0 && !inAllOf[s] {
			s.AdditionalProperties.Has = &no
		}
	}
}

// check validates a response against its operation: the status must be documented, the
// content type too, and the body must match the schema. It returns what drifted, or "".
func (s *openAPISpec) check(ctx context.Context, a *flowAttempt) string {
	route, params, err := s.route(a.req.method, a.req.url)
	if err != nil {
		return fmt.Sprintf("%s %s is not in the document", a.req.method, a.req.url.Path)
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		ExcludeResponseBody:   a.truncated,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    &http.Request{Method: a.req.method, URL: a.req.url, Header: a.req.header},
			PathParams: params, Route: route, Options: opts,
		},
		Status: a.code, Header: a.header, Options: opts,
	}
	in.SetBodyBytes(a.body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return describeDrift(err, a, route)
	}
	return ""
}

// route finds the operation, trying the path with each server's base path taken off.
func (s *openAPISpec) route(method string, u *url.URL) (*routers.Route, map[string]string, error) {
	var err error
	for _, prefix := range s.prefixes {
		p := u.Path
		if prefix != "" {
			if p != prefix && !strings.HasPrefix(p, prefix+"/") {
				continue
			}
			p = strings.TrimPrefix(p, prefix)
		}
		var route *routers.Route
		var params map[string]string
		route, params, err = s.router.FindRoute(&http.Request{Method: method, URL: &url.URL{Path: p}})
		if err == nil {
			return route, params, nil
		}
	}
	return nil, nil, err
}

// describeDrift words a validation error: where in the body (a JSON pointer) and what is wrong.
// Reasons come from kin-openapi, which keeps the values out of them.
func describeDrift(err error, a *flowAttempt, route *routers.Route) string {
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return fmt.Sprintf("body at %s: %s", jsonPointer(se.JSONPointer()), se.Reason)
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		if re.Reason == "status is not supported" {
			return fmt.Sprintf("status %d is not documented for %s %s", a.code, route.Method, route.Path)
		}
		if re.Err != nil && !errors.Is(re.Err, io.EOF) {
			return re.Reason + ": " + re.Err.Error()
		}
		return re.Reason
	}
	return err.Error()
}

// jsonPointer writes RFC 6901's form: "" is the whole document, shown as "/".
func jsonPointer(parts []string) string {
	if len(parts) == 0 {
		return "/"
	}
	esc := strings.NewReplacer("~", "~0", "/", "~1")
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("/" + esc.Replace(p))
	}
	return b.String()
}
