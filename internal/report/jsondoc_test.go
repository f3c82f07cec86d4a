package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/runner"
)

// docs/json-output.md publishes the shape JSON writes. These tests keep the two together: the
// example in the docs decodes into the very structs the renderer encodes, and every field the
// renderer writes has a row in the docs' tables.

func readJSONDocs(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "json-output.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJSONDocsExampleMatchesTheRenderer(t *testing.T) {
	doc := readJSONDocs(t)
	start := strings.Index(doc, "```json\n")
	end := strings.Index(doc[start+8:], "```")
	if start < 0 || end < 0 {
		t.Fatal("docs/json-output.md has no ```json example")
	}
	dec := json.NewDecoder(strings.NewReader(doc[start+8 : start+8+end]))
	dec.DisallowUnknownFields()
	var example jsonDoc
	if err := dec.Decode(&example); err != nil {
		t.Fatalf("the documented example is not what the renderer writes: %v", err)
	}
	if example.SchemaVersion != JSONSchemaVersion {
		t.Errorf("the example says schema_version %d, the renderer writes %d", example.SchemaVersion, JSONSchemaVersion)
	}
}

// jsonKeys collects every object key in v, as section-qualified names (results[].evidence[].label).
func jsonKeys(v any, prefix string, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			out[prefix+k] = true
			jsonKeys(val, prefix+k+".", out)
		}
	case []any:
		for _, item := range x {
			jsonKeys(item, strings.TrimSuffix(prefix, ".")+"[].", out)
		}
	}
}

var docRow = regexp.MustCompile("(?m)^\\| `([a-z_]+)`(?:, `([a-z_]+)`)?")

func TestJSONDocsDocumentEveryField(t *testing.T) {
	r := fixtureReport()
	// A retried check, so that the optional attempts object is written too.
	r.Results[2].Attempts = runner.Attempts{Count: 6, Elapsed: 2 * time.Minute,
		Retry: config.Retry{Within: 2 * time.Minute, Every: 20 * time.Second}}
	var b bytes.Buffer
	if err := (JSON{}).Write(&b, r); err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	jsonKeys(v, "", keys)
	documented := map[string]bool{}
	for _, m := range docRow.FindAllStringSubmatch(readJSONDocs(t), -1) {
		documented[m[1]] = true
		if m[2] != "" {
			documented[m[2]] = true
		}
	}
	var missing []string
	for k := range keys {
		name := k[strings.LastIndex(k, ".")+1:]
		if strings.HasPrefix(k, "gate.counts.") {
			continue // listed together in the counts row
		}
		if !documented[name] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("fields the JSON report writes without a row in docs/json-output.md: %v", missing)
	}
}
