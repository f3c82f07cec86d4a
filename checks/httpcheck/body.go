package httpcheck

import (
	"encoding/json"
	"fmt"

	"gopkg.in/yaml.v3"
)

// Body is a request body: a string sent as written, or a YAML mapping or list sent as JSON
// (with Content-Type application/json unless the headers set one). The mapping form also makes
// `launchgate check ... body='{"email": "probe@example.invalid"}'` work, since command-line
// values are read as YAML.
type Body string

// UnmarshalYAML accepts a scalar, or a mapping or sequence to encode as JSON.
func (b *Body) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*b = Body(n.Value)
		return nil
	case yaml.MappingNode, yaml.SequenceNode:
		out, err := asJSON(n, "this body")
		if err == nil {
			*b = Body(out)
		}
		return err
	}
	return fmt.Errorf("expected a string, or a mapping or list to send as JSON")
}

// asJSON encodes a YAML value as JSON; what names it when JSON cannot hold it.
func asJSON(n *yaml.Node, what string) ([]byte, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("cannot send %s as JSON (keys must be strings): %w", what, err)
	}
	return out, nil
}
