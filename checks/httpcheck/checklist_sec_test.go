package httpcheck

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/launchgate/launchgate/internal/kind"
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
				if c.Type != "http.auth" && c.Type != "http.headers" {
					continue
				}
				seen++
				k, ok := kind.Lookup(c.Type)
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
				if err := chk.(kind.Validator).Validate(); err != nil {
					t.Fatalf("%s: %v", c.Type, err)
				}
			}
			if seen == 0 {
				t.Fatal("no httpsec checks in the file")
			}
		})
	}
}
