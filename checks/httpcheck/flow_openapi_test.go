package httpcheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/kind"
)

// usersSpec documents the users API; %USER% is where the User schema is (or refers to).
const usersSpec = `openapi: 3.0.3
info: {title: users, version: "1"}
servers: [{url: "https://api.example.com/v1"}]
paths:
  /users:
    post:
      responses:
        "201":
          description: created
          content: {application/json: {schema: {$ref: "%USER%"}}}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the user
          content: {application/json: {schema: {$ref: "%USER%"}}}
        "404": {description: no such user}
components:
  schemas:
    User:
      type: object
      required: [id, email]
      properties:
        id: {type: string}
        email: {type: string}
        profile:
          type: object
          properties:
            name: {type: string}
    LooseUser:
      type: object
      properties:
        id: {type: string}
        email: {type: string}
`

// drift switches on how the API drifts from its document; the zero value is the API as documented.
type drift struct {
	renamedField      bool // email is sent as email_address
	undocumentedCode  bool // POST /users answers 200, which the document does not list
	nestedUnknownProp bool // profile carries a property the document does not list
}

func newUsersAPI(t *testing.T, d drift) string {
	t.Helper()
	user := func(id string) map[string]any {
		u := map[string]any{"id": id, "email": "a@example.invalid", "profile": map[string]any{"name": "A"}}
		if d.renamedField {
			delete(u, "email")
			u["email_address"] = "a@example.invalid"
		}
		if d.nestedUnknownProp {
			u["profile"] = map[string]any{"name": "A", "nickname": "a"}
		}
		return u
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/users", func(w http.ResponseWriter, _ *http.Request) {
		code := 201
		if d.undocumentedCode {
			code = 200
		}
		writeJSON(w, code, user("u-7"))
	})
	mux.HandleFunc("GET /v1/users/{id}", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, user(r.PathValue("id"))) })
	mux.HandleFunc("GET /v1/undocumented", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]any{}) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func writeSpec(t *testing.T, dir, userRef string) string {
	t.Helper()
	p := filepath.Join(dir, "users.yaml")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(usersSpec, "%USER%", userRef)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func usersJourney(spec, extra string) string {
	return `base_url: ${APP_URL}/v1
openapi: ` + spec + `
` + extra + `steps:
  - {name: create, request: {method: POST, path: /users, json: {email: a@example.invalid}}, capture: {id: $.id}}
  - {name: read, request: {path: "/users/{{id}}"}}
  - name: reads-together
    parallel:
      - {name: first, request: {path: "/users/{{id}}"}}
      - {name: second, request: {path: "/users/{{id}}"}}
`
}

func TestOpenAPIDrift(t *testing.T) {
	dir := t.TempDir()
	strictSpec := writeSpec(t, dir, "#/components/schemas/User")
	looseDir := t.TempDir()
	looseSpec := writeSpec(t, looseDir, "#/components/schemas/LooseUser")
	for _, c := range []struct {
		name   string
		spec   string
		extra  string
		drift  drift
		status kind.Status
		want   string
	}{
		{"as documented", strictSpec, "", drift{}, kind.Pass, "3 steps passed"},
		{"renamed field, caught by required", strictSpec, "", drift{renamedField: true}, kind.Fail,
			`step "create": openapi drift: body at /email: property "email" is missing`},
		{"undocumented status", strictSpec, "", drift{undocumentedCode: true}, kind.Fail,
			`step "create": openapi drift: status 200 is not documented for POST /users`},
		{"renamed field, missed without required", looseSpec, "", drift{renamedField: true}, kind.Pass, "3 steps passed"},
		{"renamed field, caught by openapi_strict", looseSpec, "openapi_strict: true\n", drift{renamedField: true}, kind.Fail,
			`step "create": openapi drift: body at /: property "email_address" is unsupported`},
		{"nested unknown property under openapi_strict", strictSpec, "openapi_strict: true\n", drift{nestedUnknownProp: true}, kind.Fail,
			`openapi drift: body at /profile: property "nickname" is unsupported`},
		{"as documented under openapi_strict", strictSpec, "openapi_strict: true\n", drift{}, kind.Pass, "3 steps passed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := newUsersAPI(t, c.drift)
			r := runFlow(t, loadFlow(t, usersJourney(c.spec, c.extra), map[string]string{"APP_URL": url}), 5*time.Second)
			if r.Status != c.status || !strings.Contains(r.Summary, c.want) {
				t.Errorf("%s, want %s with %q:\n%s", r.Status, c.status, c.want, everything(r))
			}
		})
	}
}

func TestOpenAPIUndocumentedOperation(t *testing.T) {
	spec := writeSpec(t, t.TempDir(), "#/components/schemas/User")
	url := newUsersAPI(t, drift{})
	f := loadFlow(t, "base_url: ${APP_URL}/v1\nopenapi: "+spec+"\nsteps:\n  - {name: extra, request: {path: /undocumented}}\n", map[string]string{"APP_URL": url})
	r := runFlow(t, f, 5*time.Second)
	if r.Status != kind.Fail || !strings.Contains(r.Summary, "openapi drift: GET /v1/undocumented is not in the document") {
		t.Errorf("%s\n%s", r.Status, everything(r))
	}
}

// A relative openapi path is the checklist's: relative to its directory. $refs to files next to
// the document are followed; $refs to URLs only when allowed.
func TestOpenAPIReferences(t *testing.T) {
	schemas := "User:\n  type: object\n  required: [id, email]\n  properties:\n    id: {type: string}\n    email: {type: string}\n"
	refSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(schemas)) }))
	t.Cleanup(refSrv.Close)
	api := newUsersAPI(t, drift{renamedField: true})

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "schemas.yaml"), []byte(schemas), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSpec(t, dir, "schemas.yaml#/User")
	remoteDir := t.TempDir()
	writeSpec(t, remoteDir, refSrv.URL+"/schemas.yaml#/User")
	env := func(base string) *kind.Env {
		e := kind.DefaultEnv("test")
		e.BaseDir = base
		return e
	}
	for _, c := range []struct {
		name, extra, base string
		status            kind.Status
		want              string
	}{
		{"a local $ref, relative to the checklist", "", dir, kind.Fail, `property "email" is missing`},
		{"a remote $ref is refused", "", remoteDir, kind.Error, "set openapi_allow_remote_refs: true to allow it"},
		{"a remote $ref when allowed", "openapi_allow_remote_refs: true\n", remoteDir, kind.Fail, `property "email" is missing`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := loadFlow(t, usersJourney("users.yaml", c.extra), map[string]string{"APP_URL": api})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r := f.Run(ctx, env(c.base))
			if r.Status != c.status || !strings.Contains(r.Summary, c.want) {
				t.Errorf("%s, want %s with %q:\n%s", r.Status, c.status, c.want, everything(r))
			}
		})
	}
}

// A document fetched from a URL may not read local files, whatever its $refs say.
func TestOpenAPIFromAURL(t *testing.T) {
	local := filepath.Join(t.TempDir(), "schemas.yaml")
	if err := os.WriteFile(local, []byte("User: {type: object}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, ref string
		status    kind.Status
		want      string
	}{
		{"its own schemas", "#/components/schemas/User", kind.Pass, "3 steps passed"},
		{"a local file", "file://" + local + "#/User", kind.Error, "not reading file://"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.ReplaceAll(usersSpec, "%USER%", c.ref)
			specSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(doc)) }))
			t.Cleanup(specSrv.Close)
			api := newUsersAPI(t, drift{})
			r := runFlow(t, loadFlow(t, usersJourney(specSrv.URL+"/openapi.yaml", ""), map[string]string{"APP_URL": api}), 5*time.Second)
			if r.Status != c.status || !strings.Contains(r.Summary, c.want) {
				t.Errorf("%s, want %s with %q:\n%s", r.Status, c.status, c.want, everything(r))
			}
		})
	}
}

func TestOpenAPIBadDocument(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(p, []byte("openapi: 3.0.3\ninfo: {title: x}\npaths: {/x: {get: {responses: {}}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec, url := newRecorder(t, okJSON)
	r := runFlow(t, loadFlow(t, "base_url: "+url+"\nopenapi: "+p+"\nsteps:\n  - {name: a, request: {path: /x}}\n", nil), 5*time.Second)
	if r.Status != kind.Error || !strings.Contains(r.Summary, "cannot use the openapi document") {
		t.Errorf("%s\n%s", r.Status, everything(r))
	}
	if len(rec.requests()) != 0 {
		t.Errorf("a flow whose document cannot be read must send nothing; sent %v", rec.requests())
	}
}
