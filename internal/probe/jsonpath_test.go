package probe

import (
	"encoding/json"
	"strings"
	"testing"
)

const sampleDoc = `{"status": "pass", "user": {"id": 42, "email": "a@example.invalid"},
 "items": [{"id": "i1"}, {"id": "i2", "tags": ["x", "y"]}],
 "checks": {"db": [{"status": "pass"}]}, "a.b": {"c": true}, "$odd": 1, "n": null}`

func TestLookupJSON(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(sampleDoc), &doc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path string
		want string // JSON of the value; "" when nothing is found
	}{
		// The dotted form, as http.health has always read it.
		{"status", `"pass"`},
		{"checks.db.0.status", `"pass"`},
		{"items.1.tags.0", `"x"`},
		{"user.missing", ""},
		{"items.2", ""},
		{"items.-1", ""},
		{"status.deeper", ""},
		{"$odd", `1`},
		{"n", `null`},
		// The JSONPath subset.
		{"$", ""}, // the whole document: checked apart below
		{"$.status", `"pass"`},
		{"$.user.id", `42`},
		{"$.items[0].id", `"i1"`},
		{"$.items[1].tags[1]", `"y"`},
		{"$['a.b'].c", `true`},
		{`$["a.b"]["c"]`, `true`},
		{"$.checks.db[0].status", `"pass"`},
		{"$.checks.db.0.status", `"pass"`}, // a number after a dot still indexes
		{"$.items[2]", ""},
		{"$.user[0]", ""}, // an index into an object finds nothing
		{"$.n", `null`},
		{"$.nope.deeper", ""},
	}
	for _, c := range cases {
		got, ok := LookupJSON(doc, c.path)
		if c.path == "$" {
			if m, isMap := got.(map[string]any); !ok || !isMap || m["status"] != "pass" {
				t.Errorf("$ = %v, %v: want the whole document", got, ok)
			}
			continue
		}
		if c.want == "" {
			if ok {
				t.Errorf("%s found %v, want nothing", c.path, got)
			}
			continue
		}
		b, _ := json.Marshal(got)
		if !ok || string(b) != c.want {
			t.Errorf("%s = %s (found %v), want %s", c.path, b, ok, c.want)
		}
	}
}

func TestParseJSONPathRefusesWhatItCannotDo(t *testing.T) {
	for path, want := range map[string]string{
		"":                   "empty path",
		"$..id":              "recursive descent",
		"$.items[*]":         "[*] is not supported",
		"$.items[?(@.id)]":   "filters",
		"$.items[0:2]":       "[0:2] is not supported",
		"$.items[-1]":        "[-1] is not supported",
		"$.items[0":          "unterminated [",
		"$['a.b'":            "unterminated",
		"$.*":                "wildcards",
		"$.":                 "member name is missing",
		"$[0]x":              `expected . or [ after "$[0]"`,
		"$.user.":            "member name is missing",
		"$.items[+1]":        "[+1] is not supported",
		`$["unterminated']`:  "unterminated",
		"$.a[0][1]['b'].c.d": "",
	} {
		_, err := ParseJSONPath(path)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q: %v", path, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%q: error %v, want one containing %q", path, err, want)
		}
	}
}

func FuzzParseJSONPath(f *testing.F) {
	for _, s := range []string{"$", "$.a[0]['b.c']", "a.b.0", "$..x", "$[", `$["x"]`, "$.a[99999999999999999999]"} {
		f.Add(s)
	}
	var doc any
	_ = json.Unmarshal([]byte(sampleDoc), &doc)
	f.Fuzz(func(t *testing.T, path string) {
		p, err := ParseJSONPath(path)
		if err != nil {
			if _, ok := LookupJSON(doc, path); ok {
				t.Fatalf("%q does not parse, yet LookupJSON found something", path)
			}
			return
		}
		a, okA := p.Lookup(doc)
		b, okB := LookupJSON(doc, path)
		if okA != okB || (okA && !jsonEqual(a, b)) {
			t.Fatalf("%q: Lookup and LookupJSON disagree", path)
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestJSONPathRemove(t *testing.T) {
	for _, c := range []struct{ path, want string }{
		{"$.user.id", `{"items":[{"id":1},{"id":2}],"user":{"email":"e"}}`},
		{"$.items[0].id", `{"items":[{},{"id":2}],"user":{"email":"e","id":42}}`},
		{"$.items[1]", `{"items":[{"id":1},null],"user":{"email":"e","id":42}}`},
		{"items.1", `{"items":[{"id":1},null],"user":{"email":"e","id":42}}`},
		{"$.nope.deeper", `{"items":[{"id":1},{"id":2}],"user":{"email":"e","id":42}}`},
		{"$.items.x", `{"items":[{"id":1},{"id":2}],"user":{"email":"e","id":42}}`},
		{"$", `null`},
	} {
		var doc any
		_ = json.Unmarshal([]byte(`{"user": {"id": 42, "email": "e"}, "items": [{"id": 1}, {"id": 2}]}`), &doc)
		p, err := ParseJSONPath(c.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(p.Remove(doc))
		if string(b) != c.want {
			t.Errorf("remove %s: %s, want %s", c.path, b, c.want)
		}
	}
}
