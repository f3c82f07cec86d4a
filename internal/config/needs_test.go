package config_test

import (
	"strings"
	"testing"

	"github.com/launchgate/launchgate/internal/config"
)

func TestNeedsMistakes(t *testing.T) {
	tests := []struct{ name, checks, want string }{
		{"unknown id", "  - id: a\n    type: tls\n    with: {host: example.com}\n    needs: [bb]\n  - id: b\n    type: tls\n    with: {host: example.com}\n",
			`n.yaml:6:13: check "a": needs: no check has the id "bb" (did you mean "b"?)`},
		{"itself", "  - id: a\n    type: tls\n    with: {host: example.com}\n    needs: [a]\n",
			`n.yaml:6:13: check "a": needs: a check cannot need itself`},
		{"cycle", "  - id: a\n    type: tls\n    with: {host: example.com}\n    needs: [b]\n  - id: b\n    type: tls\n    with: {host: example.com}\n    needs: [c]\n  - id: c\n    type: tls\n    with: {host: example.com}\n    needs: [a]\n",
			`n.yaml:14:13: check "c": needs: a cycle: a -> b -> c -> a`},
		{"not a list", "  - id: a\n    type: tls\n    with: {host: example.com}\n    needs: b\n",
			`n.yaml:6:12: check "a": needs: expected a list of check ids`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Parse("n.yaml", []byte("version: 1\nchecks:\n"+tt.checks), env(nil))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNeededBy(t *testing.T) {
	cl, err := config.Parse("n.yaml", []byte(`version: 1
checks:
  - {id: db, type: tls, with: {host: example.com}}
  - {id: api, type: tls, needs: [db], with: {host: example.com}}
  - {id: flow, type: tls, needs: [api], with: {host: example.com}}
  - {id: other, type: tls, with: {host: example.com}}
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := cl.NeededBy(map[string]bool{"flow": true})
	if len(got) != 2 || got["api"] != "flow" || got["db"] != "api" {
		t.Errorf("NeededBy(flow) = %v", got)
	}
}
