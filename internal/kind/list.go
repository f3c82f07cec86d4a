package kind

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeList reads a parameter written as a YAML list of strings or as one string that split
// breaks into several, which is how one environment variable carries a list
// (replica_dsns: ${DATABASE_REPLICA_URLS}). Entries are trimmed and empty ones dropped. what
// names an entry in errors ("DSN").
func DecodeList(n *yaml.Node, split func(string) []string, what string) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return NonEmpty(split(n.Value)), nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			if item.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: each %s must be a string", item.Line, what)
			}
			out = append(out, item.Value)
		}
		return NonEmpty(out), nil
	}
	return nil, fmt.Errorf("expected a list of %ss or one string of comma-separated %ss", what, what)
}

// ListSchema is the JSON Schema of a parameter that DecodeList reads.
func ListSchema(what string) map[string]any {
	return map[string]any{
		"description": fmt.Sprintf("A list of %ss, or one string of comma-separated %ss.", what, what),
		"oneOf": []any{
			map[string]any{"type": "string"},
			map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		},
	}
}

// NonEmpty trims every entry and drops the empty ones, in place.
func NonEmpty(list []string) []string {
	kept := list[:0]
	for _, s := range list {
		if s = strings.TrimSpace(s); s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

// Unique drops empty and repeated entries, keeping the first of each in order: remedies and
// problems gathered from several observations often repeat.
func Unique(list []string) []string {
	seen := make(map[string]bool, len(list))
	var out []string
	for _, s := range list {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
