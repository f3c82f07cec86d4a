package httpcheck

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// TestFlowLoadErrors pins what the loader says about a mistaken flow, and where. The with:
// block starts on line 5 of the checklist; its first line is "base_url: …" at column 7.
func TestFlowLoadErrors(t *testing.T) {
	const head = "base_url: https://api.example.com\nsteps:\n"
	cases := []struct {
		name, with string
		want       []string // one error each: "line:col: text"
	}{
		{"unknown function", head + `  - name: a
    request: {path: "/u/{{uuidd}}x{{rando 3}}"}`,
			[]string{`9:27: check "journey": with: steps[0]: request: path: unknown template function "rando" in {{rando 3}} (line 9, column 41) (did you mean random?); the functions are now, random, unix, uuid`}},
		{"unknown function in a header", head + `  - name: a
    request: {path: /u, headers: {X-Id: "{{foo 1}}"}}`,
			[]string{`9:40: check "journey": with: steps[0]: request: headers: unknown template function "foo" in {{foo 1}} (line 9, column 48)`}},
		{"unknown variables", head + `  - name: a
    request: {method: POST, path: /signup}
    capture: {user_id: $.id}
  - name: b
    request: {path: "/users/{{user_idd}}", headers: {Authorization: "Bearer {{tokn}}"}}`,
			[]string{
				`7:7: check "journey": with: steps[1].request: unknown variable {{user_idd}} (line 12, column 35): define it under let: or capture it in an earlier step, did you mean user_id?`,
				`7:7: check "journey": with: steps[1].request.headers: unknown variable {{tokn}} (line 12, column 83)`,
			}},
		{"a variable used before its capture", head + `  - name: a
    request: {path: "/users/{{user_id}}"}
    capture: {user_id: $.id}`,
			[]string{`steps[0].request: unknown variable {{user_id}} (line 9, column 35)`}},
		{"bad template syntax", head + `  - name: a
    request: {path: "/u/{{ }}", body: "{{random x}}"}`,
			[]string{
				`9:27: check "journey": with: steps[0]: request: path: empty {{}} (line 9, column 31)`,
				`9:45: check "journey": with: steps[0]: request: body: {{random x}} (line 9, column 46): N must be a whole number`,
			}},
		{"random bounds", head + `  - name: a
    request: {path: /u, body: "{{random 5000}}"}`,
			[]string{`request: body: {{random 5000}} (line 9, column 38): N must be a whole number from 1 to 1024`}},
		{"unterminated", head + `  - name: a
    request: {path: "/u/{{id"}`,
			[]string{`unterminated {{ in "/u/{{id" (line 9, column 31): close it with }}`}},
		{"typo in a step", head + `  - name: a
    requets: {path: /u}`,
			[]string{`9:11: check "journey": with: steps[0]: unknown parameter "requets" (did you mean "request"?)`}},
		{"typo in a request", head + `  - name: a
    request: {pth: /u}`,
			[]string{`9:21: check "journey": with: steps[0]: request: unknown parameter "pth" (did you mean "path"?)`}},
		{"typo in a capture", head + `  - name: a
    request: {path: /u}
    capture: {x: {jsn: $.a}}`,
			[]string{`10:20: check "journey": with: steps[0]: capture: capture (line 10, column 25): unknown key "jsn" (use json, header or regex)`}},
		{"a JSONPath filter", head + `  - name: a
    request: {path: /u}
    expect: {json: {"$.items[?(@.id)]": 1}}`,
			[]string{`steps[0].expect.json: path "$.items[?(@.id)]": [?(@.id)] is not supported`}},
		{"repeat over 50", head + `  - name: a
    request: {path: /u}
    repeat: 51`,
			[]string{`steps[0].repeat: must be from 1 to 50, got 51`}},
		{"parallel over 32", head + "  - name: a\n    parallel:\n" + manyCalls(33),
			[]string{`steps[0].parallel: step "a" fires 33 calls: give from 2 to 32`}},
		{"over 200 requests", head + `  - {name: a, request: {path: /u, method: POST}, replay: {times: 50, expect: same}}
  - {name: b, request: {path: /u}, repeat: 50}
  - {name: c, request: {path: /u}, repeat: 50}
  - {name: d, request: {path: /u}, repeat: 50}`,
			[]string{`flow: sends up to 201 requests (repeats, replays, parallel calls and finally counted), more than the 200 a flow may send`}},
		{"replay with repeat", head + `  - {name: a, request: {path: /u, method: POST}, repeat: 2, replay: {expect: same}}`,
			[]string{`steps[0].replay: replay re-sends one request again: it does not combine with repeat`}},
		{"replay needs expect", head + `  - {name: a, request: {path: /u, method: POST}, replay: {times: 1}}`,
			[]string{`8:64: check "journey": with: steps[0]: replay: missing required parameter "expect"`}},
		{"replay ignore with {status, same}", head + `  - {name: a, request: {path: /u}, replay: {expect: {status: 409, same: [$.id]}, ignore: [$.at]}}`,
			[]string{`steps[0].replay.ignore: ignore goes with expect: same`}},
		{"both path and url", head + `  - {name: a, request: {path: /u, url: "https://b.example.com/u"}}`,
			[]string{`steps[0].request: step "a" gives both path and url: give one`}},
		{"two bodies", head + `  - {name: a, request: {path: /u, body: x, form: {a: b}}}`,
			[]string{`steps[0].request: step "a" gives more than one of json, body and form: give one`}},
		{"duplicate names", head + `  - {name: a, request: {path: /u}}
  - {name: a, request: {path: /v}}`,
			[]string{`steps[1].name: "a" is the name of another step`}},
		{"a path without base_url", `steps:
  - {name: a, request: {path: /u}}`,
			[]string{`5:5: check "journey": with: base_url: step "a" gives a path: set base_url, or give the step an absolute url`}},
		{"flow headers use a capture", `base_url: https://api.example.com
headers: {Authorization: "Bearer {{token}}"}
steps:
  - {name: a, request: {path: /u}, capture: {token: $.token}}`,
			[]string{`7:7: check "journey": with: headers: Authorization uses {{token}} (line 7, column 40), which is not a let: value`}},
		{"a let uses a later let", `base_url: https://api.example.com
let:
  a: "{{b}}"
  b: "{{uuid}}"
steps:
  - {name: a, request: {path: /u}}`,
			[]string{`let.a: unknown variable {{b}} (line 8, column 13)`}},
		{"a let named like a function", `base_url: https://api.example.com
let: {uuid: x}
steps:
  - {name: a, request: {path: /u}}`,
			[]string{`7:12: check "journey": with: let: "uuid" (line 7, column 13) is the name of a template function`}},
		{"a capture replaces a let", `base_url: https://api.example.com
let: {id: x}
steps:
  - {name: a, request: {path: /u}, capture: {id: $.id}}`,
			[]string{`steps[0].capture: "id" is a let: value: a capture may not replace it`}},
		{"parallel with its own expect", head + `  - name: a
    expect: {status: 200}
    parallel:
      - {name: b, request: {path: /u}}
      - {name: c, request: {path: /v}}`,
			[]string{`steps[0]: step "a": with parallel, each call has its own expect and capture`}},
		{"openapi options without a document", head + `  - {name: a, request: {path: /u}}
openapi_strict: true`,
			[]string{`openapi: openapi_strict and openapi_allow_remote_refs need an openapi document`}},
		{"a header with a line break", head + `  - {name: a, request: {path: /u, headers: {X-A: "a\r\nb"}}}`,
			[]string{`steps[0].request.headers: the value of X-A contains a line break`}},
		{"a bad method", head + `  - {name: a, request: {path: /u, method: FETCH}}`,
			[]string{`steps[0].request.method: "FETCH" is not an HTTP method`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := loadErrors(t, c.with)
			if len(errs) != len(c.want) {
				t.Fatalf("want %d errors, got:\n%v", len(c.want), errs)
			}
			for i, w := range c.want {
				got := errs[i].Error()
				if !strings.Contains(got, w) {
					t.Errorf("error %d:\n%s\nwant it to contain\n%s", i, got, w)
				}
			}
		})
	}
}

func manyCalls(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "      - {name: c%d, request: {path: /}}\n", i)
	}
	return b.String()
}

// A flow whose base_url comes from an unset needs_env variable loads (and is skipped when run),
// while a literal mistake in it is still reported.
func TestFlowNeedsEnv(t *testing.T) {
	build := func(steps string) string {
		return "version: 1\nchecks:\n  - id: journey\n    type: http.flow\n    needs_env: [APP_URL]\n    with:\n" +
			"      base_url: ${APP_URL}\n      steps:\n" + steps
	}
	unset := config.Options{Getenv: func(string) string { return "" }}
	cl, err := config.Parse("c.yaml", []byte(build("        - {name: a, request: {path: /u}}\n")), unset)
	if err != nil {
		t.Fatalf("the placeholder alone must load: %v", err)
	}
	if got := cl.Checks[0].Missing; len(got) != 1 {
		t.Errorf("Missing = %v", got)
	}
	_, err = config.Parse("c.yaml", []byte(build("        - {name: a, request: {path: /u}, repeat: 99}\n")), unset)
	if err == nil || !strings.Contains(err.Error(), "steps[0].repeat: must be from 1 to 50, got 99") {
		t.Errorf("a literal mistake must be reported: %v", err)
	}
}

func TestFlowEffects(t *testing.T) {
	for _, c := range []struct {
		with   string
		writes bool
	}{
		{"base_url: https://a.example.com\nsteps:\n  - {name: a, request: {path: /u}}\n  - {name: b, request: {path: /u, method: HEAD}}", false},
		{"base_url: https://a.example.com\nsteps:\n  - {name: a, request: {path: /u, method: POST}}", true},
		{"base_url: https://a.example.com\nsteps:\n  - {name: a, request: {path: /u}}\nfinally:\n  - {name: b, request: {path: /u, method: DELETE}}", true},
		{"base_url: https://a.example.com\nsteps:\n  - name: p\n    parallel:\n      - {name: a, request: {path: /u}}\n      - {name: b, request: {path: /u, method: put}}", true},
		{"base_url: https://a.example.com\nsteps:\n  - {name: a, request: {path: /u, method: OPTIONS}}", true},
	} {
		f := loadFlow(t, c.with, nil)
		e := kind.EffectsOf(f)
		if !e.SendsTraffic || e.Writes != c.writes || e.Load {
			t.Errorf("%+v for\n%s", e, c.with)
		}
	}
}

// TestFlowKindExample checks that the example `launchgate explain http.flow` prints decodes
// strictly and validates, through the real loader.
func TestFlowKindExample(t *testing.T) {
	k, ok := kind.Lookup("http.flow")
	if !ok || k.Example == "" {
		t.Fatal("http.flow is not registered with an example")
	}
	f := loadFlow(t, k.Example, map[string]string{"APP_URL": "https://app.example.com"})
	if len(f.Steps) != 2 || len(f.Finally) != 1 || !kind.EffectsOf(f).Writes {
		t.Errorf("example decoded as %+v", f)
	}
	// And strictly with yaml.v3 alone, as the schema test's editors would.
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(envRef.ReplaceAllString(k.Example, "https://app.example.com")), &n); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := yaml.NewEncoder(&b).Encode(&n); err != nil {
		t.Fatal(err)
	}
}

func TestTemplates(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sc := newScope(func() time.Time { return at })
	sc.set("id", "42")
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"/users/{{id}}/x", "/users/42/x"},
		{"{{ id }}{{id}}", "4242"},
		{"at {{now}} = {{unix}}", "at 2026-03-01T12:00:00Z = 1772366400"},
		{"}} and { are text", "}} and { are text"},
	} {
		tp, err := parseTemplate(c.in, position{})
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		got, err := tp.render(sc)
		if err != nil || got != c.want {
			t.Errorf("%q → %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	tp, _ := parseTemplate("{{uuid}} {{uuid}} {{random 30}}", position{})
	out, _ := tp.render(sc)
	parts := strings.Fields(out)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if len(parts) != 3 || !uuid.MatchString(parts[0]) || !uuid.MatchString(parts[1]) || parts[0] == parts[1] {
		t.Errorf("uuids: %q (each use is a new one)", out)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9]{30}$`).MatchString(parts[2]) {
		t.Errorf("random 30: %q", parts[2])
	}
	tp, _ = parseTemplate("{{missing}}", position{})
	if _, err := tp.render(sc); err == nil || !strings.Contains(err.Error(), "missing was never captured") {
		t.Errorf("an uncaptured variable: %v", err)
	}
}

// A let: value is computed once per run: every step sees the same one; the next run has a new
// one.
func TestLetIsComputedOncePerRun(t *testing.T) {
	app, url := newJourneyApp(t, appBugs{})
	const journey = `base_url: ${APP_URL}
let: {key: "{{uuid}}"}
steps:
  - {name: a, request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{key}}"}}, expect: {status: 201}}
  - {name: b, request: {method: POST, path: /webhooks/payment, headers: {Idempotency-Key: "{{key}}"}}, expect: {status: 201}}
`
	f := loadFlow(t, journey, map[string]string{"APP_URL": url})
	for run := 1; run <= 2; run++ {
		if r := runFlow(t, f, 5*time.Second); r.Status != kind.Pass {
			t.Fatalf("run %d: %s", run, everything(r))
		}
		if got := app.orderCount(); got != run {
			t.Errorf("after run %d: %d orders; the key must be the same within a run, new in the next", run, got)
		}
	}
}

func FuzzParseTemplate(f *testing.F) {
	for _, s := range []string{"", "a{{b}}c", "{{random 3}}", "{{", "}}{{ uuid }}", "{{a b c}}", "{{{{x}}}}", "é{{x}}"} {
		f.Add(s)
	}
	sc := newScope(time.Now)
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := parseTemplate(s, position{line: 1, col: 1})
		if err != nil {
			return
		}
		for _, v := range tp.vars() {
			sc.set(v.name, "v")
		}
		out, err := tp.render(sc)
		if err != nil {
			t.Fatalf("%q parsed but does not render: %v", s, err)
		}
		if tp.literal() && out != s {
			t.Fatalf("literal %q rendered as %q", s, out)
		}
	})
}
