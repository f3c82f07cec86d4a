package schema

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/golden"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/checklists"
	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// published is the committed copy of the schema that checklists point at.
const published = "checklist.schema.json"

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := JSON(kind.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ID, doc); err != nil {
		t.Fatal(err)
	}
	// Compiling validates the schema against the draft-07 meta-schema.
	s, err := c.Compile(ID)
	if err != nil {
		t.Fatalf("the generated schema is not a valid draft-07 schema: %v", err)
	}
	return s
}

// yamlToJSON reads a checklist the way an editor's YAML language server does, as JSON values.
func yamlToJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("YAML that JSON cannot hold: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// load loads a checklist whose includes resolve against its own directory, as LoadFile's do.
func load(file string, data []byte) error {
	_, err := config.Parse(file, data, config.Options{Getenv: func(string) string { return "" }, Dir: filepath.Dir(file)})
	return err
}

func TestPublishedSchemaIsUpToDate(t *testing.T) {
	got, err := JSON(kind.Kinds())
	if err != nil {
		t.Fatal(err)
	}
	if golden.Update() {
		if err := os.WriteFile(published, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(published)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("internal/schema/%s is not what `launchgate schema` prints for the registered kinds; "+
			"a kind or a parameter changed: run `go test ./internal/schema -update` and commit it", published)
	}
}

func TestShippedChecklistsMatchTheSchema(t *testing.T) {
	s := compile(t)
	files, err := fs.Glob(checklists.FS, "*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped checklists: %v", err)
	}
	for _, name := range files {
		t.Run(name, func(t *testing.T) {
			data, err := checklists.FS.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(yamlToJSON(t, data)); err != nil {
				t.Errorf("the schema rejects a shipped checklist, which the loader accepts (loader error: %v):\n%v", load(name, data), err)
			}
		})
	}
}

func TestValidFixturesMatchTheSchemaAndLoad(t *testing.T) {
	s := compile(t)
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := load(f, data); err != nil {
				t.Fatalf("the loader rejects the fixture: %v", err)
			}
			if err := s.Validate(yamlToJSON(t, data)); err != nil {
				t.Errorf("the schema is stricter than the loader:\n%v", err)
			}
		})
	}
}

// notSchemaDetectable lists fixtures of internal/config/testdata/invalid/ whose mistake only
// the loader can see (a duplicate id, an unset variable, a URL's shape), with the reason.
var notSchemaDetectable = map[string]string{
	"bad-url.yaml":               "a URL's scheme and a regular expression's syntax are judged by http.health's Validate",
	"unset-var.yaml":             "whether ${VAR} is set is known only when the checklist is loaded",
	"needs-env-unlisted.yaml":    "whether ${VAR} is set is known only when the checklist is loaded",
	"needs-env-bad-literal.yaml": "a regular expression's syntax is judged by http.health's Validate",
	"nested-defaults.yaml":       "how deep ${A:-${B:-…}} defaults nest is seen only when variables are expanded",
	"multi-document.yaml":        "a JSON Schema judges one document; the loader sees the second",
}

func TestInvalidFixturesAreRejected(t *testing.T) {
	s := compile(t)
	own, _ := filepath.Glob("testdata/invalid/*.yaml")
	loaders, _ := filepath.Glob("../config/testdata/invalid/*.yaml")
	if len(own) < 10 {
		t.Fatalf("expected the invalid fixtures in testdata/invalid, found %d", len(own))
	}
	for _, f := range append(own, loaders...) {
		label := "schema/" + filepath.Base(f)
		if strings.HasPrefix(f, "..") {
			label = "checklist/" + filepath.Base(f)
		}
		t.Run(label, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := load(f, data); err == nil {
				t.Errorf("the loader accepts this invalid fixture")
			}
			var v any
			if yaml.Unmarshal(data, &v) != nil {
				return // not YAML at all: editors report that themselves
			}
			err = s.Validate(yamlToJSON(t, data))
			if reason, blind := notSchemaDetectable[filepath.Base(f)]; blind {
				if err == nil {
					t.Logf("accepted by the schema as expected: %s", reason)
				}
				return
			}
			if err == nil {
				t.Errorf("the schema accepts an invalid checklist; if only the loader can see this mistake, list %q in notSchemaDetectable with the reason", filepath.Base(f))
			}
		})
	}
}

// TestEveryParameterIsInTheSchema proves the schema comes from the kinds: every registered
// kind and each of its parameters appear, documented, with the required ones required.
func TestEveryParameterIsInTheSchema(t *testing.T) {
	g := Generate(kind.Kinds())
	defs := g["definitions"].(map[string]any)
	typeEnum := defs["check"].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["enum"].([]any)
	if len(typeEnum) != len(kind.Kinds()) || len(typeEnum) == 0 {
		t.Errorf("type enum %v, kinds %v", typeEnum, kind.KindNames())
	}
	for _, k := range kind.Kinds() {
		with, ok := defs["with:"+k.Name].(map[string]any)
		if !ok {
			t.Errorf("no parameters for %s", k.Name)
			continue
		}
		if with["additionalProperties"] != false {
			t.Errorf("%s: unknown parameters must be refused", k.Name)
		}
		props := with["properties"].(map[string]any)
		var req []string
		for _, r := range asSlice(with["required"]) {
			req = append(req, r.(string))
		}
		for _, p := range kind.Params(k.New()) {
			ps, ok := props[p.Name].(map[string]any)
			if !ok {
				t.Errorf("%s: parameter %s missing", k.Name, p.Name)
				continue
			}
			if p.Doc != "" && !strings.Contains(ps["description"].(string), p.Doc) {
				t.Errorf("%s.%s: description %q lacks the doc tag", k.Name, p.Name, ps["description"])
			}
			if p.Required != contains(req, p.Name) {
				t.Errorf("%s.%s: required=%v in the kind, not in the schema (%v)", k.Name, p.Name, p.Required, req)
			}
		}
	}
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A kind that uses every Go type a parameter can have, to pin how each is described.
type sample struct {
	Name    string            `yaml:"name" required:"true" doc:"A name."`
	Count   int               `yaml:"count" doc:"How many."`
	Ratio   float64           `yaml:"ratio"`
	On      bool              `yaml:"on"`
	Wait    kind.Duration     `yaml:"wait"`
	Max     kind.ByteSize     `yaml:"max"`
	Hosts   []string          `yaml:"hosts"`
	Labels  map[string]string `yaml:"labels"`
	Items   []item            `yaml:"items"`
	Limit   *uint             `yaml:"limit"`
	Custom  custom            `yaml:"custom"`
	Special described         `yaml:"special"`
	Inline  `yaml:",inline"`
}

type Inline struct {
	Extra string `yaml:"extra" doc:"Inlined."`
}

type item struct {
	Host string `yaml:"host" required:"true"`
	Port int    `yaml:"port"`
}

type custom struct{ v string }

func (c *custom) UnmarshalYAML(n *yaml.Node) error { c.v = n.Value; return nil }

type described []int

func (d *described) UnmarshalYAML(*yaml.Node) error { return nil }
func (described) JSONSchema() map[string]any {
	return map[string]any{"type": "integer", "minimum": 100}
}

func (*sample) Run(context.Context, *kind.Env) kind.Result { return kind.Result{} }

func TestParameterTypes(t *testing.T) {
	k := kind.Kind{Name: "sample", Summary: "A sample.", New: func() kind.Check { return &sample{Count: 3} }}
	g := Generate([]kind.Kind{k})
	b, _ := json.Marshal(g)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sample.json", doc); err != nil {
		t.Fatal(err)
	}
	s := c.MustCompile("sample.json")
	ok := func(with string) error {
		return s.Validate(yamlToJSON(t, []byte("version: 1\nchecks:\n  - id: s\n    type: sample\n    with:\n"+indent(with))))
	}
	for _, good := range []string{
		"name: x",
		"name: 5\ncount: 4\nratio: 0.5\non: true\nwait: 30d\nmax: 5MiB\nhosts: [a, b]\nlabels: {a: b}",
		"name: x\nitems:\n  - host: h\n    port: 1\nlimit: 3\ncustom: {anything: [goes]}\nspecial: 200\nextra: yes",
		"name: x\ncount: ${N:-3}\non: ${ON}\nwait: ${WAIT:-1s}\nmax: 1048576\nlimit: null",
	} {
		if err := ok(good); err != nil {
			t.Errorf("rejected:\n%s\n%v", good, err)
		}
	}
	for _, bad := range []string{
		"count: 3",                     // name is required
		"name: x\ncount: many",         // not an integer
		"name: x\nwait: 10",            // a duration needs a unit
		"name: x\nmax: lots",           // not a size
		"name: x\nhosts: a",            // a list
		"name: x\nitems:\n  - port: 1", // host is required in items
		"name: x\nitems:\n  - host: h\n    proto: tcp",
		"name: x\nlimit: -1",
		"name: x\nspecial: 5",
		"name: x\nlabels: {a: [b]}",
		"name: x\nnope: 1",
	} {
		if err := ok(bad); err == nil {
			t.Errorf("accepted:\n%s", bad)
		}
	}
	props := g["definitions"].(map[string]any)["with:sample"].(map[string]any)["properties"].(map[string]any)
	if d := props["count"].(map[string]any)["description"]; d != "How many. Default: 3." {
		t.Errorf("count description %q: want the doc and the default", d)
	}
}

func indent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = "      " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestSchemaIsDeterministic(t *testing.T) {
	a, _ := JSON(kind.Kinds())
	b, _ := JSON(kind.Kinds())
	if !bytes.Equal(a, b) {
		t.Error("two generations differ")
	}
	names := kind.KindNames()
	if !sort.StringsAreSorted(names) {
		t.Error("kinds are not sorted")
	}
}

// ModelineComment is the first line every shipped checklist carries, so editors validate and
// complete it (and so does every copy a user makes of it).
const modelineComment = "# yaml-language-server: $schema=" + ID

// TestShippedChecklistsPointAtTheSchema: once one shipped checklist carries the modeline, all
// must, and each must point at the published schema.
func TestShippedChecklistsPointAtTheSchema(t *testing.T) {
	files, _ := fs.Glob(checklists.FS, "*.yaml")
	var with, without []string
	for _, name := range files {
		data, _ := checklists.FS.ReadFile(name)
		found := false
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, "yaml-language-server:") {
				found = true
				if strings.TrimSpace(line) != modelineComment {
					t.Errorf("%s: %q, want %q", name, strings.TrimSpace(line), modelineComment)
				}
			}
		}
		if found {
			with = append(with, name)
		} else {
			without = append(without, name)
		}
	}
	if len(with) > 0 && len(without) > 0 {
		t.Errorf("these checklists lack the line %q: %v", modelineComment, without)
	}
	if len(with) == 0 {
		t.Logf("no shipped checklist carries %q yet", modelineComment)
	}
}
