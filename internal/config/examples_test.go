package config_test

import (
	"strings"
	"testing"

	_ "github.com/launchgate/launchgate/checks/all"
	"github.com/launchgate/launchgate/internal/config"
	"github.com/launchgate/launchgate/internal/kind"
)

// exampleValues stand in for the variables examples read, by what their names say they hold.
var exampleValues = []struct{ in, value string }{
	{"SHADOW", "postgres://launchgate@shadow.example:5432/postgres"},
	{"MYSQL", "mysql://app@db.example:3306/app"},
	{"DATABASE", "postgres://app@db.example:5432/app"},
	{"POSTGRES", "postgres://app@db.example:5432/app"},
	{"REDIS", "redis://cache.example:6379"},
	{"AMQP", "amqp://app@mq.example:5672/"},
	{"RABBIT", "amqp://app@mq.example:5672/"},
	{"NATS", "nats://mq.example:4222"},
	{"PROMETHEUS", "http://prometheus.example:9090"},
}

// TestEveryKindsExampleLoads: the example `launchgate explain` prints for each kind must load
// and validate as a checklist entry, and every parameter must be documented, so that no kind
// can ship an example a user would copy into a load error.
func TestEveryKindsExampleLoads(t *testing.T) {
	for _, k := range kind.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			if k.Example == "" {
				t.Fatalf("%s has no example", k.Name)
			}
			var b strings.Builder
			b.WriteString("version: 1\nchecks:\n  - id: x\n    type: " + k.Name + "\n")
			if k.ExampleTimeout != "" {
				b.WriteString("    timeout: " + k.ExampleTimeout + "\n")
			}
			b.WriteString("    with:\n")
			for _, line := range strings.Split(k.Example, "\n") {
				b.WriteString("      " + line + "\n")
			}
			getenv := func(name string) string {
				for _, v := range exampleValues {
					if strings.Contains(name, v.in) {
						return v.value
					}
				}
				if strings.HasSuffix(name, "_URL") || strings.HasSuffix(name, "_URLS") {
					return "https://app.example.com"
				}
				return "value-of-" + strings.ToLower(name)
			}
			if _, err := config.Parse(k.Name+".yaml", []byte(b.String()), config.Options{Getenv: getenv}); err != nil {
				t.Errorf("example: %v\n%s", err, b.String())
			}
			for _, p := range kind.Params(k.New()) {
				if p.Doc == "" {
					t.Errorf("parameter %s has no doc", p.Name)
				}
			}
		})
	}
}
