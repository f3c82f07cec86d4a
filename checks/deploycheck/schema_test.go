package deploycheck

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
	"github.com/launchgate/launchgate/internal/schema"
)

// TestSchema: the checklist schema, generated from the kind's structs, accepts what the loader
// accepts and refuses the mistakes an editor can see, nested rules included.
func TestSchema(t *testing.T) {
	k, ok := kind.Lookup("deploy.window")
	if !ok {
		t.Fatal("deploy.window is not registered")
	}
	b, err := json.Marshal(schema.Generate([]kind.Kind{k}))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("window.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("window.json")
	if err != nil {
		t.Fatalf("not a valid draft-07 schema: %v", err)
	}
	validate := func(with string) error {
		var v any
		if err := yaml.Unmarshal(checklist(with), &v); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(v)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(j))
		return s.Validate(inst)
	}
	for _, good := range []string{
		issueExample,
		"deny: [{days: [Sat, SUN], reason: weekend}]",
		"deny: [{days: [fri], from: \"15:00\", to: null, reason: friday}]",
		"deny: [{from: \"00:00\", to: \"24:00\", reason: always}]",
		"deny: [{cron: \"@daily\", duration: 1h, reason: nightly}]",
		"deny: [{days: [mon], reason: x}]\nwarn_within: ${WARN:-2h}",
		"deny: [{days: [\"${FREEZE_DAY:-fri}\"], from: \"${FREEZE_FROM:-15:00}\", dates: [\"${FREEZE_DATES:-2026-12-24}\"], reason: x}]",
	} {
		if _, err := parse(good); err != nil {
			t.Errorf("the loader refuses\n%s\n%v", good, err)
		}
		if err := validate(good); err != nil {
			t.Errorf("the schema refuses\n%s\n%v", good, err)
		}
	}
	for _, bad := range []string{
		"timezone: UTC",                                // deny is required
		"deny: [{days: [mon]}]",                        // reason is required
		"deny: [{days: [mon], reason: x, extra: 1}]",   // unknown key in a rule
		"deny: [{days: [frday], reason: x}]",           // not a day
		"deny: [{days: mon, reason: x}]",               // a list
		"deny: [{from: \"9:00\", reason: x}]",          // HH:MM
		"deny: [{to: \"24:01\", reason: x}]",           // past the end of the day
		"deny: [{dates: [\"24/12/2026\"], reason: x}]", // YYYY-MM-DD
		"deny: [{cron: \"\", duration: 1h, reason: x}]",
		"deny: [{cron: \"@daily\", duration: 1, reason: x}]", // a duration needs a unit
		"deny: [{days: [mon], reason: x}]\nwarn: 1h",
	} {
		if _, err := parse(bad); err == nil {
			t.Errorf("the loader accepts\n%s", bad)
		}
		if err := validate(bad); err == nil {
			t.Errorf("the schema accepts\n%s", bad)
		}
	}
}
