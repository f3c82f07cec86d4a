package postgres

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// DSNList is a list of DSNs, written in a checklist either as a YAML list or as one string of
// comma-separated DSNs, which is how an environment variable such as DATABASE_REPLICA_URLS
// carries several:
//
//	replica_dsns: ${DATABASE_REPLICA_URLS}
//	replica_dsns: [postgres://ro@replica-a/app, postgres://ro@replica-b/app]
//
// A comma only separates DSNs when what follows it starts a new one (a postgres:// URL or a
// key=value pair), so multi-host DSNs such as postgres://u@h1,h2/db stay whole.
type DSNList []string

// dsnStart matches the beginning of a DSN: a URL scheme or a libpq keyword.
var dsnStart = regexp.MustCompile(`^\s*(postgres(ql)?://|[A-Za-z_]+\s*=)`)

// SplitDSNs splits a comma-separated string of DSNs, keeping multi-host DSNs whole and dropping
// empty entries.
func SplitDSNs(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if len(out) > 0 && !dsnStart.MatchString(part) && strings.TrimSpace(part) != "" {
			out[len(out)-1] += "," + part
			continue
		}
		out = append(out, part)
	}
	kept := out[:0]
	for _, d := range out {
		if d = strings.TrimSpace(d); d != "" {
			kept = append(kept, d)
		}
	}
	return kept
}

// UnmarshalYAML accepts a sequence of strings or a comma-separated scalar.
func (l *DSNList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = SplitDSNs(n.Value)
		return nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: each DSN must be a string", item.Line)
			}
			if v := strings.TrimSpace(item.Value); v != "" {
				out = append(out, v)
			}
		}
		*l = out
		return nil
	}
	return fmt.Errorf("expected a list of DSNs or one string of comma-separated DSNs")
}
