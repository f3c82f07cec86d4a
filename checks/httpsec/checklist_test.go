package httpsec

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/check"
)

var envRef = regexp.MustCompile(`\$\{([A-Z_]+)(:-[^}]*)?\}`)

// TestChecklistsDecode decodes this family's entries of the example and default checklists
// strictly into their checks and validates them, so the shipped YAML cannot rot before the
// loader lands.
func TestChecklistsDecode(t *testing.T) {
	for _, file := range []string{"httpsec.yaml", "default.yaml"} {
		t.Run(file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "..", "checklists", file))
			if err != nil {
				t.Fatal(err)
			}
			expanded := envRef.ReplaceAllStringFunc(string(raw), func(m string) string {
				name := envRef.FindStringSubmatch(m)[1]
				if strings.HasSuffix(name, "_URL") {
					return "https://app.example.com"
				}
				return "value"
			})
			var doc struct {
				Checks []struct {
					Type string    `yaml:"type"`
					With yaml.Node `yaml:"with"`
				} `yaml:"checks"`
			}
			if err := yaml.Unmarshal([]byte(expanded), &doc); err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, c := range doc.Checks {
				if c.Type != "http.auth" && c.Type != "jwt" && c.Type != "http.headers" {
					continue
				}
				seen++
				k, ok := check.Lookup(c.Type)
				if !ok {
					t.Fatalf("kind %s not registered", c.Type)
				}
				body, err := yaml.Marshal(&c.With)
				if err != nil {
					t.Fatal(err)
				}
				chk := k.New()
				dec := yaml.NewDecoder(bytes.NewReader(body))
				dec.KnownFields(true)
				if err := dec.Decode(chk); err != nil {
					t.Fatalf("%s: %v", c.Type, err)
				}
				if err := chk.(check.Validator).Validate(); err != nil {
					t.Fatalf("%s: %v", c.Type, err)
				}
			}
			if seen == 0 {
				t.Fatal("no httpsec checks in the file")
			}
		})
	}
}

// TestKindExamplesDecode checks that each kind's Example decodes strictly and validates.
func TestKindExamplesDecode(t *testing.T) {
	for _, name := range []string{"http.auth", "jwt", "http.headers"} {
		k, _ := check.Lookup(name)
		body := envRef.ReplaceAllStringFunc(k.Example, func(m string) string {
			if strings.HasSuffix(envRef.FindStringSubmatch(m)[1], "_URL") {
				return "https://app.example.com"
			}
			return "value"
		})
		chk := k.New()
		dec := yaml.NewDecoder(strings.NewReader(body))
		dec.KnownFields(true)
		if err := dec.Decode(chk); err != nil {
			t.Fatalf("%s example: %v", name, err)
		}
		if err := chk.(check.Validator).Validate(); err != nil {
			t.Fatalf("%s example: %v", name, err)
		}
		for _, p := range check.Params(chk) {
			if p.Doc == "" {
				t.Errorf("%s: parameter %s has no doc", name, p.Name)
			}
		}
		if k.Positional == "" {
			t.Errorf("%s: no positional parameter", name)
		}
	}
}
